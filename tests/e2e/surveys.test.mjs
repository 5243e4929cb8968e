// Browser tests of surveys: a customer answers on a phone in traditional Chinese, the answer is
// counted for the agent's contact and opens a review task an inspector codes; a reused or an
// expired link gets a clear page. Debian's chromium driven by playwright-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { day, startServq } from './support.mjs';

let servq, run, base, browser, signIn;

function dispatchAt(offset) {
  // 20:00 in Shanghai, before the demo rule's quiet hours
  return run(['surveys', 'dispatch', '--public-url', base, '--now', `${day(offset)}T20:00:00+08:00`])
    .trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

function surveyCounts(from, to) {
  const report = JSON.parse(run(['kpi', '--from', from, '--to', to, '--metrics',
    'survey_responses,csat_unsatisfied', '--format', 'json']));
  return report.rows[0];
}

before(async () => {
  servq = await startServq({
    demo: ['--days', '7', '--daily-contacts', '300', '--agents', '6'],
    users: [['sup', 'supervisor'], ['qa1', 'qa_inspector']],
  });
  ({ run, base, browser, signIn } = servq);
  const rules = join(servq.dir, 'rules.json');
  writeFileSync(rules, JSON.stringify({ rules: [{
    rule_id: 'after-call', template_id: 'standard', channels: [], categories: [],
    delay_minutes: 10, sample_percent: 100, quiet_hours: '21:00-08:00', no_repeat_days: 30,
    expiry_hours: 72, send_via: 'sms', locale: 'zh-TW', active: true,
  }] }));
  run(['surveys', 'rules', '--set', rules]);
});

after(async () => {
  await servq?.stop();
});

test('a customer answers on a phone in zh-TW, it is counted and reviewed; a used or expired link is refused', async () => {
  const invitations = dispatchAt(-1);
  assert.ok(invitations.length > 0, 'the dispatch surveys yesterday evening\'s contacts');
  assert.deepEqual(dispatchAt(-1), [], 'a second dispatch sends nothing again');
  const invitation = invitations[0];
  assert.match(invitation.message, /^感謝您的來電，請為本次服務評分：http/);
  // the dispatch reaches back a day: the contact is from yesterday or the day before
  const before = surveyCounts(day(-2), day(-1));

  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true,
    locale: 'zh-TW',
  });
  const page = await phone.newPage();
  await page.goto(invitation.link);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');
  assert.equal(await page.textContent('h1'), '請評價本次服務');
  // fits the phone: nothing wider than the screen, touch targets of at least 44 px
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(widths[0] <= widths[1], `page ${widths[0]} px wide on a ${widths[1]} px screen`);
  const target = await page.locator('#q-csat label').first().boundingBox();
  assert.ok(target.height >= 44 && target.width >= 44, JSON.stringify(target));
  // sending without the required answer shows the reason and keeps what was given
  await page.locator('#q-nps label', { hasText: /^3$/ }).tap();
  await page.evaluate(() => document.getElementById('survey').noValidate = true);
  await page.locator('#send').tap();
  assert.match(await page.textContent('#errors'), /請選擇一個答案/);
  assert.ok(await page.isChecked('#q-nps input[value="3"]'));
  await page.locator('#q-csat label', { hasText: '不滿意' }).tap();
  await page.locator('#q-stage_greeting label', { hasText: /^4$/ }).tap();
  await page.locator('#q-stage_farewell label', { hasText: /^1$/ }).tap();
  await page.fill('#f-comment', '等了很久，問題也沒解決');
  await page.locator('#send').tap();
  await page.waitForSelector('[data-notice="thanks"]');
  assert.equal(await page.textContent('h1'), '感謝您的評價！');

  // counted for the contact's day, as an unsatisfied answer
  const after = surveyCounts(day(-2), day(-1));
  assert.equal(after.survey_responses, before.survey_responses + 1);
  assert.equal(after.csat_unsatisfied, before.csat_unsatisfied + 1);

  // the same link again: refused with a clear page
  const again = await page.goto(invitation.link);
  assert.equal(again.status(), 410);
  assert.equal(await page.getAttribute('h1', 'data-notice'), 'answered');
  assert.equal(await page.textContent('h1'), '此問卷已填寫');

  // a link sent five days ago has expired (72 hours)
  const old = dispatchAt(-5);
  assert.ok(old.length > 0);
  const expired = await page.goto(old[0].link);
  assert.equal(expired.status(), 410);
  assert.equal(await page.textContent('h1'), '此問卷連結已過期');
  await phone.close();

  // the inspector finds the review task, codes two reasons, and the weekly report counts them
  const desk = await browser.newContext({ locale: 'en-US' });
  const inspector = await desk.newPage();
  await signIn(inspector, 'qa1');
  await inspector.goto(`${base}/reviews`);
  const row = inspector.locator('tr[data-status="open"]', { hasText: invitation.contact_id });
  await row.locator('a').click();
  assert.match(await inspector.textContent('#comment'), /等了很久/);
  await inspector.check('input[value="impatient"]');
  await inspector.check('input[value="process_system"]');
  await inspector.click('#save-coding');
  await inspector.waitForURL(`${base}/reviews`);
  assert.equal(await inspector.locator('tr[data-status="coded"]', { hasText: invitation.contact_id }).count(), 1);
  await inspector.goto(`${base}/reviews/report?week=${day(-1)}`);
  const impatient = inspector.locator('#agent-pareto tr[data-reason="impatient"] td').nth(1);
  assert.ok(Number(await impatient.textContent()) >= 1);

  // and the survey report shows the period's CSAT with its interval
  await inspector.goto(`${base}/surveys?from=${day(-2)}&to=${day(-1)}&by=agent`);
  const n = Number(await inspector.getAttribute('[data-metric="responses"]', 'data-value'));
  assert.equal(n, after.survey_responses);
  assert.match(await inspector.textContent('[data-metric="csat"] div.value'), /^\d+\.\d% \[\d+\.\d%, \d+\.\d%\]$/);
  await desk.close();
});

