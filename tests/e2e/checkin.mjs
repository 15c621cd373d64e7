// QR self check-in in a real browser, on a 360 px phone screen: the trainer opens the session day's
// check-in code (a session open now with the learner registered, made by run.sh: CHECKIN_SESSION); the
// learner, not logged in, opens the code's address, logs in on the way, comes back to the check-in and
// is marked present; opening it again says they are already checked in; the trainer's key-in page shows
// the mark and how it was made. axe-core checks each page.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.SALA_URL;
const SESSION = process.env.CHECKIN_SESSION;
const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), 'out');

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

async function axeCheck(page, name) {
	await page.evaluate(AXE);
	const res = await page.evaluate(async () => {
		// eslint-disable-next-line no-undef
		const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
		return r.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length, help: v.help }));
	});
	const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	check('axe: no serious or critical violation on ' + name, bad.length === 0, JSON.stringify(bad));
}

async function phone(browser) {
	const context = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true,
		locale: 'en-US', javaScriptEnabled: true });
	const page = await context.newPage();
	page.setDefaultTimeout(20000);
	return page;
}

async function login(page, user, password) {
	await page.fill('#f-username', user);
	await page.fill('#f-password', password);
	await Promise.all([page.waitForLoadState(), page.press('#f-password', 'Enter')]);
}

/* True when the page is no wider than the screen (nothing to scroll sideways). */
async function fits(page) {
	return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

async function main() {
	fs.mkdirSync(OUT, { recursive: true });
	if (!SESSION) {
		check('run.sh made a session to check in to (CHECKIN_SESSION)', false);
		console.log(`${passed} passed, ${failed} failed`);
		process.exit(1);
	}
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	let trainer;
	let learner;
	try {
		// The trainer shows the code of today's session day.
		trainer = await phone(browser);
		await trainer.goto(BASE + '/login');
		await login(trainer, 'trainer', 'demo-Bayon-2');
		await trainer.goto(BASE + `/sessions/${SESSION}/checkin-code`);
		await Promise.all([trainer.waitForURL('**'), trainer.click('form.langs button[value=en]')]);
		check('the check-in code page shows a QR code', (await trainer.locator('main svg[role=img]').count()) === 1);
		const href = await trainer.getAttribute('#checkin-url', 'href');
		const code = new URL(href).pathname;
		check('the code is a /checkin/ address', /^\/checkin\/\d+\.\d+\.\d+\.[A-Za-z0-9_-]{43}$/.test(code), code);
		check('the QR page fits the phone screen', await fits(trainer));
		await axeCheck(trainer, 'the check-in code page');
		await trainer.screenshot({ path: path.join(OUT, 'checkin-1-code.png'), fullPage: true });

		// The learner scans it: not logged in yet, so the login page, which comes back to the check-in.
		learner = await phone(browser);
		await learner.goto(BASE + code);
		check('the check-in asks to log in first', learner.url().includes('/login?next='), learner.url());
		await login(learner, 'learner', 'demo-Mekong-4');
		check('after logging in, the check-in page is back', new URL(learner.url()).pathname === code, learner.url());
		await Promise.all([learner.waitForURL('**'), learner.click('form.langs button[value=en]')]);
		const confirm = learner.locator('main form button[type=submit]');
		check('the page offers to check in', (await confirm.count()) === 1 && (await confirm.innerText()).includes('Check me in'));
		check('the check-in page fits the phone screen', await fits(learner));
		await axeCheck(learner, 'the check-in page');
		await learner.screenshot({ path: path.join(OUT, 'checkin-2-confirm.png'), fullPage: true });
		await Promise.all([learner.waitForLoadState(), confirm.click()]);
		const ok = await learner.locator('main .notice.ok').innerText().catch(() => '');
		check('the learner is checked in', ok.includes('You are checked in for day 1'), ok);
		await axeCheck(learner, 'the checked-in page');
		await learner.screenshot({ path: path.join(OUT, 'checkin-3-done.png'), fullPage: true });

		// Scanning again changes nothing and says so.
		const again = await learner.goto(BASE + code);
		const said = await learner.locator('main .notice.error').innerText().catch(() => '');
		check('a second scan says already checked in', again.status() === 409 && said.includes('already checked in'),
			`${again.status()} ${said}`);
		await learner.screenshot({ path: path.join(OUT, 'checkin-4-again.png'), fullPage: true });

		// The trainer's key-in page shows the learner's mark as a QR check-in, and passes axe on the phone.
		await trainer.goto(BASE + `/sessions/${SESSION}/keyin`);
		const row = await trainer.locator('main fieldset.keyin-person').first().innerText();
		check('the key-in page shows the QR check-in', row.includes('Present (QR check-in)'), row);
		check('the key-in page fits the phone screen', await fits(trainer));
		await axeCheck(trainer, 'the key-in page');
		await trainer.screenshot({ path: path.join(OUT, 'checkin-5-keyin.png'), fullPage: true });
	} catch (e) {
		check('check-in journey ran to the end', false, e.stack || String(e));
		if (trainer) await trainer.screenshot({ path: path.join(OUT, 'checkin-error-trainer.png') }).catch(() => {});
		if (learner) await learner.screenshot({ path: path.join(OUT, 'checkin-error-learner.png') }).catch(() => {});
	}
	await browser.close();
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
