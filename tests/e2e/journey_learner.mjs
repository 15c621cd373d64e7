// The learner's journey to its end, in a real browser, on a 360 px phone and a desktop screen, in Khmer and
// in English (one course each): who is logged in, the course page, a pre-test with no pass mark, "Continue"
// on My learning straight to the lesson, one "Next" per lesson, the final quiz passed with the course said
// complete and the certificate linked, 100 % everywhere, no "Continue" on a completed course, and the
// course downloaded for reading offline (no script). axe-core checks each page kind (no serious or
// critical violation); screenshots go to tests/e2e/out/learner-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { BASE, SRC, answerFromSource, axeCheck, check, done, launch, login, newPage, parseQuiz, shot as screenshot } from './lib.mjs';

// One course per run, so each run starts the course afresh (journey.mjs takes cyber-awareness).
const RUNS = [
	{ name: 'phone-km', lang: 'km', width: 360, height: 740, course: 'one-window-services',
		source: 'one-window-services.km/quizzes/final.md' },
	{ name: 'phone-en', lang: 'en', width: 360, height: 740, course: 'data-protection',
		source: 'data-protection/quizzes/final.md' },
	{ name: 'desktop-km', lang: 'km', width: 1280, height: 800, course: 'digital-literacy',
		source: 'digital-literacy/quizzes/final.md' },
	{ name: 'desktop-en', lang: 'en', width: 1280, height: 800, course: 'digital-leadership',
		source: 'digital-leadership/quizzes/final.md' },
];
const WORDS = {
	km: { complete: 'អ្នកបានបញ្ចប់វគ្គសិក្សានេះហើយ។', cont: 'បន្តពីកន្លែងដែលអ្នកឈប់', next: 'បន្ទាប់', logout: 'ចាកចេញ' },
	en: { complete: 'You have completed this course.', cont: 'Continue where you left off', next: 'Next',
		logout: 'Log out' },
};

async function fits(page, run, name) {
	const w = await page.evaluate(() => document.documentElement.scrollWidth);
	check(`${run.name}: ${name} fits ${run.width} px`, w <= run.width, 'scrollWidth ' + w);
}

async function shot(page, run, name) {
	await screenshot(page, `learner-${run.name}-${name}`);
}

// The percentage of "N of M done (P%)", with Khmer or Latin digits.
function percent(text) {
	const digits = text.replace(/[០-៩]/g, (d) => String('០១២៣៤៥៦៧៨៩'.indexOf(d)));
	const m = digits.match(/\((\d+)%\)/);
	return m ? Number(m[1]) : -1;
}

async function startQuiz(page, href) {
	await page.goto(BASE + href);
	const start = page.locator('main form button[type=submit], main a.button[href^="/attempts/"]').first();
	await Promise.all([page.waitForURL('**/attempts/*'), start.click()]);
	await page.waitForSelector('fieldset');
}

async function submitQuiz(page) {
	await Promise.all([page.waitForLoadState(), page.click('main form button[type=submit]:not([formaction])')]);
	// An unanswered question asks for confirmation once; the second submission is graded as it is.
	if (await page.locator('.unanswered').count())
		await Promise.all([page.waitForLoadState(), page.click('main form button[type=submit]:not([formaction])')]);
}

