// What every browser test shares: the counted checks and the last line ("N passed, N failed"), Debian's
// Chromium, pages and logins, axe-core, screenshots (tests/e2e/out/), and the quiz answers read from a
// quiz's source. Each test script is a process of its own, so the counts here are that script's.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const BASE = process.env.SALA_URL;
export const SRC = process.env.SALA_SRC;
export const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), 'out');
export const PASSWORDS = { admin: 'demo-Angkor-1', trainer: 'demo-Bayon-2', manager: 'demo-Kampot-3', learner: 'demo-Mekong-4' };
export const PHONE = { width: 360, height: 740 };

let passed = 0;
let failed = 0;

/* One counted check: "ok   NAME", or "FAIL NAME: DETAIL". */
export function check(name, ok, detail) {
	if (ok) {
		passed++;
		console.log('ok   ' + name);
	} else {
		failed++;
		console.log('FAIL ' + name + (detail ? ': ' + detail : ''));
	}
}

/* Prints the last line, "N passed, N failed", and ends the process (exit status 1 when a check failed). */
export function done() {
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

/* Debian's Chromium, headless, with nothing of its own on the network; makes the screenshots' folder. */
export async function launch() {
	fs.mkdirSync(OUT, { recursive: true });
	return chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
}

/*
 * A page in a new browser context (its own cookies): a phone screen, English browser locale, JavaScript on,
 * unless options say otherwise (any option of browser.newContext()). bypassCSP lets the tests inject
 * axe-core; Sala's pages themselves carry no script at all.
 */
export async function newPage(browser, options = {}) {
	const context = await browser.newContext({ viewport: PHONE, bypassCSP: true, locale: 'en-US', javaScriptEnabled: true,
		...options });
	const page = await context.newPage();
	page.setDefaultTimeout(20000);
	return page;
}

/* Fills the login form on the page and sends it; waits for the URL until (a glob) when given, else the next load. */
export async function submitLogin(page, user, password = PASSWORDS[user], until = null) {
	await page.fill('#f-username', user);
	await page.fill('#f-password', password);
	await Promise.all([until ? page.waitForURL(until) : page.waitForLoadState(), page.press('#f-password', 'Enter')]);
}

/* Opens the login page and logs in (submitLogin()). */
export async function login(page, user, password = PASSWORDS[user], until = null) {
	await page.goto(BASE + '/login');
	await submitLogin(page, user, password, until);
}

/* Switches the page's language with the switcher's button (lang: 'km' or 'en'). */
export async function switchLang(page, lang) {
	await Promise.all([page.waitForURL('**'), page.click(`form.langs button[value=${lang}]`)]);
}

/* A new page (newPage(), with options) logged in as user and switched to options.lang (default English). */
export async function loggedIn(browser, user, password = PASSWORDS[user], options = {}) {
	const { lang = 'en', ...context } = options;
	const page = await newPage(browser, context);
	await login(page, user, password);
	await switchLang(page, lang);
	return page;
}

/* axe-core's violations on the page (WCAG 2.0/2.1 A and AA, and best practice): id, impact, count, help, where. */
export async function axeViolations(page) {
	await page.evaluate(AXE);
	return page.evaluate(async () => {
		// eslint-disable-next-line no-undef
		const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length, help: v.help,
			at: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
	});
}

/* One check: no serious or critical axe-core violation on the page; with showMinor, the others are printed. */
export async function axeCheck(page, name, showMinor = false) {
	const res = await axeViolations(page);
	const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	check('axe: no serious or critical violation on ' + name, bad.length === 0, JSON.stringify(bad));
	const minor = res.filter((v) => !bad.includes(v));
	if (showMinor && minor.length) console.log('     (minor on ' + name + ': ' + minor.map((v) => v.id).join(', ') + ')');
}

/* A screenshot, tests/e2e/out/NAME.png: the full page, or only the screen when fullPage is false. */
export async function shot(page, name, fullPage = true) {
	await page.screenshot({ path: path.join(OUT, name + '.png'), fullPage });
}

/* True when the page is no wider than its screen (nothing to scroll sideways), with slack pixels of rounding. */
export async function fitsScreen(page, slack = 0) {
	return page.evaluate((s) => document.documentElement.scrollWidth <= window.innerWidth + s, slack);
}

/* A question's text as the quiz source and the page both give it: without spaces and Markdown marks. */
export function norm(s) {
	return s.replace(/[\s*_`\\]/g, '');
}

/* Quiz source (Markdown quiz format) -> [{key, options:[{text,right}], answers:[], pairs:[[l,r]]}]. */
export function parseQuiz(text) {
	const body = text.replace(/^---\n[\s\S]*?\n---\n/, '');
	const out = [];
	let q = null;
	for (const line of body.split('\n')) {
		if (line.startsWith('## ')) {
			q = { key: norm(line.slice(3)), options: [], answers: [], pairs: [] };
			out.push(q);
			continue;
		}
		if (!q) continue;
		let m;
		if ((m = line.match(/^- \[([ xX])\] (.*)$/))) q.options.push({ text: m[2], right: m[1] !== ' ' });
		else if ((m = line.match(/^= (.*)$/))) q.answers.push(m[1].trim());
		else if ((m = line.match(/^- (.*?) -> (.*)$/))) q.pairs.push([m[1].trim(), m[2].trim()]);
	}
	return out;
}

/* Answers the attempt page's questions right, from source (parseQuiz()); returns [answered, questions]. */
export async function answerFromSource(page, source) {
	const sets = await page.$$('fieldset');
	let answered = 0;
	for (let k = 0; k < sets.length; k++) {
		const text = norm(await page.innerText(`#q${k}-text`));
		const q = source.find((s) => s.key === text);
		if (!q) continue;
		answered++;
		for (let o = 0; o < q.options.length; o++) {
			if (!q.options[o].right) continue;
			const input = page.locator(`input[name="q${k}"][value="${o}"], input[name="q${k}_${o}"]`);
			if (await input.count()) await input.check();
		}
		if (q.answers.length && (await page.locator(`#f-q${k}`).count())) await page.fill(`#f-q${k}`, q.answers[0]);
		for (let p = 0; p < q.pairs.length; p++) {
			const sel = page.locator(`select[name="q${k}_${p}"]`);
			if (await sel.count()) await sel.selectOption({ label: q.pairs[p][1] });
		}
	}
	return [answered, sets.length];
}
