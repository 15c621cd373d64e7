// The trainer's journey in a real browser, on a 360 px phone in Khmer and on a desktop in English: log in
// and land on the courses they manage, upload a package (stored as a draft), preview its lessons and its
// quiz (with the answer check), publish it, then open the course's participants and its item analysis.
// run.sh packs the two versions uploaded here (TRAINER_ZIPS). axe-core checks every page on the way;
// screenshots go to tests/e2e/out/trainer-*.png.
import { BASE, axeCheck, check, done, launch, login, newPage, shot as screenshot } from './lib.mjs';
const ZIPS = (process.env.TRAINER_ZIPS || '').split(' ').filter(Boolean);
const COURSE = 'trainer-journey';
const RUNS = [
	{ name: 'phone-km', lang: 'km', viewport: { width: 360, height: 740 }, version: '1.0.0' },
	{ name: 'desktop-en', lang: 'en', viewport: { width: 1280, height: 900 }, version: '1.1.0' },
];

async function shot(page, run, step) {
	await screenshot(page, `trainer-${run.name}-${step}`);
}

async function journey(browser, run, zip) {
	const page = await newPage(browser, { viewport: run.viewport });
	const context = page.context();
	try {
		// Log in: a trainer lands on the courses they manage, not on an empty "My learning".
		await login(page, 'trainer', 'demo-Bayon-2', '**/manage/courses**');
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
		await screenshot(page, `trainer-${run.name}-error`, false).catch(() => {});
	}
	await context.close();
}

async function main() {
	if (ZIPS.length !== RUNS.length) {
		check('run.sh packed the packages to upload', false, JSON.stringify(ZIPS));
	} else {
		const browser = await launch();
		for (let i = 0; i < RUNS.length; i++)
			await journey(browser, RUNS[i], ZIPS[i]);
		await browser.close();
	}
	done();
}

main();
