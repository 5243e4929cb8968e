// Browser tests of the analysis pages: an analyst runs the driver analysis on the demo (its
// pinned 28 days tell the study's story) and sees first-contact resolution in the result and
// the chart; an agent is refused. Debian's chromium driven by playwright-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServq } from './support.mjs';

let servq, base, browser, signIn;

before(async () => {
  servq = await startServq({
    demo: ['--end', '2026-12-01'],
    users: [['analyst1', 'analyst'], ['agent1', 'agent', 'A001'], ['sup', 'supervisor']],
  });
  ({ base, browser, signIn } = servq);
});

after(async () => {
  await servq?.stop();
});

test('an analyst finds what drives satisfaction: FCR in the result and the chart, an XLSX of it', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, 'analyst1');
  await page.click('#nav-analysis');
  await page.waitForURL(/\/analysis\/drivers/);
  // the demo's four weeks, CSAT mean (the default target), the default candidates
  await page.fill('#f-from', '2026-11-04');
  await page.fill('#f-to', '2026-12-01');
  await page.selectOption('#f-target', 'csat_mean');
  await page.click('#analyse');
  await page.waitForSelector('#result, #no-result, h1');
  assert.equal(await page.$('#no-result'), null, `${page.url()}: ${await page.textContent('main')}`);
  assert.ok(await page.$('#coefficients tr[data-name="fcr_rate"].significant'), `FCR is kept and significant: ${await page.textContent('#result')}`);
  assert.match(await page.textContent('#headline'), /首呼解决率/);
  const r2 = Number(await page.textContent('#r-squared'));
  assert.ok(r2 >= 0.4 && r2 <= 0.75, `R² ${r2}`);
  // the step log says, in Chinese, which collinear measure went and why
  assert.match(await page.textContent('#steps'), /高度相关/);
  // the charts drew: FCR among the relative weights
  await page.waitForSelector('#weights-chart canvas');
  const weights = await page.evaluate(() => window.servqDriverCharts['weights-chart'].getOption().yAxis[0].data);
  assert.ok(weights.includes('首呼解决率'), JSON.stringify(weights));
  for (const id of ['quadrant-chart', 'residuals-chart', 'correlation-chart']) {
    assert.ok(await page.$(`#${id} canvas`), id);
  }
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(widths[0] <= widths[1], `${widths[0]} px on ${widths[1]}`);
  // the export is a workbook
  const xlsx = await page.evaluate(async () => {
    const response = await fetch(document.getElementById('drivers-xlsx').href);
    return [response.status, response.headers.get('content-type')];
  });
  assert.deepEqual(xlsx, [200, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
  // a target nothing explains over a few days: a friendly answer with what to try
  await page.goto(`${base}/analysis/drivers?from=2026-11-04&to=2026-12-01&target=ces&p=transfer_rate&p=aht_seconds`);
  assert.match(await page.textContent('#no-result'), /可以试试/);
  await context.close();
});

