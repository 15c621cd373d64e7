// Essay grading in a real browser, on a 360 px phone screen: a learner writes an essay in the final
// quiz of tests/data/essay-course (imported by run.sh) and sees it await grading; a trainer of the
// learner's province (made by run.sh) grades it from the grading queue; the learner sees the grade and
// the comment, and the course complete. axe-core checks the essay form and the grading page.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.SALA_URL;
const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), 'out');
const COURSE = 'essay-test';
const QUIZ = `/courses/${COURSE}/quiz/quizzes/final.md`;
const ESSAY = 'ការិយាល័យច្រកចេញចូលតែមួយ helps citizens:\n<b>one</b> desk, posted fees, short waits.';
const COMMENT = 'Good: you named the fees and the waiting times.';

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

async function login(browser, user, password) {
	const context = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true,
		locale: 'en-US', javaScriptEnabled: true });
	const page = await context.newPage();
	page.setDefaultTimeout(20000);
	await page.goto(BASE + '/login');
	await page.fill('#f-username', user);
	await page.fill('#f-password', password);
	await Promise.all([page.waitForLoadState(), page.press('#f-password', 'Enter')]);
	// English pages, so the checks below read one language.
	await Promise.all([page.waitForURL('**'), page.click('form.langs button[value=en]')]);
	return page;
}

async function main() {
	fs.mkdirSync(OUT, { recursive: true });
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	let learner;
	let trainer;
	try {
		// The learner writes the essay and submits.
		learner = await login(browser, 'learner', 'demo-Mekong-4');
		await learner.goto(BASE + QUIZ);
		const start = learner.locator('main form button[type=submit], main a.button[href^="/attempts/"]').first();
		await Promise.all([learner.waitForURL('**/attempts/*'), start.click()]);
		const attemptUrl = learner.url();
		await learner.waitForSelector('textarea#f-q1');
		await axeCheck(learner, 'the quiz page with an essay');
		await learner.check('input[name="q0"][value="1"]');
		await learner.fill('#f-q1', ESSAY);
		await learner.screenshot({ path: path.join(OUT, 'essay-1-write.png'), fullPage: true });
		await Promise.all([learner.waitForLoadState(), learner.click('main form button[type=submit]:not([formaction])')]);
		check('the attempt awaits grading', (await learner.locator('p.status[data-status=awaiting]').count()) === 1);
		const shown = await learner.innerText('div.essay');
		check('the essay is shown as written', shown.trim() === ESSAY.trim(), JSON.stringify(shown));
		await learner.goto(BASE + `/courses/${COURSE}`);
		const before = await learner.innerText('p.status');
		check('the course is not complete before grading', !before.includes('✓'), before);

		// A trainer of the learner's province grades it from the queue.
		trainer = await login(browser, 'srtrainer', 'Correct-horse-9');
		await trainer.goto(BASE + `/manage/courses/${COURSE}/grading`);
		const row = trainer.locator('table.grading[data-pending="1"] tr[data-attempt] a');
		check('the grading queue lists the attempt', (await row.count()) === 1);
		await Promise.all([trainer.waitForURL('**/grading/*'), row.first().click()]);
		await axeCheck(trainer, 'the grading page');
		const answer = await trainer.innerText('section.essay-grade div.essay');
		check('the trainer reads the essay as written', answer.trim() === ESSAY.trim(), JSON.stringify(answer));
		await trainer.fill('#points-1', '9');
		await trainer.fill('#comment-1', COMMENT);
		await trainer.screenshot({ path: path.join(OUT, 'essay-2-grade.png'), fullPage: true });
		await Promise.all([trainer.waitForURL('**/grading?done=1'), trainer.click('section.essay-grade button[type=submit]')]);
		check('the grade is saved', (await trainer.locator('.notice.ok').count()) === 1);

		// The learner sees the grade and the comment, and the course complete.
		await learner.goto(attemptUrl);
		const status = learner.locator('p.status[data-points="9"][data-max-points="10"]');
		check('the learner sees the points', (await status.count()) === 1);
		const comment = await learner.innerText('div.essay-comment');
		check("the learner sees the trainer's comment", comment.trim() === COMMENT, comment);
		const result = await learner.innerText('main .notice');
		check('the attempt passed at 95%', result.includes('95%') && result.includes('passed'), result);
		await learner.screenshot({ path: path.join(OUT, 'essay-3-result.png'), fullPage: true });
		await learner.goto(BASE + `/courses/${COURSE}`);
		const after = await learner.innerText('p.status');
		check('the course is complete after grading', after.includes('✓'), after);
	} catch (e) {
		check('essay journey ran to the end', false, e.stack || String(e));
		if (learner) await learner.screenshot({ path: path.join(OUT, 'essay-error-learner.png') }).catch(() => {});
		if (trainer) await trainer.screenshot({ path: path.join(OUT, 'essay-error-trainer.png') }).catch(() => {});
	}
	await browser.close();
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