async function journey(browser, run) {
	const w = WORDS[run.lang];
	const page = await newPage(browser, { viewport: { width: run.width, height: run.height },
		locale: run.lang === 'km' ? 'km-KH' : 'en-US', acceptDownloads: true });
	const context = page.context();
	const scripts = [];
	page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(r.url()); });
	try {
		await login(page, 'learner');
		if ((await page.getAttribute('html', 'lang')) !== run.lang)
			await Promise.all([page.waitForURL('**'), page.click(`form.langs button[value=${run.lang}]`)]);
		check(`${run.name}: page in ${run.lang}`, (await page.getAttribute('html', 'lang')) === run.lang);
		const who = await page.locator('header .who').innerText();
		check(`${run.name}: the header names who is logged in`, who.trim().length > 0, who);
		// On a phone the log-out button sits in the collapsed menu: its text, shown or not.
		check(`${run.name}: log out is in the header`, (await page.locator('header form[action="/logout"] button')
			.textContent()).includes(w.logout));

		// The course page: enrol.
		await page.goto(BASE + `/courses/${run.course}`);
		const enrol = page.locator(`form[action="/courses/${run.course}/enrol"] button`);
		if (await enrol.count()) await Promise.all([page.waitForURL('**enrolled=1'), enrol.click()]);
		await fits(page, run, 'course page');
		await axeCheck(page, `${run.name} course page`);
		await shot(page, run, '1-course');
		const hrefs = await page.$$eval('ol.outline a', (as) => as.map((a) => a.getAttribute('href')));
		const lessons = hrefs.filter((h) => h.includes('/lessons/'));
		const quizzes = hrefs.filter((h) => h.includes('/quizzes/'));
		const final = quizzes[quizzes.length - 1];
		check(`${run.name}: outline has lessons and a final quiz`, lessons.length > 0 && !!final, hrefs.join(' '));

		// A pre-test (where the course has one): a starting point, not a red "pass mark" box.
		const pre = quizzes.find((h) => h.includes('pretest'));
		if (pre) {
			await startQuiz(page, pre);
			await page.locator('main fieldset input[type=radio]').first().check();
			await submitQuiz(page);
			const notes = await page.locator('main .notice').allInnerTexts();
			check(`${run.name}: the pre-test result has no pass mark`, (await page.locator('.notice.error').count()) === 0 &&
				!notes.join(' ').match(/pass mark|ពិន្ទុជាប់/i), notes.join(' | '));
			await axeCheck(page, `${run.name} pre-test result`);
			await shot(page, run, '2-pretest');
		}

		// Read the first lesson, then "Continue" on My learning goes straight to the lesson.
		await page.goto(BASE + lessons[0]);
		await page.waitForSelector('article.lesson');
		await page.goto(BASE + '/my');
		const cont = page.locator(`main a:has-text("${w.cont}")`).first();
		const contHref = await cont.getAttribute('href');
		check(`${run.name}: Continue on My learning goes to the lesson`, contHref === lessons[0], contHref);
		await axeCheck(page, `${run.name} My learning`);
		await shot(page, run, '3-my');
		await Promise.all([page.waitForURL('**/lessons/**'), cont.click()]);

		// Every lesson, through the pager: one "Next" link on each page.
		for (let i = 0; i < lessons.length; i++) {
			await page.goto(BASE + lessons[i]);
			await page.waitForSelector('article.lesson');
			const nexts = await page.locator(`main a:has-text("${w.next}")`).count();
			check(`${run.name}: one Next link on lesson ${i + 1}`, nexts <= 1, String(nexts));
			if (i === 0) {
				await fits(page, run, 'lesson page');
				await axeCheck(page, `${run.name} lesson page`);
				await shot(page, run, '4-lesson');
			}
		}

		// The final quiz, passed: the result says the course is complete and links the certificate.
		await startQuiz(page, final);
		const [answered, total] = await answerFromSource(page, parseQuiz(fs.readFileSync(path.join(SRC,
			'courses/library', run.source), 'utf8')));
		check(`${run.name}: knows every question from the source`, answered === total, `${answered} of ${total}`);
		await submitQuiz(page);
		const result = await page.locator('main').innerText();
		check(`${run.name}: the result says the course is complete`, result.includes(w.complete), result.slice(0, 300));
		check(`${run.name}: the result links the certificate`,
			(await page.locator('main a[href^="/certificates/"]').count()) >= 1);
		await fits(page, run, 'quiz result');
		await axeCheck(page, `${run.name} quiz result`);
		await shot(page, run, '5-result');

		// The completed course: certificate and review, no "Continue"; 100 % on every page.
		await page.goto(BASE + `/courses/${run.course}`);
		const main = await page.locator('main').innerText();
		check(`${run.name}: a completed course shows no Continue`, !main.includes(w.cont));
		check(`${run.name}: the course page links the certificate`,
			(await page.locator('main a.button[href^="/certificates/"]').count()) === 1);
		check(`${run.name}: the course page says 100%`, percent(await page.innerText('p.progress')) === 100,
			await page.innerText('p.progress'));
		await axeCheck(page, `${run.name} completed course`);
		await shot(page, run, '6-complete');
		await page.goto(BASE + '/my');
		const card = page.locator(`li.card:has(a[href="/courses/${run.course}"])`);
		check(`${run.name}: My learning says 100%`, percent(await card.locator('p.progress').innerText()) === 100);
		await page.goto(BASE + '/courses');
		const cat = page.locator(`li.card:has(a[href="/courses/${run.course}"])`);
		check(`${run.name}: the catalogue says 100%`, percent(await cat.locator('p.progress').innerText()) === 100);
		await fits(page, run, 'catalogue');
		await shot(page, run, '7-catalogue');

		// Reading offline: one HTML file with no script.
		const off = await page.request.get(BASE + `/courses/${run.course}/offline.html`);
		const html = await off.text();
		check(`${run.name}: the offline file downloads`, off.status() === 200 &&
			(off.headers()['content-disposition'] || '').includes('attachment'), String(off.status()));
		check(`${run.name}: the offline file has no script`, !/<script/i.test(html) && html.includes('<style>'));
		check(`${run.name}: no JavaScript was loaded by any page`, scripts.length === 0, scripts.join(' '));
	} catch (e) {
		check(`${run.name}: journey ran to the end`, false, e.stack || String(e));
		await shot(page, run, 'error').catch(() => {});
	}
	await context.close();
}

async function main() {
	const browser = await launch();
	for (const run of RUNS) await journey(browser, run);
	await browser.close();
	done();
}

main();
