// Browser tests of the front desk on a phone (390 px, touch, zh-CN): a desk clerk lends an
// umbrella against a 50-yuan deposit and takes it back damaged (30 yuan withheld with the
// reason, the receipt printed to PDF, the day's summary and reconciliation in the CLI agree);
// a found wallet is registered with its hidden features and photo, a claim that names none of
// them is refused, the owner's claim with ID digits and a signature drawn on the screen is
// handed over and its receipt carries the signature. Desk staff see nothing but the desk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, day, password, startServq } from './support.mjs';

let servq, run, base, browser;

before(async () => {
  servq = await startServq({
    demo: ['--days', '2', '--daily-contacts', '50', '--agents', '2'],
    users: [['desk1', 'desk_staff'], ['sup', 'supervisor']],
  });
  ({ run, base, browser } = servq);
});

after(async () => {
  await servq?.stop();
});

/// A desk clerk's phone, signed in: the desk is their home page.
async function deskPhone() {
  const context = await browser.newContext({
    locale: 'zh-CN', viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2,
  });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#username', 'desk1');
  await page.fill('#password', password);
  await page.click('#sign-in');
  await page.waitForURL(`${base}/ledgers`);
  return { context, page };
}

/// Nothing wider than the phone's screen.
async function fitsThePhone(page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${page.url()} is ${width} px wide`);
}

test('desk staff see the desk and nothing else', async () => {
  const { context, page } = await deskPhone();
  assert.equal(await page.textContent('h1'), '服务台台账');
  const nav = await page.$$eval('header nav a', (links) => links.map((a) => a.getAttribute('href')));
  assert.deepEqual(nav, ['/ledgers']);
  assert.equal(await page.$('#search-q'), null, 'no search of contacts and customers');
  assert.equal(await page.$('#bell'), null);
  await page.goto(`${base}/`);
  assert.equal(page.url(), `${base}/ledgers`);
  for (const path of ['/tickets', '/qa', '/import', '/api/v1/kpi?from=2026-01-01&to=2026-01-02']) {
    const status = await page.evaluate(async (url) => (await fetch(url)).status, path);
    assert.equal(status, 403, path);
  }
  await fitsThePhone(page);
  await context.close();
});

test('an umbrella lent for a 50-yuan deposit comes back damaged: 30 yuan kept, receipt printed', async () => {
  const { context, page } = await deskPhone();
  await page.tap('#desk-lending');
  await page.waitForURL(`${base}/ledgers/lending`);
  await fitsThePhone(page);
  await page.fill('#lend-item', 'U-07');
  await page.selectOption('#lend-type', 'umbrella');
  await page.fill('#lend-name', '王先生');
  await page.fill('#lend-phone', '13800138000');
  // the field takes four characters only; what is not an ID's last four is refused beside it,
  // in Chinese, and so is a deposit typed as a formula
  assert.equal(await page.inputValue('#lend-deposit'), '50.00');
  await page.fill('#lend-last4', '12-4');
  await page.fill('#lend-deposit', '=HYPERLINK(1)');
  await page.tap('#lend-submit');
  await page.waitForSelector('#lend-form .field-msg');
  assert.equal(await page.getAttribute('#lend-last4', 'aria-invalid'), 'true');
  const refused = await page.textContent('form#lend-form');
  assert.match(refused, /只填证件号后 4 位/);
  assert.match(refused, /“=HYPERLINK\(1\)”不是金额/);
  await page.screenshot({ path: join(root, 'docs', 'screenshots', 'ledger-lend-refused-390.png') });
  await page.fill('#lend-deposit', '50');
  await page.fill('#lend-last4', '123X');
  await page.tap('#lend-submit');
  await page.waitForURL(/\/ledgers\/lending\/LD\d{8}-001\/receipt$/);
  const id = page.url().match(/(LD\d{8}-001)/)[1];
  const lent = await page.textContent('#receipt');
  assert.match(lent, /借用凭条/);
  assert.match(lent, /¥50\.00 · 现金/);
  assert.match(lent, /138\*\*\*\*8000/, 'the receipt masks the phone');
  assert.doesNotMatch(lent, /13800138000/);
  await page.screenshot({ path: join(root, 'docs', 'screenshots', 'ledger-lend-receipt-390.png'), fullPage: true });

  // the lent umbrella is on the list of open loans
  await page.goto(`${base}/ledgers/lending`);
  assert.match(await page.textContent('#open-entries'), /雨伞 U-07/);
  await page.tap(`#open-entries a[href="/ledgers/lending/${id}"]`);
  await page.waitForURL(`${base}/ledgers/lending/${id}`);
  await fitsThePhone(page);
  await page.tap('#condition-damaged');
  await page.fill('#return-refund', '20');
  await page.tap('#return-submit');
  // 30 yuan kept needs a reason
  await page.waitForSelector('.field-msg');
  assert.match(await page.textContent('#return-form'), /扣留 30\.00 元，请写明原因/);
  await page.fill('#return-reason', '伞骨折断，按成本扣 30 元');
  await page.tap('#return-submit');
  await page.waitForURL(`${base}/ledgers/lending/${id}/receipt`);
  const back = await page.textContent('#receipt');
  assert.match(back, /归还凭条/);
  assert.match(back, /退还押金\s*¥20\.00/);
  assert.match(back, /扣留押金\s*¥30\.00/);
  assert.match(back, /伞骨折断/);
  // printed: the receipt as PDF (the browser's print), no navigation in it
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('#print-receipt'), false);
  const pdf = await page.pdf({ format: 'A5', printBackground: true });
  writeFileSync(join(servq.dir, `${id}.pdf`), pdf);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  assert.ok(pdf.length > 5000, `the PDF has ${pdf.length} bytes`);
  await page.emulateMedia({ media: 'screen' });
  await page.screenshot({ path: join(root, 'docs', 'screenshots', 'ledger-return-receipt-390.png'), fullPage: true });

  // the books agree: the day's summary and the deposit reconciliation
  const summary = JSON.parse(run(['ledger', 'summary', '--from', day(0), '--to', day(0), '--format', 'json']));
  assert.deepEqual(summary.ledgers.lending, { entries: 1, by_type: { umbrella: 1 }, by_status: { damaged: 1 } });
  assert.deepEqual(summary.deposits, { taken_yuan: 50, refunded_yuan: 20, withheld_yuan: 30 });
  const books = JSON.parse(run(['ledger', 'reconcile', '--format', 'json']));
  assert.equal(books.balanced, true);
  assert.equal(books.held_yuan, 0);
  // and the desk's day shows it
  await page.goto(`${base}/ledgers`);
  assert.match(await page.textContent('#day-deposits'), /¥50\.00[\s\S]*¥20\.00[\s\S]*¥30\.00/);
  await page.screenshot({ path: join(root, 'docs', 'screenshots', 'ledgers-390.png'), fullPage: true });
  await context.close();
});