test('an analyst uploads an Excel-made CSV of their own and sees what drives it; a bad cell is named', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, 'analyst1');
  await page.goto(`${base}/analysis/drivers`);
  // 40 days as Excel saves them: a BOM, CRLF, percentages; satisfaction follows FCR
  let csv = '\ufeff日期,csat,fcr,asa\r\n';
  for (let i = 0; i < 40; i++) {
    const fcr = 0.7 + ((i * 37) % 23) / 100;
    const asa = 10 + ((i * 13) % 17);
    const csat = 3 + 1.5 * fcr - 0.002 * asa + (((i * 7) % 5) - 2) / 100;
    csv += `2026-10-${String((i % 28) + 1).padStart(2, '0')},${csat.toFixed(3)},${(fcr * 100).toFixed(1)}%,${asa}\r\n`;
  }
  await page.click('#drivers-upload summary');
  await page.setInputFiles('#u-file', { name: '满意度.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.fill('#u-target', 'csat');
  await page.fill('#u-predictors', 'fcr，asa');
  await page.click('#upload-analyse');
  await page.waitForSelector('#result, #no-result');
  assert.ok(await page.$('#coefficients tr[data-name="fcr"].significant'), await page.textContent('main'));
  assert.equal(await page.$('#drivers-xlsx'), null, 'no export of the user\'s own file');
  // a cell that is not a number: named with its line
  await page.goto(`${base}/analysis/drivers`);
  await page.click('#drivers-upload summary');
  await page.setInputFiles('#u-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('csat,fcr\n4.5,0.8\n4.1,=HYPERLINK("x")\n') });
  await page.fill('#u-target', 'csat');
  await page.fill('#u-predictors', 'fcr');
  await page.click('#upload-analyse');
  await page.waitForSelector('#no-result');
  assert.match(await page.textContent('#no-result'), /:3: fcr: '=HYPERLINK\("x"\)' is not a number/);
  await context.close();
});

test('the vital few unsatisfied reasons and the frequency × impact matrix', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, 'analyst1');
  await page.goto(`${base}/analysis/pareto?source=review_reasons&from=2026-11-25&to=2026-12-01`);
  assert.match(await page.textContent('#vital-few'), /关键少数：.+/);
  await page.waitForSelector('#pareto-chart canvas');
  await page.waitForSelector('#matrix-chart canvas');
  assert.ok((await page.$$('#pareto-rows tr.vital')).length > 0);
  assert.ok((await page.$$('#matrix-rows tbody tr')).length > 3);
  // every source is a tab away
  await page.click('a[data-source="complaints"]');
  await page.waitForURL(/source=complaints/);
  assert.ok(await page.$('#no-cases, #vital-few'));
  await context.close();
});

test('a supervisor plans the next day for one queue and changes an interval in the what-if', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  await signIn(page, 'sup');
  await page.click('#nav-planning');
  await page.waitForURL(/\/planning\/staffing/);
  await page.fill('#f-date', '2026-12-02');
  await page.selectOption('#f-queue', 'card');
  await page.selectOption('#f-model', 'erlang_a');
  await page.click('#plan');
  await page.waitForSelector('#plan-summary');
  assert.match(await page.textContent('#patience'), /\d+ 秒/);
  await page.waitForSelector('#plan-chart canvas');
  // the interval at 10:00: fewer agents than needed lowers its predicted service level
  const row = page.locator('#plan-rows tr[data-start="10:00"]');
  const needed = Number(await row.locator('.plan-agents').inputValue());
  assert.ok(needed > 2, `needed ${needed}`);
  const before = parseFloat(await row.locator('.plan-sl').textContent());
  await row.locator('.plan-agents').fill(String(needed - 2));
  await page.click('#recalculate');
  await page.waitForFunction(() => document.getElementById('what-if-total').textContent !== '');
  const after = parseFloat(await row.locator('.plan-sl').textContent());
  assert.ok(after < before, `${after} < ${before}`);
  // the requirement downloads as a workbook; the calculator answers one interval
  const xlsx = await page.evaluate(async () => (await fetch(document.getElementById('plan-xlsx').href)).headers.get('content-type'));
  assert.equal(xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  await page.click('#calculate');
  await page.waitForFunction(() => document.getElementById('calculator-result').textContent !== '');
  assert.match(await page.textContent('#calculator-result'), /需要 \d+ 名坐席/);
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(widths[0] <= widths[1], `${widths[0]} px on ${widths[1]}`);
  // an abandon-rate target as well: the plan needs at least as many agent hours
  const hours = (text) => Number(text.match(/需要 ([\d.]+) 坐席小时/)[1]);
  const withoutTarget = hours(await page.textContent('#plan-summary'));
  await page.fill('#f-abandon', '1');
  await page.click('#plan');
  await page.waitForURL(/abandon=1/);
  assert.ok(hours(await page.textContent('#plan-summary')) >= withoutTarget);
  await context.close();
});

test('an agent may neither analyse nor plan', async () => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await signIn(page, 'agent1');
  assert.equal(await page.$('#nav-analysis'), null);
  const response = await page.goto(`${base}/analysis/drivers`);
  assert.equal(response.status(), 403);
  const api = await page.evaluate(async () => (await fetch('/api/v1/analysis/drivers?target=csat_mean')).status);
  assert.equal(api, 403);
  assert.equal((await page.goto(`${base}/planning/staffing`)).status(), 403);
  const plan = await page.evaluate(async () => (await fetch('/api/v1/planning/staffing?calls=10&aht=100&target_sl=0.8')).status);
  assert.equal(plan, 403);
  await context.close();
});