test('scales of any length lay out evenly at 320, 390 and 768 px', async () => {
  // (links live 72 hours: one sent two evenings ago is still open)
  const [invitation] = dispatchAt(-2);
  assert.ok(invitation, 'an invitation to look at');
  for (const width of [320, 390, 768]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(invitation.link);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(widths[0] <= widths[1], `${width} px: the page is ${widths[0]} px wide`);
    const scales = await page.evaluate(() => [...document.querySelectorAll('.choices')].map((choices) => {
      const boxes = [...choices.querySelectorAll('label')].map((label) => label.getBoundingClientRect());
      const tops = [...new Set(boxes.map((box) => Math.round(box.top)))];
      return {
        id: choices.closest('fieldset').id,
        count: boxes.length,
        perRow: tops.map((top) => boxes.filter((box) => Math.round(box.top) === top).length),
        widths: boxes.map((box) => box.width),
        heights: boxes.map((box) => box.height),
      };
    }));
    assert.ok(scales.some((scale) => scale.count === 7), `the 1–7 effort scale is on the page: ${JSON.stringify(scales)}`);
    for (const scale of scales) {
      const where = `${width} px, ${scale.id}: rows of ${scale.perRow.join('+')}`;
      // rows as even as the count allows (no lone "7" on a row of its own), equal cells
      assert.ok(Math.max(...scale.perRow) - Math.min(...scale.perRow) <= 1, where);
      assert.ok(Math.max(...scale.widths) - Math.min(...scale.widths) < 1, `${where}: widths ${scale.widths}`);
      // a scale of up to seven fits one row even at 320 px; every cell stays easy to tap
      if (scale.count <= 7) { assert.equal(scale.perRow.length, 1, where); }
      assert.ok(Math.min(...scale.widths) >= 24 && Math.min(...scale.heights) >= 44, `${where}: ${scale.widths}`);
    }
    await context.close();
  }
});
