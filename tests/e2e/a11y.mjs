// Accessibility beyond the learner's journey (issue 21), in Debian's Chromium:
// axe-core (WCAG 2.0/2.1 A and AA and best practice) with zero violations on the
// pages of every role and of anonymous visitors, in Khmer and English, at 360x740
// and 1280x800; the focus ring's contrast computed against what is behind it;
// text-only 200% at 360 px without horizontal scrolling and with the menu
// collapsed; wide tables that scroll from the keyboard; form errors that take the
// focus and are tied to their fields; the quiz's unanswered-question step,
// reached by keyboard only; language of parts; the language kept per device.
// Last line: "N passed, N failed".
import { BASE, axeViolations, check, done, launch, login, shot } from './lib.mjs';

const EN_COURSE = 'data-protection'; // English only: its parts are marked lang="en" on Khmer pages
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

// A page in lang: ?lang= picks the page's language without changing the device's choice.
function url(p, lang) {
	return BASE + p + (p.includes('?') ? '&' : '?') + 'lang=' + lang;
}

// Text-only zoom: the browser's default font size (what 1rem is), as a reader's setting would change it.
async function textSize(page, px) {
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Page.setFontSizes', { fontSizes: { standard: px, fixed: Math.round(px * 13 / 16) } });
	await cdp.detach();
}

// WCAG relative luminance and contrast of two "rgb(a)(...)" colours.
const CONTRAST_FN = `(() => {
	const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
		return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	const parse = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
	window.__contrast = (a, b) => { const la = lum(parse(a).slice(0, 3)), lb = lum(parse(b).slice(0, 3));
		return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05); };
	// The colour behind an element's outline: the first ancestor (the outline is drawn outside the box) with an opaque background.
	window.__behind = (el) => { for (let e = el.parentElement; e; e = e.parentElement) {
		const c = getComputedStyle(e).backgroundColor; const p = parse(c);
		if (p.length === 3 || (p.length === 4 && p[3] > 0.5)) return c; }
		return 'rgb(255, 255, 255)'; };
})()`;

