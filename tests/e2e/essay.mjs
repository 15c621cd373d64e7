// Essay grading in a real browser, on a 360 px phone screen: a learner writes an essay in the final
// quiz of tests/data/essay-course (imported by run.sh) and sees it await grading; a trainer of the
// learner's province (made by run.sh) grades it from the grading queue; the learner sees the grade and
// the comment, and the course complete. axe-core checks the essay form and the grading page.
import { BASE, axeCheck, check, done, launch, loggedIn, shot } from './lib.mjs';

const COURSE = 'essay-test';
const QUIZ = `/courses/${COURSE}/quiz/quizzes/final.md`;
const ESSAY = 'ការិយាល័យច្រកចេញចូលតែមួយ helps citizens:\n<b>one</b> desk, posted fees, short waits.';
const COMMENT = 'Good: you named the fees and the waiting times.';

async function main() {
	const browser = await launch();
	let learner;
	let trainer;
	try {
		// The learner writes the essay and submits.
		learner = await loggedIn(browser, 'learner', 'demo-Mekong-4');
		await learner.goto(BASE + QUIZ);
		const start = learner.locator('main form button[type=submit], main a.button[href^="/attempts/"]').first();
		await Promise.all([learner.waitForURL('**/attempts/*'), start.click()]);
		const attemptUrl = learner.url();
		await learner.waitForSelector('textarea#f-q1');
		await axeCheck(learner, 'the quiz page with an essay');
		await learner.check('input[name="q0"][value="1"]');
		await learner.fill('#f-q1', ESSAY);
		await shot(learner, 'essay-1-write');
		await Promise.all([learner.waitForLoadState(), learner.click('main form button[type=submit]:not([formaction])')]);
		check('the attempt awaits grading', (await learner.locator('p.status[data-status=awaiting]').count()) === 1);
		const shown = await learner.innerText('div.essay');
		check('the essay is shown as written', shown.trim() === ESSAY.trim(), JSON.stringify(shown));
		await learner.goto(BASE + `/courses/${COURSE}`);
		const before = await learner.innerText('p.status');
		check('the course is not complete before grading', !before.includes('✓'), before);

		// A trainer of the learner's province grades it from the queue.
		trainer = await loggedIn(browser, 'srtrainer', 'Correct-horse-9');
		await trainer.goto(BASE + `/manage/courses/${COURSE}/grading`);
		const row = trainer.locator('table.grading[data-pending="1"] tr[data-attempt] a');
		check('the grading queue lists the attempt', (await row.count()) === 1);
		await Promise.all([trainer.waitForURL('**/grading/*'), row.first().click()]);
		await axeCheck(trainer, 'the grading page');
		const answer = await trainer.innerText('section.essay-grade div.essay');
		check('the trainer reads the essay as written', answer.trim() === ESSAY.trim(), JSON.stringify(answer));
		await trainer.fill('#points-1', '9');
		await trainer.fill('#comment-1', COMMENT);
		await shot(trainer, 'essay-2-grade');
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
		await shot(learner, 'essay-3-result');
		await learner.goto(BASE + `/courses/${COURSE}`);
		const after = await learner.innerText('p.status');
		check('the course is complete after grading', after.includes('✓'), after);
	} catch (e) {
		check('essay journey ran to the end', false, e.stack || String(e));
		if (learner) await shot(learner, 'essay-error-learner', false).catch(() => {});
		if (trainer) await shot(trainer, 'essay-error-trainer', false).catch(() => {});
	}
	await browser.close();
	done();
}

main();
