// The learner's journey in a real browser, on a 360 px phone screen, in Khmer:
// log in, switch to Khmer, find a course, read every lesson, pass the final
// quiz, see the course complete and find the certificate. axe-core checks the
// catalogue, lesson and quiz pages (no serious or critical violation).
// The right answers come from the quiz source in courses/library.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.SALA_URL;
const SRC = process.env.SALA_SRC;
const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), 'out');
const COURSE = 'cyber-awareness';
const QUIZ_SOURCE = path.join(SRC, 'courses/library/cyber-awareness.km/quizzes/final.md');

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
	if (ok) {
		passed++;
		console.log('ok   ' + name);
	} else {
		failed++;
		console.log('FAIL ' + name + (detail ? ': ' + detail : ''));
	}
}

// Quiz source (Markdown quiz format) -> [{key, options:[{text,right}], answers:[], pairs:[[l,r]]}].
function parseQuiz(text) {
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

function norm(s) {
	return s.replace(/[\s*_`\\]/g, '');
}

async function axeCheck(page, name) {
	await page.evaluate(AXE);
	const res = await page.evaluate(async () => {
		// eslint-disable-next-line no-undef
		const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length, help: v.help }));
	});
	const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	check('axe: no serious or critical violation on ' + name, bad.length === 0, JSON.stringify(bad));
	const minor = res.filter((v) => !bad.includes(v));
	if (minor.length) console.log('     (minor on ' + name + ': ' + minor.map((v) => v.id).join(', ') + ')');
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(OUT, name + '.png'), fullPage: true });
}

async function main() {
	fs.mkdirSync(OUT, { recursive: true });
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	// bypassCSP lets the test inject axe-core; Sala's pages themselves carry no script at all.
	const context = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true,
		locale: 'en-US', javaScriptEnabled: true });
	const page = await context.newPage();
	page.setDefaultTimeout(20000);
	const scripts = [];
	page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(r.url()); });
	try {
		// Log in.
		await page.goto(BASE + '/login');
		await page.fill('#f-username', 'learner');
		await page.fill('#f-password', 'demo-Mekong-4');
		await Promise.all([page.waitForLoadState(), page.press('#f-password', 'Enter')]);
		check('logs in', new URL(page.url()).pathname === '/my', page.url());

		// Switch to English and back to Khmer with the switcher buttons.
		await Promise.all([page.waitForURL('**'), page.click('form.langs button[value=en]')]);
		check('switches to English', (await page.getAttribute('html', 'lang')) === 'en');
		await Promise.all([page.waitForURL('**'), page.click('form.langs button[value=km]')]);
		check('switches to Khmer', (await page.getAttribute('html', 'lang')) === 'km');

		// Find the course in the catalogue (search by a Khmer word); on a phone the menu opens first.
		await page.click('details.menu > summary');
		await page.click('nav a[href="/courses"]');
		await page.waitForSelector('#f-q');
		await axeCheck(page, 'the catalogue');
		await shot(page, '1-catalogue');
		await page.fill('#f-q', 'សន្តិសុខ');
		await Promise.all([page.waitForURL('**/courses?q=*'), page.press('#f-q', 'Enter')]);
		const link = page.locator(`a[href="/courses/${COURSE}"]`);
		check('search finds the course in Khmer', (await link.count()) === 1);
		await link.click();
		await page.waitForURL(`**/courses/${COURSE}`);
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		check('course page fits 360 px', width <= 360, 'scrollWidth ' + width);

		// Enrol, then read every lesson through the "next" links.
		const enrol = page.locator(`form[action="/courses/${COURSE}/enrol"] button`);
		if (await enrol.count()) await Promise.all([page.waitForURL('**enrolled=1'), enrol.click()]);
		check('enrolled', (await page.locator('.notice.ok').count()) >= 1 || (await enrol.count()) === 0);
		await shot(page, '2-course');
		const lessonHrefs = await page.$$eval('ol.outline a', (as) => as.map((a) => a.getAttribute('href')));
		const lessons = lessonHrefs.filter((h) => h.includes('/lessons/'));
		const quizHref = lessonHrefs.find((h) => h.includes('/quizzes/'));
		check('outline lists lessons and the quiz', lessons.length > 0 && !!quizHref, lessonHrefs.join(' '));
		await page.click('a.button');
		let read = 0;
		for (let i = 0; i < lessons.length; i++) {
			await page.waitForSelector('article.lesson');
			if (new URL(page.url()).pathname === lessons[i]) read++;
			if (i === 0) {
				await axeCheck(page, 'a lesson page');
				await shot(page, '3-lesson');
				const w = await page.evaluate(() => document.documentElement.scrollWidth);
				check('lesson page fits 360 px', w <= 360, 'scrollWidth ' + w);
			}
			if (i < lessons.length - 1) await page.click('a[rel=next]');
		}
		check('reads every lesson in order', read === lessons.length, `${read} of ${lessons.length}`);
		const toQuiz = page.locator('a[rel=next]');
		check('the last lesson leads to the quiz', (await toQuiz.getAttribute('href')) === quizHref);
		await toQuiz.click();

		// The quiz: start, answer from the source, submit.
		await page.waitForURL('**/quizzes/**');
		const start = page.locator('main form button[type=submit], main a.button[href^="/attempts/"]').first();
		await Promise.all([page.waitForURL('**/attempts/*'), start.click()]);
		await page.waitForSelector('fieldset');
		await axeCheck(page, 'the quiz page');
		const source = parseQuiz(fs.readFileSync(QUIZ_SOURCE, 'utf8'));
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
			if (q.answers.length && (await page.locator(`#f-q${k}`).count()))
				await page.fill(`#f-q${k}`, q.answers[0]);
			for (let p = 0; p < q.pairs.length; p++) {
				const sel = page.locator(`select[name="q${k}_${p}"]`);
				if (await sel.count()) await sel.selectOption({ label: q.pairs[p][1] });
			}
		}
		check('knows every question from the source', answered === sets.length, `${answered} of ${sets.length}`);
		await shot(page, '4-quiz');
		await Promise.all([page.waitForLoadState(), page.click('main form button[type=submit]:not([formaction])')]);
		await shot(page, '5-result');

		// The course is complete, and the certificate is there.
		await page.goto(BASE + `/courses/${COURSE}`);
		const status = await page.innerText('p.status');
		check('the course shows complete (text and ✓)', status.includes('បានបញ្ចប់') && status.includes('✓'), status);
		check('every outline item is marked done', (await page.locator('ol.outline li.done').count()) ===
			lessonHrefs.length);
		await page.click('details.menu > summary');
		await page.click('nav a[href="/my"]');
		await page.waitForURL('**/my');
		await shot(page, '6-my');
		const cert = page.locator('a[href^="/certificates/"]');
		check('My learning links the certificate', (await cert.count()) >= 1);
		check('no JavaScript was loaded by any page', scripts.length === 0, scripts.join(' '));
	} catch (e) {
		check('journey ran to the end', false, e.stack || String(e));
		await shot(page, 'error').catch(() => {});
	}
	await browser.close();
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