// Every focusable element of the page, focused in turn: outline style, width and contrast against what is behind it.
async function focusRing(page) {
	await page.evaluate(CONTRAST_FN);
	return page.evaluate(() => {
		const bad = [];
		const els = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]')]
			.filter((e) => e.getClientRects().length > 0);
		let n = 0, min = 99;
		for (const e of els) {
			e.focus();
			if (document.activeElement !== e) continue;
			const s = getComputedStyle(e);
			// eslint-disable-next-line no-undef
			const ratio = __contrast(s.outlineColor, __behind(e));
			n++;
			min = Math.min(min, ratio);
			if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2 || ratio < 3)
				bad.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''} "${(e.textContent || e.name || '').trim().slice(0, 20)}" ` +
					`${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} on ${__behind(e)} = ${ratio.toFixed(2)}`);
		}
		return { n, min, bad };
	});
}

// Presses Tab (at most limit times) until the focused element matches selector; true when it did.
async function tabTo(page, selector, limit = 150) {
	for (let i = 0; i < limit; i++) {
		await page.keyboard.press('Tab');
		if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return true;
	}
	return false;
}

async function firstHref(page, selector) {
	const l = page.locator(selector).first();
	return (await l.count()) ? l.getAttribute('href') : null;
}

// The pages to audit for each role (null: anonymous), found by following the site's own links.
async function pagesOf(page, role) {
	if (!role) return ['/login', '/verify', '/verify?code=', '/verify?code=WRONG-CODE'];
	if (role === 'learner') {
		const list = ['/my', '/courses', '/courses?q=data', '/certificates', '/profile', '/profile/password',
			`/courses/${EN_COURSE}`, '/courses/cyber-awareness'];
		await page.goto(BASE + '/courses/cyber-awareness');
		const lesson = await firstHref(page, 'ol.outline a[href*="/lessons/"]');
		const quiz = await firstHref(page, 'ol.outline a[href*="/quizzes/"]');
		if (lesson) list.push(lesson);
		if (quiz) list.push(quiz);
		await page.goto(BASE + '/my');
		const certs = await page.$$eval('a[href^="/certificates/"]', (as) => as.map((a) => a.getAttribute('href')));
		const cert = certs.find((h) => /^\/certificates\/[A-Z0-9-]+$/.test(h)); // the page, not its PDF or PNG
		if (cert) list.push(cert);
		return list;
	}
	if (role === 'manager') {
		const list = ['/reports', '/reports?by=course'];
		await page.goto(BASE + '/reports');
		const drill = await firstHref(page, 'table#units a[href^="/reports"]');
		if (drill) list.push(drill);
		return list;
	}
	if (role === 'trainer') {
		const list = ['/manage/courses'];
		await page.goto(BASE + '/manage/courses');
		const items = await firstHref(page, 'a[href$="/items"]');
		if (items) list.push(items);
		return list;
	}
	const list = ['/admin/users', '/admin/users/new', '/admin/orgs', '/admin/orgs/import', '/admin/settings',
		'/admin/certificates', '/reports', '/manage/courses'];
	await page.goto(BASE + '/admin/certificates');
	const cert = await firstHref(page, 'a[href^="/admin/certificates/SALA"]');
	if (cert) list.push(cert);
	await page.goto(BASE + '/admin/users');
	const user = await firstHref(page, 'a[href^="/admin/users/"]:not([href$="/new"])');
	if (user) list.push(user);
	return list;
}

async function auditRole(browser, role) {
	const worst = [];
	let audited = 0;
	for (const viewport of [PHONE, DESKTOP]) {
		const context = await browser.newContext({ viewport, bypassCSP: true, locale: 'en-US' });
		const page = await context.newPage();
		page.setDefaultTimeout(20000);
		if (role) await login(page, role);
		const paths = await pagesOf(page, role);
		for (const lang of ['km', 'en']) {
			for (const p of paths) {
				await page.goto(url(p, lang));
				const v = await axeViolations(page);
				audited++;
				if (v.length) worst.push(`${p} ${lang} ${viewport.width}: ${JSON.stringify(v)}`);
			}
		}
		// The form errors' page (the org unit form sent empty) is audited too.
		if (role === 'admin') {
			for (const lang of ['km', 'en']) {
				await page.goto(url('/admin/orgs', lang));
				await page.fill('#f-code', ' ');
				await page.fill('#f-name_en', ' ');
				await Promise.all([page.waitForLoadState(), page.click('form[action="/admin/orgs"] button[type=submit]')]);
				const v = await axeViolations(page);
				audited++;
				if (v.length) worst.push(`org form errors ${lang} ${viewport.width}: ${JSON.stringify(v)}`);
			}
		}
		await context.close();
	}
	check(`axe: 0 violations on ${audited} audits of ${role || 'anonymous'} pages (km, en; 360 and 1280 px)`,
		worst.length === 0 && audited > 0, worst.join('\n     '));
}

async function main() {
	const browser = await launch();
	const run = async (name, fn) => {
		try {
			await fn();
		} catch (e) {
			check(name + ' ran to the end', false, e.stack || String(e));
		}
	};

	// 1. axe on every role's pages, both languages, both viewports.
	for (const role of [null, 'learner', 'trainer', 'manager', 'admin'])
		await run('axe ' + (role || 'anonymous'), () => auditRole(browser, role));

	// 2. The focus ring: at least 3:1 against what is behind it, on every focusable element (menu open).
	await run('focus ring', async () => {
		for (const [role, p] of [[null, '/login'], ['learner', '/courses'], ['manager', '/reports'], ['admin', '/admin/orgs']]) {
			for (const viewport of [PHONE, DESKTOP]) {
				const context = await browser.newContext({ viewport, bypassCSP: true });
				const page = await context.newPage();
				if (role) await login(page, role);
				await page.goto(url(p, 'km'));
				await page.evaluate(() => document.querySelectorAll('details.menu').forEach((d) => { d.open = true; }));
				const r = await focusRing(page);
				check(`focus ring >= 3:1 on ${r.n} elements of ${p} at ${viewport.width} px (lowest ${r.min.toFixed(2)})`,
					r.n > 5 && r.bad.length === 0, r.bad.join('; '));
				await context.close();
			}
		}
	});

	// 3. Text-only 200% on a 360 px phone, in Khmer: nothing sticks out, the menu starts closed, charts' text grows.
	await run('reflow', async () => {
		for (const [role, paths] of [['learner', ['/courses', '/my', `/courses/${EN_COURSE}`]],
			['manager', ['/reports', '/reports?by=course']], ['admin', ['/admin/orgs', '/admin/users']]]) {
			const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
			const page = await context.newPage();
			await login(page, role);
			await page.goto(url(paths[0], 'km'));
			const base = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
			await textSize(page, 32);
			for (const p of paths) {
				await page.goto(url(p, 'km'));
				const m = await page.evaluate(() => {
					const main = document.querySelector('main');
					const wide = [...document.querySelectorAll('body *')].filter((e) => {
						const r = e.getBoundingClientRect();
						return r.right > document.documentElement.clientWidth + 1 && !e.closest('.table-scroll') &&
							getComputedStyle(e).visibility !== 'hidden' && r.width > 0;
					}).slice(0, 3).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
					return {
						font: parseFloat(getComputedStyle(document.documentElement).fontSize),
						width: document.documentElement.scrollWidth,
						mainTop: main.getBoundingClientRect().top,
						menuOpen: !!document.querySelector('details.menu[open]'),
						wide,
					};
				});
				check(`200% text (${m.font} px, default ${base}) at 360 px: ${p} does not scroll sideways`,
					m.font >= 2 * base - 0.5 && m.width <= 360, `scrollWidth ${m.width}; ${m.wide.join(', ')}`);
				check(`200% text: ${p} starts on the first screen (menu closed)`, !m.menuOpen && m.mainTop < PHONE.height / 2,
					'main at ' + m.mainTop);
				if (p.startsWith('/reports')) {
					const f = await page.evaluate(() => {
						const l = document.querySelector('.chart-label');
						return l ? parseFloat(getComputedStyle(l).fontSize) : 0;
					});
					check(`chart labels grow with the text (${f} px at 200%)`, f >= 2 * base - 0.5);
				}
			}
			// The menu opens without JavaScript (a <details>) and lists the pages.
			await page.goto(url(paths[0], 'km'));
			await page.click('details.menu > summary');
			check('the menu opens from its button', await page.locator('details.menu nav a[href="/my"]').isVisible());
			await shot(page, `a11y-200-${role}`);
			await context.close();
		}
	});

	// 4. Wide tables: every scrolling container is focusable and named; a keyboard-only manager scrolls one.
	await run('tables', async () => {
		const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
		const page = await context.newPage();
		await login(page, 'manager');
		for (const p of ['/reports', '/reports?by=course']) {
			await page.goto(url(p, 'km'));
			const c = await page.evaluate(() => [...document.querySelectorAll('.table-scroll')].map((e) => ({
				tab: e.getAttribute('tabindex'), name: e.getAttribute('aria-label') || '', role: e.getAttribute('role'),
				scrolls: e.scrollWidth > e.clientWidth })));
			check(`${p}: ${c.length} table containers are focusable and named`,
				c.length >= 1 && c.every((x) => x.tab === '0' && x.name.length > 0 && x.role === 'region'), JSON.stringify(c));
		}
		await page.goto(url('/reports', 'km'));
		const reached = await tabTo(page, '.table-scroll');
		const scrolled = reached && await page.evaluate(() => document.activeElement.scrollWidth > document.activeElement.clientWidth);
		let left = 0;
		if (scrolled) {
			for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
			await page.waitForTimeout(600); // the arrow keys scroll smoothly
			left = await page.evaluate(() => document.activeElement.scrollLeft);
		}
		check('a manager reaches a wide table with Tab and scrolls it with the arrow keys', reached && (!scrolled || left > 0),
			`reached ${reached}, scrolls ${scrolled}, scrollLeft ${left}`);
		await context.close();
		const t = await browser.newContext({ viewport: PHONE, bypassCSP: true });
		const tp = await t.newPage();
		await login(tp, 'trainer');
		await tp.goto(url('/manage/courses', 'km'));
		const ok = await tp.evaluate(() => [...document.querySelectorAll('.table-scroll')].every((e) => e.tabIndex === 0 && e.getAttribute('aria-label')));
		check('/manage/courses: table containers are focusable and named', ok);
		await t.close();
	});

	// 5. Form errors: focus moves to the first field in error, which is invalid and described by its message.
	await run('form errors', async () => {
		const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
		const page = await context.newPage();
		await login(page, 'admin');
		const described = () => {
			const a = document.activeElement;
			const d = document.getElementById(a.getAttribute('aria-describedby') || '-');
			return { id: a.id, invalid: a.getAttribute('aria-invalid'), text: d ? d.textContent : '', lang: document.documentElement.lang };
		};
		await page.goto(url('/admin/orgs', 'km'));
		await page.fill('#f-name_km', 'ឃុំតេស្ត');
		await page.fill('#f-code', ' ');
		await page.fill('#f-name_en', ' ');
		await Promise.all([page.waitForLoadState(), page.click('form[action="/admin/orgs"] button[type=submit]')]);
		let f = await page.waitForFunction(() => document.activeElement && document.activeElement.id !== '', null, { timeout: 3000 }).catch(() => {}).then(() => page.evaluate(described));
		check('org unit form: focus on the first error, aria-invalid, Khmer description', f.id === 'f-code' &&
			f.invalid === 'true' && /[\u1780-\u17FF]/.test(f.text), JSON.stringify(f));
		check('org unit form: what was typed is kept', (await page.inputValue('#f-name_km')) === 'ឃុំតេស្ត');
		await page.goto(url('/admin/certificates', 'en'));
		const cert = await firstHref(page, 'a[href^="/admin/certificates/SALA"]');
		if (cert) {
			await page.goto(url(cert, 'en'));
			await page.fill('#f-reason', '   ');
			await Promise.all([page.waitForLoadState(), page.click('form[action$="/revoke"] button[type=submit]')]);
			f = await page.waitForFunction(() => document.activeElement && document.activeElement.id !== '', null, { timeout: 3000 }).catch(() => {}).then(() => page.evaluate(described));
			check('revoke form: focus on the reason, aria-invalid, described', f.id === 'f-reason' && f.invalid === 'true' &&
				f.text.length > 10, JSON.stringify(f));
		} else {
			check('revoke form: a certificate to revoke exists (the journey issues one)', false);
		}
		await page.goto(url('/verify?code=', 'km'));
		f = await page.waitForFunction(() => document.activeElement && document.activeElement.id !== '', null, { timeout: 3000 }).catch(() => {}).then(() => page.evaluate(described));
		check('/verify with an empty code: focus on the field, with a Khmer message', f.id === 'f-code' &&
			f.invalid === 'true' && /[\u1780-\u17FF]/.test(f.text), JSON.stringify(f));
		await context.close();
	});

	// 6. The quiz, keyboard only: submitting with questions unanswered lists them before anything is graded.
	// 7. Language of parts: the English course's title, questions and answers are marked on the Khmer page.
	await run('quiz', async () => {
		const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
		const page = await context.newPage();
		await login(page, 'learner');
		await page.goto(url(`/courses/${EN_COURSE}`, 'km'));
		const h1 = await page.getAttribute('main h1', 'lang');
		check('Khmer page: the English course title has lang="en"', h1 === 'en', String(h1));
		const enrol = page.locator(`form[action="/courses/${EN_COURSE}/enrol"] button`);
		if (await enrol.count()) await Promise.all([page.waitForLoadState(), enrol.click()]);
		const quiz = await firstHref(page, 'ol.outline a[href*="/quizzes/"]');
		await page.goto(url(quiz, 'km'));
		check('keyboard: Tab reaches the start button', await tabTo(page, 'main form button[type=submit], main a.button[href^="/attempts/"]'));
		await Promise.all([page.waitForURL('**/attempts/*'), page.keyboard.press('Enter')]);
		await page.waitForSelector('fieldset');
		const parts = await page.evaluate(() => ({
			q: document.querySelector('#q0-text').getAttribute('lang'),
			opts: [...document.querySelectorAll('fieldset label')].filter((l) => l.querySelector('input')).map((l) => l.getAttribute('lang')),
			legend: document.querySelector('legend').closest('[lang]').getAttribute('lang'),
		}));
		check('Khmer page: English questions and answers have lang="en", the interface stays Khmer',
			parts.q === 'en' && parts.opts.length > 0 && parts.opts.every((l) => l === 'en') && parts.legend === 'km', JSON.stringify(parts));
		const n = await page.locator('fieldset').count();
		// Answer the first question only, by keyboard: Tab to its first choice, Space to pick it.
		check('keyboard: Tab reaches the first answer', await tabTo(page, 'fieldset#q0 input, fieldset#q0 select, fieldset#q0 textarea'));
		// The layout is shuffled per attempt: q0 may be a choice (Space picks it), a drop-down (the arrow key
		// picks the next option) or a text answer (typed).
		const kind = await page.evaluate(() => document.activeElement && document.activeElement.type);
		if (kind === 'radio' || kind === 'checkbox') await page.keyboard.press('Space');
		else if (kind && kind.startsWith('select')) await page.keyboard.press('ArrowDown');
		else await page.keyboard.type('1');
		check('keyboard: Tab reaches the submit button', await tabTo(page, 'main form button[type=submit]:not([formaction])'));
		await Promise.all([page.waitForURL('**/submit'), page.keyboard.press('Enter')]);
		await page.waitForLoadState();
		const warn = await page.evaluate(() => ({
			listed: document.querySelectorAll('#unanswered li a').length,
			marked: document.querySelectorAll('fieldset.unanswered').length,
			role: document.querySelector('#unanswered') && document.querySelector('#unanswered').getAttribute('role'),
			graded: !!document.querySelector('.status.right, .status.wrong'),
			kept: document.querySelector('fieldset#q0 input:checked') !== null ||
				[...document.querySelectorAll('fieldset#q0 input[type=text], fieldset#q0 textarea, fieldset#q0 select')].some((e) => e.value !== ''),
		}));
		check(`unanswered questions are listed before grading (${warn.listed} of ${n})`, warn.listed === n - 1 &&
			warn.marked === n - 1 && warn.role === 'alert' && !warn.graded && warn.kept, JSON.stringify(warn));
		await shot(page, 'a11y-unanswered');
		await axeViolations(page).then((v) => check('axe: 0 violations on the unanswered-question step', v.length === 0, JSON.stringify(v)));
		// Following the list's first link moves to that question.
		await page.click('#unanswered li a');
		const hash = await page.evaluate(() => location.hash);
		check('the list links to the unanswered question', /^#q[1-9]\d*$/.test(hash), hash);
		await context.close();
	});

	// 7b. Text in the other language is marked: Khmer text on English pages sits inside lang="km".
	await run('lang km', async () => {
		for (const [role, paths] of [[null, ['/login', '/verify']], ['learner', ['/my', '/courses', '/certificates', '/profile']],
			['manager', ['/reports']], ['admin', ['/admin/users', '/admin/orgs', '/admin/certificates']]]) {
			const context = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
			const page = await context.newPage();
			if (role) await login(page, role);
			for (const p of paths) {
				await page.goto(url(p, 'en'));
				const bad = await page.evaluate(() => {
					const out = [];
					const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
					for (let t = w.nextNode(); t; t = w.nextNode()) {
						if (!/[\u1780-\u17FF]/.test(t.nodeValue)) continue;
						const l = t.parentElement.closest('[lang]');
						if (!l || !l.getAttribute('lang').startsWith('km')) out.push(t.nodeValue.trim().slice(0, 30));
					}
					for (const e of document.querySelectorAll('input[value], option')) {
						const v = e.value || '';
						if (/[\u1780-\u17FF]/.test(v) && !(e.closest('[lang]') || {}).lang?.startsWith('km')) out.push('value ' + v.slice(0, 30));
					}
					return out;
				});
				check(`English page ${p}: Khmer text is marked lang="km"`, bad.length === 0, bad.slice(0, 5).join(' | '));
			}
			await context.close();
		}
	});

	// 8. Language per device: two browsers of one learner keep different languages.
	await run('language per device', async () => {
		const a = await browser.newContext({ viewport: PHONE });
		const b = await browser.newContext({ viewport: DESKTOP });
		const pa = await a.newPage();
		const pb = await b.newPage();
		await login(pa, 'learner');
		await login(pb, 'learner');
		await pa.goto(BASE + '/my');
		await Promise.all([pa.waitForURL('**'), pa.click('form.langs button[value=en]')]);
		await pb.goto(BASE + '/my');
		await Promise.all([pb.waitForURL('**'), pb.click('form.langs button[value=km]')]);
		await pa.goto(BASE + '/courses');
		await pb.goto(BASE + '/courses');
		const la = await pa.getAttribute('html', 'lang');
		const lb = await pb.getAttribute('html', 'lang');
		check('two devices of one learner keep their own language', la === 'en' && lb === 'km', `${la} / ${lb}`);
		await a.close();
		await b.close();
	});

	await browser.close();
	done();
}

main();
