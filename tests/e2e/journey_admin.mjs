// The administrator's journey in a real browser, on a 360 px phone and a desktop screen, in Khmer and
// English: the settings page (a label and a help line for every setting, the base_url banner), a
// certificate logo uploaded from a file, the user list in pages (after a CSV import of 150 people), and
// the audit trail filtered to the settings changes. axe-core checks each page; screenshots go to out/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { BASE, axeCheck, check, done, launch, loggedIn, shot as screenshot } from './lib.mjs';

const VIEWPORTS = { phone: { width: 360, height: 740 }, desktop: { width: 1280, height: 900 } };
const KHMER = /[\u1780-\u17ff]/;

// A PNG of one colour, w x h, made here.
function png(w, h, rgb) {
	const crcTable = [];
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		crcTable[n] = c >>> 0;
	}
	const crc = (buf) => {
		let c = 0xffffffff;
		for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
		return (c ^ 0xffffffff) >>> 0;
	};
	const chunk = (type, data) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const td = Buffer.concat([Buffer.from(type), data]);
		const c = Buffer.alloc(4);
		c.writeUInt32BE(crc(td));
		return Buffer.concat([len, td, c]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0);
	ihdr.writeUInt32BE(h, 4);
	ihdr[8] = 8;
	ihdr[9] = 2;
	const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(w).fill(rgb).flat())]);
	const raw = Buffer.concat(Array(h).fill(row));
	return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
		chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

async function login(browser, viewport, lang) {
	return loggedIn(browser, 'admin', 'demo-Angkor-1', { viewport, lang });
}

// Imports 150 people (no passwords: activation codes later) through the CSV page, once.
async function importPeople(page) {
	const rows = ['username,full_name,sex,org_code,role'];
	for (let i = 0; i < 150; i++) rows.push(`e2epage${String(i).padStart(3, '0')},Page Person ${i},${i % 2 ? 'female' : 'male'},KH,learner`);
	await page.goto(BASE + '/admin/users/import');
	await page.fill('#f-csv', rows.join('\n') + '\n');
	await Promise.all([page.waitForLoadState(), page.click('main form button[type=submit]')]);
	check('the CSV import of 150 people is accepted', (await page.locator('.notice.ok').count()) === 1);
}

async function journey(browser, kind, lang, logoFile) {
	const tag = `${kind} ${lang}`;
	const page = await login(browser, VIEWPORTS[kind], lang);
	const shot = (n) => screenshot(page, `admin-${kind}-${lang}-${n}`);
	try {
		// Navigation: the admin links are in the menu.
		for (const href of ['/admin/settings', '/admin/certificates', '/admin/item-analysis', '/admin/audit'])
			check(`${tag}: the menu links ${href}`, (await page.locator(`header nav a[href="${href}"]`).count()) === 1);

		// Settings: labels in words (never the raw key) and a help line; the base_url banner.
		await page.goto(BASE + '/admin/settings');
		const label = await page.innerText('label[for="f-package_max_entries"]');
		check(`${tag}: a setting has a label in words`, !label.includes('package_max_entries') && label.length > 5, label);
		check(`${tag}: the label is in the page's language`, KHMER.test(label) === (lang === 'km'), label);
		const help = await page.innerText('#help-package_max_entries');
		check(`${tag}: the setting has a help line`, help.length > 20, help);
		check(`${tag}: the banner says base_url is not set`, (await page.locator('#base-url-warning').count()) === 1);
		await shot('1-settings');
		await axeCheck(page, `${tag} settings`);

		// The logo, uploaded from a file, then shown on the page.
		await page.setInputFiles('#f-image-logo', logoFile);
		await Promise.all([page.waitForURL('**/admin/settings?saved=1**'),
			page.locator('form[action="/admin/settings/images/logo"] button[type=submit]').click()]);
		const img = page.locator('img.cert-image[src^="/admin/settings/images/logo"]');
		check(`${tag}: the uploaded logo is shown`, (await img.count()) === 1);
		const loaded = await img.evaluate((el) => el.complete && el.naturalWidth === 240);
		check(`${tag}: the logo image loads`, loaded);
		await page.locator('#images').scrollIntoViewIfNeeded();
		await shot('2-logo');

		// The user list in pages.
		await page.goto(BASE + '/admin/users');
		const count = await page.locator('#users-count').getAttribute('data-total');
		check(`${tag}: the user list counts more than 100`, Number(count) > 150, count);
		const first = await page.locator('main tbody tr').count();
		check(`${tag}: the first page shows 100 users`, first === 100, String(first));
		await Promise.all([page.waitForURL('**page=2**'), page.click('nav.pager a[rel=next]')]);
		const second = await page.locator('main tbody tr').count();
		check(`${tag}: the second page shows the rest`, second === Number(count) - 100, String(second));
		check(`${tag}: the second page links back`, (await page.locator('nav.pager a[rel=prev]').count()) === 1);
		await shot('3-users');
		await axeCheck(page, `${tag} user list`);

		// The audit trail, filtered to the settings changes by admin.
		await page.goto(BASE + '/admin/audit');
		await page.fill('#f-actor', 'admin');
		await page.selectOption('#f-action', 'settings');
		await Promise.all([page.waitForURL('**/admin/audit?**'), page.click('main form[role=search] button[type=submit]')]);
		const actions = await page.locator('main tbody td:nth-child(4) code').allInnerTexts();
		check(`${tag}: the filter keeps only settings changes`, actions.length > 0 && actions.every((a) => a.startsWith('settings.')),
			JSON.stringify(actions));
		check(`${tag}: the logo upload is in the trail`, actions.includes('settings.image'), JSON.stringify(actions));
		await shot('4-audit');
		await axeCheck(page, `${tag} audit trail`);
	} catch (e) {
		check(`${tag}: the admin journey ran to the end`, false, e.stack || String(e));
		await shot('error').catch(() => {});
	}
	await page.context().close();
}

async function main() {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sala-admin-e2e-'));
	const logoFile = path.join(tmp, 'logo.png');
	fs.writeFileSync(logoFile, png(240, 160, [170, 40, 40]));
	const browser = await launch();
	try {
		const setup = await login(browser, VIEWPORTS.desktop, 'en');
		await importPeople(setup);
		await setup.context().close();
		for (const kind of ['phone', 'desktop'])
			for (const lang of ['km', 'en'])
				await journey(browser, kind, lang, logoFile);
		// Setting base_url ends the banner.
		const page = await login(browser, VIEWPORTS.phone, 'en');
		await page.goto(BASE + '/admin/settings');
		await page.fill('#f-base_url', 'https://sala.example.gov.kh');
		await Promise.all([page.waitForURL('**saved=1**'), page.locator('form[action="/admin/settings"] button[type=submit]').click()]);
		check('the banner is gone once base_url is set', (await page.locator('#base-url-warning').count()) === 0);
		await page.context().close();
	} catch (e) {
		check('the admin journeys ran to the end', false, e.stack || String(e));
	}
	await browser.close();
	fs.rmSync(tmp, { recursive: true, force: true });
	done();
}

main();
