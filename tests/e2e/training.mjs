// Face-to-face sessions in a real browser, on a 360 px phone screen: a trainer of Siem Reap province
// (made by run.sh) creates a session and invites the demo learner, opens day 1 and marks attendance
// (a mark, a changed mark, the search, all present); the learner sees the session on My learning.
// axe-core checks the new-session form, the session page, the marking page and the learner's list.
import { BASE, axeCheck, check, done, fitsScreen, launch, loggedIn, shot } from './lib.mjs';

const TITLE = 'Phone attendance workshop';

async function main() {
	const browser = await launch();
	let trainer;
	let learner;
	try {
		// The trainer creates a session in their province and invites the demo learner.
		trainer = await loggedIn(browser, 'srtrainer', 'Correct-horse-9');
		await trainer.goto(BASE + '/sessions/new');
		await axeCheck(trainer, 'the new-session form');
		await trainer.fill('#f-title', TITLE);
		await trainer.fill('#f-address', 'Provincial hall, room 2');
		await trainer.fill('#f-date1', '2031-05-05');
		await trainer.fill('#f-capacity', '25');
		await trainer.fill('#f-invite', 'learner');
		await Promise.all([trainer.waitForURL('**/sessions/*?done=created'),
			trainer.click('main form button[type=submit]')]);
		check('the session is created', (await trainer.locator('.notice.ok').count()) === 1);
		check('the learner is registered', (await trainer.locator('table[data-people=registered] tr[data-user=learner]').count()) === 1);
		await axeCheck(trainer, 'the session page');
		check('the session page fits a 360 px screen', await fitsScreen(trainer));
		await shot(trainer, 'training-1-session');

		// Day 1: mark the learner present, then change the mark to excused.
		await Promise.all([trainer.waitForURL('**/days/1'), trainer.click('a[href$="/days/1"]')]);
		await axeCheck(trainer, 'the attendance page');
		check('the attendance page fits a 360 px screen', await fitsScreen(trainer));
		const person = trainer.locator('fieldset.mark[data-user=learner]');
		check('the registered learner is listed, unmarked', (await person.getAttribute('data-mark')) === '');
		await person.locator('input[value=present]').check();
		await shot(trainer, 'training-2-marking');
		await Promise.all([trainer.waitForURL('**?done=saved'), trainer.click('main form button[type=submit]:text("Save the marks")')]);
		check('the mark is saved as present', (await trainer.locator('fieldset.mark[data-user=learner]').getAttribute('data-mark')) === 'present');
		check('who and how are shown', (await trainer.locator('fieldset.mark[data-user=learner] p.meta').innerText()).includes('by the trainer, srtrainer'));
		await trainer.locator('fieldset.mark[data-user=learner] input[value=excused]').check();
		await Promise.all([trainer.waitForURL('**?done=saved'), trainer.click('main form button[type=submit]:text("Save the marks")')]);
		check('the mark is changed to excused', (await trainer.locator('fieldset.mark[data-user=learner]').getAttribute('data-mark')) === 'excused');
		// The search, answered by the server.
		await trainer.fill('#f-q', 'nobody-like-this');
		await Promise.all([trainer.waitForURL('**q=nobody-like-this'), trainer.click('form[role=search] button')]);
		check('the search finds nobody for an unknown name', (await trainer.locator('fieldset.mark').count()) === 0);
		await trainer.fill('#f-q', 'sokha');
		await Promise.all([trainer.waitForURL('**q=sokha'), trainer.click('form[role=search] button')]);
		check('the search finds the learner by name', (await trainer.locator('fieldset.mark[data-user=learner]').count()) === 1);
		// Day 2 does not exist; day 1's "All present" leaves the excused mark alone.
		await Promise.all([trainer.waitForURL('**?done=saved**'), trainer.click('main form button:text("All present")')]);
		check('all present keeps a mark already made', (await trainer.locator('fieldset.mark[data-user=learner]').getAttribute('data-mark')) === 'excused');
		await shot(trainer, 'training-3-marked');

		// The learner sees the session on My learning and in the sessions list.
		learner = await loggedIn(browser, 'learner', 'demo-Mekong-4');
		await learner.goto(BASE + '/my');
		const mine = await learner.innerText('section[aria-labelledby=my-sessions]');
		check('My learning shows the session with its date, time and place',
			mine.includes(TITLE) && (mine.includes('5 May 2031, 08:00') || mine.includes('ថ្ងៃទី៥ ខែឧសភា ឆ្នាំ២០៣១, ០៨:០០')) &&
			mine.includes('Provincial hall'), mine);
		await learner.goto(BASE + '/sessions');
		await axeCheck(learner, "the learner's sessions");
		check("the learner's sessions fit a 360 px screen", await fitsScreen(learner));
		await shot(learner, 'training-4-learner');
	} catch (e) {
		check('training journey ran to the end', false, e.stack || String(e));
		if (trainer) await shot(trainer, 'training-error-trainer', false).catch(() => {});
		if (learner) await shot(learner, 'training-error-learner', false).catch(() => {});
	}
	await browser.close();
	done();
}

main();
