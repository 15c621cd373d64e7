// Reaction survey and attendance report in a real browser, on a 360 px phone screen: the trainer of a past
// session (made by run.sh: SURVEY_SESSION) marks the demo learner present; the session page links to the
// attendance report, which shows the mark and how it was made; the learner finds the survey on My learning,
// answers it (a form, no JavaScript) and cannot answer twice; the trainer sees the results withheld below 5
// respondents, then, once four more people present have answered, the table of means in a focusable scroll
// region that keeps the page within 360 px (English and Khmer). axe-core checks the report, the survey form,
// the thank-you page and the results.
import { BASE, axeCheck, check, done, fitsScreen, launch, loggedIn, shot } from './lib.mjs';

const SID = process.env.SURVEY_SESSION;

async function main() {
	if (!SID) {
		check('run.sh gave the past session (SURVEY_SESSION)', false);
		done();
	}
	const browser = await launch();
	let trainer;
	let learner;
	try {
		// The trainer marks the learner present on the session's only day, then opens the report.
		trainer = await loggedIn(browser, 'srtrainer', 'Correct-horse-9');
		await trainer.goto(BASE + `/sessions/${SID}/days/1`);
		await trainer.locator('fieldset.mark[data-user=learner] input[value=present]').check();
		await Promise.all([trainer.waitForURL('**?done=saved'), trainer.click('main form button[type=submit]:text("Save the marks")')]);
		await trainer.goto(BASE + `/sessions/${SID}`);
		check('the session page links to the attendance report',
			(await trainer.locator(`a[href="/sessions/${SID}/report"]`).count()) === 1);
		await Promise.all([trainer.waitForURL('**/report'), trainer.click(`a[href="/sessions/${SID}/report"]`)]);
		const report = await trainer.innerText('main');
		// The learner marked by the trainer, the four others of run.sh by the attendance import.
		check('the report shows the learner present, marked by the trainer',
			report.includes('present (trainer)') && report.includes('Attended at least one day: 5'), report);
		check('the report links to its CSV', (await trainer.locator(`a[href="/sessions/${SID}/report.csv"]`).count()) === 1);
		check('the attendance report fits a 360 px screen', await fitsScreen(trainer));
		check('the attendance table scrolls inside a focusable region',
			(await trainer.locator('main div.table-scroll[tabindex="0"][role="region"][aria-label] > table').count()) === 1);
		await axeCheck(trainer, 'the attendance report');
		await shot(trainer, 'survey-1-report');

		// The learner answers the survey from My learning (the pages use no JavaScript).
		learner = await loggedIn(browser, 'learner', 'demo-Mekong-4');
		await learner.goto(BASE + '/my');
		const link = learner.locator(`a[href="/surveys/workshop/${SID}"]`);
		check('My learning lists the pending survey', (await link.count()) === 1);
		await Promise.all([learner.waitForURL(`**/surveys/workshop/${SID}`), link.click()]);
		await axeCheck(learner, 'the survey form');
		check('the survey form fits a 360 px screen', await fitsScreen(learner));
		check('the built-in survey asks five statements', (await learner.locator('main fieldset').count()) === 5);
		await learner.locator('input[name=q1][value="5"]').check();
		await learner.locator('input[name=q2][value="4"]').check();
		await learner.locator('input[name=q4][value="2"]').check();
		await learner.fill('#f-comment', 'More practice with the e-filing forms, please.');
		await shot(learner, 'survey-2-form');
		await Promise.all([learner.waitForURL('**/surveys?done=1'), learner.click('main form button[type=submit]')]);
		check('the answers are saved', (await learner.locator('.notice.ok').count()) === 1);
		await axeCheck(learner, 'the thank-you page');
		await learner.goto(BASE + '/my');
		check('My learning no longer lists the survey', (await learner.locator(`a[href="/surveys/workshop/${SID}"]`).count()) === 0);
		await learner.goto(BASE + `/surveys/workshop/${SID}`);
		check('the survey says it was answered', (await learner.innerText('main')).includes('You have answered this survey'));

		// One respondent: the trainer sees no figure.
		await trainer.goto(BASE + `/surveys/workshop/${SID}/results`);
		const res = await trainer.innerText('main');
		check('results are withheld below 5 respondents', res.includes('fewer than 5 responses') && !res.includes('More practice'), res);
		await axeCheck(trainer, 'the survey results');
		await shot(trainer, 'survey-3-results');

		// Four more people present answer (run.sh made them): five respondents, so the table of means is shown.
		for (let i = 1; i <= 4; i++) {
			const p = await loggedIn(browser, 'survey' + i, 'Correct-horse-9');
			await p.goto(BASE + `/surveys/workshop/${SID}`);
			await p.locator(`input[name=q1][value="${1 + i}"]`).check();
			await p.locator('input[name=q3][value="3"]').check();
			await Promise.all([p.waitForURL('**/surveys?done=1'), p.click('main form button[type=submit]')]);
			await p.context().close();
		}
		for (const lang of ['en', 'km']) {
			await trainer.goto(BASE + `/surveys/workshop/${SID}/results?lang=${lang}`);
			const region = trainer.locator('main div.table-scroll[tabindex="0"][role="region"][aria-label] > table');
			check(`the results table (${lang}) is shown inside a focusable scroll region`, (await region.count()) === 1);
			check(`the results page (${lang}) does not overflow a 360 px screen`, await fitsScreen(trainer));
			await axeCheck(trainer, `the survey results with figures (${lang})`);
			await shot(trainer, `survey-4-results-${lang}`);
		}
	} catch (e) {
		check('survey journey ran to the end', false, e.stack || String(e));
		if (trainer) await shot(trainer, 'survey-error-trainer', false).catch(() => {});
		if (learner) await shot(learner, 'survey-error-learner', false).catch(() => {});
	}
	await browser.close();
	done();
}

main();
