// The learner's journey to its end, in a real browser, on a 360 px phone and a desktop screen, in Khmer and
// in English (one course each): who is logged in, the course page, a pre-test with no pass mark, "Continue"
// on My learning straight to the lesson, one "Next" per lesson, the final quiz passed with the course said
// complete and the certificate linked, 100 % everywhere, no "Continue" on a completed course, and the
// course downloaded for reading offline (no script). axe-core checks each page kind (no serious or
// critical violation); screenshots go to tests/e2e/out/learner-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BASE = process.env.SALA_URL;
const SRC = process.env.SALA_SRC;
const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), 'out');

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

// Quiz source (Markdown quiz format) -> [{key, options:[{text,right}], answers:[], pairs:[[l,r]]}].
function parseQuiz(text) {
	const body = text.replace(/^---\n[\s\S]*?\n---\n/, '');
	const out = [];
	let q = null;
	for (const line of body.split('\n')) {
		if (line.startsWith('## ')) {
			q = { key: norm(line.slice(3)), options: [], answers: [], pairs: [] };
			out.push(q);
			continue;
		}
		if (!q) continue;
		let m;
		if ((m = line.match(/^- \[([ xX])\] (.*)$/))) q.options.push({ text: m[2], right: m[1] !== ' ' });
		else if ((m = line.match(/^= (.*)$/))) q.answers.push(m[1].trim());
		else if ((m = line.match(/^- (.*?) -> (.*)$/))) q.pairs.push([m[1].trim(), m[2].trim()]);
	}
	return out;
}

function norm(s) {
	return s.replace(/[\s*_`\\]/g, '');
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

async function fits(page, run, name) {
	const w = await page.evaluate(() => document.documentElement.scrollWidth);
	check(`${run.name}: ${name} fits ${run.width} px`, w <= run.width, 'scrollWidth ' + w);
}

async function shot(page, run, name) {
	await page.screenshot({ path: path.join(OUT, `learner-${run.name}-${name}.png`), fullPage: true });
}

// The percentage of "N of M done (P%)", with Khmer or Latin digits.
function percent(text) {
	const digits = text.replace(/[០-៩]/g, (d) => String('០១២៣៤៥៦៧៨៩'.indexOf(d)));
	const m = digits.match(/\((\d+)%\)/);
	return m ? Number(m[1]) : -1;
}

async function answerFromSource(page, source) {
	const sets = await page.$$('fieldset');
	let answered = 0;
	for (let k = 0; k < sets.length; k++) {
		const text = norm(await page.innerText(`#q${k}-text`));
		const q = source.find((s) => s.key === text);
		if (!q) continue;
		answered++;
		for (let o = 0; o < q.options.length; o++) {
			if (!q.options[o].right) continue;
			const input = page.locator(`input[name="q${k}"][value="${o}"], input[name="q${k}_${o}"]`);
			if (await input.count()) await input.check();
		}
		if (q.answers.length && (await page.locator(`#f-q${k}`).count())) await page.fill(`#f-q${k}`, q.answers[0]);
		for (let p = 0; p < q.pairs.length; p++) {
			const sel = page.locator(`select[name="q${k}_${p}"]`);
			if (await sel.count()) await sel.selectOption({ label: q.pairs[p][1] });
		}
	}
	return [answered, sets.length];
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
	const context = await browser.newContext({ viewport: { width: run.width, height: run.height }, bypassCSP: true,
		locale: run.lang === 'km' ? 'km-KH' : 'en-US', javaScriptEnabled: true, acceptDownloads: true });
	const page = await context.newPage();
	page.setDefaultTimeout(20000);
	const scripts = [];
	page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(r.url()); });
	try {
		await page.goto(BASE + '/login');
		await page.fill('#f-username', 'learner');
		await page.fill('#f-password', 'demo-Mekong-4');
		await Promise.all([page.waitForLoadState(), page.press('#f-password', 'Enter')]);
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
	fs.mkdirSync(OUT, { recursive: true });
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	for (const run of RUNS) await journey(browser, run);
	await browser.close();
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed ? 1 : 0);
}

main();