test('a found wallet is handed over only to the owner, who signs on the screen', async () => {
  const { context, page } = await deskPhone();
  // the owner came by first and reported the wallet lost
  await page.tap('#desk-lost-reports');
  await page.waitForURL(`${base}/ledgers/lost-reports`);
  await page.selectOption('#report-category', 'wallet');
  await page.fill('#report-colour', '黑色');
  await page.fill('#report-description', '男士钱包，黑色皮的');
  await page.fill('#report-place', '三楼美食广场');
  await page.fill('#report-name', '钱先生');
  await page.fill('#report-phone', '13900139000');
  await page.tap('#report-submit');
  await page.waitForURL(/\/ledgers\/lost-reports\/LR\d{8}-001$/);
  const report = page.url().match(/(LR\d{8}-001)/)[1];
  await page.goto(`${base}/ledgers/lost-found`);
  await fitsThePhone(page);
  await page.selectOption('#found-category', 'wallet');
  await page.fill('#found-colour', '黑色');
  await page.fill('#found-description', '黑色男士钱包');
  await page.fill('#found-features', '夹层里有一张全家福照片\n拉链坏了');
  await page.fill('#found-place', '美食广场 3 号桌');
  await page.fill('#found-storage', '服务台柜 A-3');
  await page.fill('#found-finder', '保洁 张阿姨');
  // a photo from the phone's camera (a small PNG here), kept as a JPEG
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAGElEQVR4nGNkYPjPQApgIkn1qIZRDcNKAwA3KgEfVMQuAQAAAABJRU5ErkJggg==', 'base64');
  await page.setInputFiles('#found-photo', { name: 'wallet.png', mimeType: 'image/png', buffer: png });
  await page.tap('#found-submit');
  await page.waitForURL(/\/ledgers\/lost-found\/LF\d{8}-001$/);
  const id = page.url().match(/(LF\d{8}-001)/)[1];
  assert.equal(await page.getAttribute('#entry-status', 'data-status'), 'stored');
  // the photo is there; the hidden features are not shown, only counted
  assert.ok(await page.$eval('img.found-photo', (img) => img.complete && img.naturalWidth > 0));
  const facts = await page.textContent('#entry-facts');
  assert.doesNotMatch(facts, /全家福/);
  assert.match(facts, /已登记 2 条/);
  // the lost report is suggested, with the reporter to call
  assert.match(await page.textContent('#entry-matches'), /钱先生 · 139\*\*\*\*9000/);
  await fitsThePhone(page);

  // someone who only repeats what is on the notice board: refused
  await page.fill('#claim-name', '孙先生');
  await page.fill('#claim-last4', '4321');
  await page.fill('#claim-description', '黑色的男士钱包');
  const pad = await page.$('#claim-signature');
  const drawSignature = async () => {
    const box = await pad.boundingBox();
    await page.mouse.move(box.x + 20, box.y + box.height * 0.6);
    await page.mouse.down();
    for (let step = 1; step <= 12; step += 1) {
      await page.mouse.move(box.x + 20 + step * 22, box.y + box.height * (0.6 - 0.3 * Math.sin(step / 2)));
    }
    await page.mouse.up();
  };
  await drawSignature();
  await page.tap('#claim-submit');
  await page.waitForSelector('.field-msg');
  assert.match(await page.textContent('#claim-form'), /描述与登记的隐藏特征都不符：不要交付/);
  assert.equal(await page.getAttribute('#entry-status', 'data-status'), 'stored');

  // the owner names the family photo, shows the ID's last digits and signs
  await page.fill('#claim-name', '钱先生');
  await page.fill('#claim-phone', '13900139000');
  await page.fill('#claim-last4', '001x');
  await page.fill('#claim-description', '黑色钱包，夹层有张全家福');
  await page.tap('[data-action="signature-clear"]');
  await drawSignature();
  await page.screenshot({ path: join(root, 'docs', 'screenshots', 'ledger-claim-390.png'), fullPage: true });
  await page.tap('#claim-submit');
  await page.waitForURL(`${base}/ledgers/lost_found/${id}/receipt`);
  const receipt = await page.textContent('#receipt');
  assert.match(receipt, /失物领取凭条/);
  assert.match(receipt, /钱先生/);
  assert.match(receipt, /\*\*\*\*001X/);
  assert.match(receipt, /139\*\*\*\*9000/);
  // the signature drawn is on the receipt
  const signature = await page.$eval('#receipt-signature', (img) => ({ ok: img.complete, width: img.naturalWidth }));
  assert.deepEqual(signature, { ok: true, width: 600 });
  await page.screenshot({ path: join(root, 'docs', 'screenshots', 'ledger-claim-receipt-390.png'), fullPage: true });
  const shown = JSON.parse(run(['ledger', 'list', '--ledger', 'lost_found', '--days', '1']));
  assert.equal(shown.status, 'claimed');
  assert.equal(shown.claimant_id_last4, '001X');
  // a second hand-over of the same wallet is refused
  const again = await page.evaluate(async (entry) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch(`/api/v1/ledgers/lost-found/${entry}/claim`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
      body: JSON.stringify({ claimant_name: 'x', id_type: 'passport', id_last4: '1111', description: '全家福照片', signature: '' }) });
    return [r.status, (await r.json()).code];
  }, id);
  assert.deepEqual(again, [409, 'ledger_entry_changed']);
  // the report is closed: he got it back from this desk
  await page.goto(`${base}/ledgers/lost-reports/${report}`);
  await page.fill('#close-found', id);
  await page.tap('#close-submit');
  await page.waitForURL(`${base}/ledgers/lost_reports/${report}`);
  assert.equal(await page.getAttribute('#entry-status', 'data-status'), 'recovered');
  assert.match(await page.textContent('#entry-facts'), new RegExp(id));
  await context.close();
});

test('the desk pages read in the phone\'s width at 1366 px too', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('#username', 'sup');
  await page.fill('#password', password);
  await page.click('#sign-in');
  await page.waitForURL(`${base}/`);
  for (const [name, path] of [['ledgers', '/ledgers'], ['ledger-lending', '/ledgers/lending'], ['ledger-lost-found', '/ledgers/lost-found'], ['ledger-medicine', '/ledgers/medicine'], ['ledger-settings', '/ledgers/settings']]) {
    await page.goto(`${base}${path}`);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(root, 'docs', 'screenshots', `${name}-1366.png`) });
  }
  // the supervisor's purge preview on the settings page counts, changes nothing
  await page.goto(`${base}/ledgers/settings`);
  await page.click('#purge-preview');
  await page.waitForSelector('#purge-result-box:not([hidden])');
  assert.equal(await page.textContent('#purge-result tr[data-ledger="lending"] .days'), '365');
  await context.close();
  assert.ok(readFileSync(join(root, 'docs', 'screenshots', 'ledgers-1366.png')).length > 1000);
});
