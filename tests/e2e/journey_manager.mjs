// The manager's journey in a real browser, on a 360 px phone and a desktop, in English and Khmer: logging in
// lands on the dashboard; a course is assigned with a due date to an org unit found by the server-side
// search (no script needed); the dashboard counts those people, with n beside each rate, and a figure
// opens the people behind it. axe-core checks each
// page; screenshots go to tests/e2e/out/manager-*.png.
import { BASE, axeCheck, check, done, launch, login, newPage, shot } from './lib.mjs';
const COURSE = 'cyber-awareness';
const VIEWPORTS = { phone: { width: 360, height: 740 }, desktop: { width: 1280, height: 900 } };
// The search text for Sla Kram commune (171001), in each language.
const FIND = { en: 'sla kram', km: 'ស្លក្រាម' };

function day(offset) {
	return new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
}

async function journey(browser, vp, lang) {
	const tag = `${vp}-${lang}`;
	const page = await newPage(browser, { viewport: VIEWPORTS[vp] });
	const context = page.context();
	try {
		// Logging in lands on the dashboard.
		await login(page, 'manager', 'demo-Kampot-3', '**/reports**');
		check(`${tag}: login lands on the dashboard`, new URL(page.url()).pathname === '/reports', page.url());
		await Promise.all([page.waitForURL('**/reports**'), page.click(`form.langs button[value=${lang}]`)]);
		check(`${tag}: the page is in ${lang}`, (await page.getAttribute('html', 'lang')) === lang);
		await axeCheck(page, `the dashboard (${tag})`);
		await shot(page, `manager-1-dashboard-${tag}`);

		// Assign the course with a due date, the unit found by search.
		await page.goto(BASE + `/courses/${COURSE}/assign`);
		await page.fill('#f-find', FIND[lang]);
		await Promise.all([page.waitForURL('**find=**'), page.press('#f-find', 'Enter')]);
		const choice = page.locator('#org-choices input[type=radio][value="171001"]');
		check(`${tag}: the search offers the unit`, (await choice.count()) === 1);
		await choice.check();
		const due = day(30);
		await page.fill('#f-due', due);
		await axeCheck(page, `the assignment form (${tag})`);
		await shot(page, `manager-2-assign-${tag}`);
		await Promise.all([page.waitForLoadState(), page.click('form[method=post] button[type=submit]')]);
		const done = await page.locator('.notice.ok').innerText().catch(() => '');
		// The due day as the page says it: "6 January 2027", or in Khmer words and digits.
		const [y, m, d] = due.split('-').map(Number);
		const inWords = lang === 'en'
			? done.includes(`${d} ${new Date(Date.UTC(y, m - 1, d)).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })} ${y}`)
			: /ថ្ងៃទី[០-៩]+ ខែ\S+ ឆ្នាំ[០-៩]{4}/.test(done);
		check(`${tag}: assigned with the due date`, done.includes('171001') && inWords, done);
		await shot(page, `manager-3-assigned-${tag}`);

		// Back on the dashboard: the assignment's people are counted, each rate with its n, and the
		// follow-up section has the overdue count.
		await page.goto(BASE + '/reports');
		check(`${tag}: the overdue count is shown`, (await page.locator('#overdue-count').count()) === 1);
		const n = await page.locator('#summary td[data-k=completion_rate] span.n').count();
		check(`${tag}: rates show their n`, n > 0);
		await shot(page, `manager-4-dashboard-${tag}`);

		// A figure opens the people behind it, with a CSV of the same list.
		const link = page.locator('#summary td[data-k=enrolled][data-sex=all] a').first();
		const want = latin((await link.innerText()).trim());
		await Promise.all([page.waitForURL('**/reports/people**'), link.click()]);
		const count = latin((await page.innerText('#people-count')).trim());
		check(`${tag}: the figure's people are listed`, want > 0 && count >= want, `${count} for ${want}`);
		check(`${tag}: the list has rows`, (await page.locator('#people tbody tr').count()) === Math.min(count, 500));
		check(`${tag}: a CSV of the list is offered`, (await page.locator('a[href^="/reports/people.csv?"]').count()) === 1);
		await axeCheck(page, `the people behind a figure (${tag})`);
		await shot(page, `manager-5-people-${tag}`);
	} catch (e) {
		check(`${tag}: manager journey ran to the end`, false, e.stack || String(e));
		await shot(page, `manager-error-${tag}`, false).catch(() => {});
	}
	await context.close();
}

// A number as a Khmer page writes it (Khmer digits) or an English one.
function latin(s) {
	return Number(s.replace(/[០-៩]/g, (d) => String(d.charCodeAt(0) - 0x17e0)));
}

async function main() {
	const browser = await launch();
	for (const vp of Object.keys(VIEWPORTS))
		for (const lang of ['en', 'km']) await journey(browser, vp, lang);
	await browser.close();
	done();
}

main();
