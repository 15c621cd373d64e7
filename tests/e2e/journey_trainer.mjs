// The trainer's journey in a real browser, on a 360 px phone in Khmer and on a desktop in English: log in
// and land on the courses they manage, upload a package (stored as a draft), preview its lessons and its
// quiz (with the answer check), publish it, then open the course's participants and its item analysis.
// run.sh packs the two versions uploaded here (TRAINER_ZIPS). axe-core checks every page on the way;
// screenshots go to tests/e2e/out/trainer-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.SALA_URL;
const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), 'out');
const ZIPS = (process.env.TRAINER_ZIPS || '').split(' ').filter(Boolean);
const COURSE = 'trainer-journey';
const RUNS = [
	{ name: 'phone-km', lang: 'km', viewport: { width: 360, height: 740 }, version: '1.0.0' },
	{ name: 'desktop-en', lang: 'en', viewport: { width: 1280, height: 900 }, version: '1.1.0' },
];

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

async function shot(page, run, step) {
	await page.screenshot({ path: path.join(OUT, `trainer-${run.name}-${step}.png`), fullPage: true });
}

async function journey(browser, run, zip) {
	const context = await browser.newContext({ viewport: run.viewport, bypassCSP: true, locale: 'en-US' });
	const page = await context.newPage();
	page.setDefaultTimeout(20000);
	try {
		// Log in: a trainer lands on the courses they manage, not on an empty "My learning".
		await page.goto(BASE + '/login');
		await page.fill('#f-username', 'trainer');
		await page.fill('#f-password', 'demo-Bayon-2');
		await Promise.all([page.waitForURL('**/manage/courses**'), page.press('#f-password', 'Enter')]);
		check(`${run.name}: login lands on the trainer's courses`, new URL(page.url()).pathname === '/manage/courses', page.url());
		await Promise.all([page.waitForURL('**'), page.click(`form.langs button[value=${run.lang}]`)]);
		check(`${run.name}: the page is in ${run.lang}`, (await page.getAttribute('html', 'lang')) === run.lang);
		check(`${run.name}: each course links its participants and item analysis`,
			(await page.locator('a[href="/manage/courses/cyber-awareness/participants"]').count()) === 1 &&
			(await page.locator('a[href="/manage/courses/cyber-awareness/items"]').count()) === 1);
		await axeCheck(page, `${run.name}: the trainer's courses`);
		await shot(page, run, '1-courses');

		// Upload: stored as a draft, with its Preview link and Publish button.
		await page.setInputFiles('#package', zip);
		await Promise.all([page.waitForLoadState(), page.click('form[action="/manage/courses/upload"] button[type=submit]')]);
		const row = page.locator(`section[data-course="${COURSE}"] tr[data-version="${run.version}"]`);
		check(`${run.name}: the upload is a draft`, (await row.getAttribute('data-state')) === 'draft');
		check(`${run.name}: the upload result is shown`, (await page.locator('main .notice.ok').count()) === 1);
		await axeCheck(page, `${run.name}: the upload result`);
		await shot(page, run, '2-draft');

		// Preview: the outline, a lesson, the quiz as learners see it and its answer check.
		await Promise.all([page.waitForURL('**/preview/**'), row.locator('a[href*="/preview/"]').click()]);
		check(`${run.name}: the preview says it is a draft`, (await page.locator('.notice[data-state=draft]').count()) === 1);
		await axeCheck(page, `${run.name}: the preview of a draft`);
		await shot(page, run, '3-preview');
		await Promise.all([page.waitForURL('**/lessons/01-intro.md'), page.click('ol.outline a[href$="lessons/01-intro.md"]')]);
		check(`${run.name}: the lesson is shown`, (await page.locator('article.lesson h1').count()) === 1);
		await page.goto(page.url().replace(/lessons\/01-intro\.md$/, 'quizzes/final.md'));
		check(`${run.name}: the quiz has its inputs`, (await page.locator('form.quiz input[type=radio][name=q0]').count()) === 2);
		await page.check('input[name=q0][value="0"]');
		await Promise.all([page.waitForURL('**check=1**'), page.click('form.quiz button[type=submit]')]);
		check(`${run.name}: the answer check marks the first question right`,
			(await page.locator('fieldset[data-question="0"] [data-check=right]').count()) === 1);
		await axeCheck(page, `${run.name}: the quiz preview with its answer check`);
		await shot(page, run, '4-quiz');

		// Publish from the preview: the version becomes the one learners see.
		await Promise.all([page.waitForURL('**/manage/courses?published=1'), page.click('.notice[data-state=draft] form button[type=submit]')]);
		const now = page.locator(`section[data-course="${COURSE}"] tr[data-version="${run.version}"]`);
		check(`${run.name}: published and active`, (await now.getAttribute('data-state')) === 'active');
		await shot(page, run, '5-published');

		// Participants, then item analysis, from the course's links.
		const links = page.locator(`section[data-course="cyber-awareness"] nav.course-links`);
		await Promise.all([page.waitForURL('**/participants'), links.locator('a[href$="/participants"]').click()]);
		const people = await page.getAttribute('[data-count]', 'data-count');
		check(`${run.name}: the participants page counts the people`, people !== null && Number(people) >= 0, people);
		await axeCheck(page, `${run.name}: participants`);
		await shot(page, run, '6-participants');
		await Promise.all([page.waitForURL('**/items**'), page.click('nav.course-links a[href$="/items"]')]);
		const h1 = await page.innerText('h1');
		check(`${run.name}: item analysis shows the course title`, !h1.includes('cyber-awareness') && h1.includes(':'), h1);
		check(`${run.name}: item analysis switches language`, (await page.locator('p.langs-content a[hreflang]').count()) >= 1);
		await axeCheck(page, `${run.name}: item analysis`);
		await shot(page, run, '7-items');
	} catch (e) {
		check(`${run.name}: the trainer's journey ran to the end`, false, e.stack || String(e));
		await page.screenshot({ path: path.join(OUT, `trainer-${run.name}-error.png`) }).catch(() => {});
	}
	await context.close();
}

async function main() {
	fs.mkdirSync(OUT, { recursive: true });
	if (ZIPS.length !== RUNS.length) {
		check('run.sh packed the packages to upload', false, JSON.stringify(ZIPS));
	} else {
		const browser = await chromium.launch({
			executablePath: '/usr/bin/chromium',
			headless: true,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		for (let i = 0; i < RUNS.length; i++)
			await journey(browser, RUNS[i], ZIPS[i]);
		await browser.close();
	}
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
