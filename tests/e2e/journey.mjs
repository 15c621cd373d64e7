// The learner's journey in a real browser, on a 360 px phone screen, in Khmer:
// log in, switch to Khmer, find a course, read every lesson, pass the final
// quiz, see the course complete and find the certificate. axe-core checks the
// catalogue, lesson and quiz pages (no serious or critical violation).
// The right answers come from the quiz source in courses/library.
import fs from 'node:fs';
import path from 'node:path';
import { BASE, SRC, answerFromSource, axeCheck, check, done, launch, login, newPage, parseQuiz, shot } from './lib.mjs';

const COURSE = 'cyber-awareness';
const QUIZ_SOURCE = path.join(SRC, 'courses/library/cyber-awareness.km/quizzes/final.md');

async function main() {
	const browser = await launch();
	const page = await newPage(browser);
	const scripts = [];
	page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(r.url()); });
	try {
		// Log in.
		await login(page, 'learner');
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
		await axeCheck(page, 'the catalogue', true);
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
				await axeCheck(page, 'a lesson page', true);
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
		await axeCheck(page, 'the quiz page', true);
		const source = parseQuiz(fs.readFileSync(QUIZ_SOURCE, 'utf8'));
		const [answered, questions] = await answerFromSource(page, source);
		check('knows every question from the source', answered === questions, `${answered} of ${questions}`);
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
	done();
}

main();
