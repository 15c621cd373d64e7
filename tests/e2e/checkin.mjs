// QR self check-in in a real browser, on a 360 px phone screen: the trainer opens the session day's
// check-in code (a session open now with the learner registered, made by run.sh: CHECKIN_SESSION); the
// learner, not logged in, opens the code's address, logs in on the way, comes back to the check-in and
// is marked present; opening it again says they are already checked in; the trainer's key-in page shows
// the mark and how it was made. axe-core checks each page.
import { BASE, axeCheck, check, done, fitsScreen, launch, newPage, shot, submitLogin } from './lib.mjs';

const SESSION = process.env.CHECKIN_SESSION;

async function main() {
	if (!SESSION) {
		check('run.sh made a session to check in to (CHECKIN_SESSION)', false);
		done();
	}
	const browser = await launch();
	let trainer;
	let learner;
	try {
		// The trainer shows the code of today's session day.
		trainer = await newPage(browser);
		await trainer.goto(BASE + '/login');
		await submitLogin(trainer, 'trainer');
		await trainer.goto(BASE + `/sessions/${SESSION}/checkin-code`);
		await Promise.all([trainer.waitForURL('**'), trainer.click('form.langs button[value=en]')]);
		check('the check-in code page shows a QR code', (await trainer.locator('main svg[role=img]').count()) === 1);
		const href = await trainer.getAttribute('#checkin-url', 'href');
		const code = new URL(href).pathname;
		check('the code is a /checkin/ address', /^\/checkin\/\d+\.\d+\.\d+\.[A-Za-z0-9_-]{43}$/.test(code), code);
		check('the QR page fits the phone screen', await fitsScreen(trainer, 1));
		await axeCheck(trainer, 'the check-in code page');
		await shot(trainer, 'checkin-1-code');

		// The learner scans it: not logged in yet, so the login page, which comes back to the check-in.
		learner = await newPage(browser);
		await learner.goto(BASE + code);
		check('the check-in asks to log in first', learner.url().includes('/login?next='), learner.url());
		await submitLogin(learner, 'learner');
		check('after logging in, the check-in page is back', new URL(learner.url()).pathname === code, learner.url());
		await Promise.all([learner.waitForURL('**'), learner.click('form.langs button[value=en]')]);
		const confirm = learner.locator('main form button[type=submit]');
		check('the page offers to check in', (await confirm.count()) === 1 && (await confirm.innerText()).includes('Check me in'));
		check('the check-in page fits the phone screen', await fitsScreen(learner, 1));
		await axeCheck(learner, 'the check-in page');
		await shot(learner, 'checkin-2-confirm');
		await Promise.all([learner.waitForLoadState(), confirm.click()]);
		const ok = await learner.locator('main .notice.ok').innerText().catch(() => '');
		check('the learner is checked in', ok.includes('You are checked in for day 1'), ok);
		await axeCheck(learner, 'the checked-in page');
		await shot(learner, 'checkin-3-done');

		// Scanning again changes nothing and says so.
		const again = await learner.goto(BASE + code);
		const said = await learner.locator('main .notice.error').innerText().catch(() => '');
		check('a second scan says already checked in', again.status() === 409 && said.includes('already checked in'),
			`${again.status()} ${said}`);
		await shot(learner, 'checkin-4-again');

		// The trainer's key-in page shows the learner's mark as a QR check-in, and passes axe on the phone.
		await trainer.goto(BASE + `/sessions/${SESSION}/keyin`);
		const row = await trainer.locator('main fieldset.keyin-person').first().innerText();
		check('the key-in page shows the QR check-in', row.includes('Present (QR check-in)'), row);
		check('the key-in page fits the phone screen', await fitsScreen(trainer, 1));
		await axeCheck(trainer, 'the key-in page');
		await shot(trainer, 'checkin-5-keyin');
	} catch (e) {
		check('check-in journey ran to the end', false, e.stack || String(e));
		if (trainer) await shot(trainer, 'checkin-error-trainer', false).catch(() => {});
		if (learner) await shot(learner, 'checkin-error-learner', false).catch(() => {});
	}
	await browser.close();
	done();
}

main();
