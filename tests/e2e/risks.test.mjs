// Browser tests of the risk register and emergency plans (zh-CN): a supervisor records a risk
// at 1366 px (a refusal shown beside its fields first; hostile text shown as text) and finds it
// in its heat-map cell; on a phone (390 px) writes a plan whose steps follow the cycle (steps out
// of order refused at the step), schedules a drill, records it with minutes per step and a
// finding, and turns the finding into a problem of the improvement register with a task for
// its owner. An analyst reads the register but has no forms; an agent cannot open it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { password, startServq } from './support.mjs';

let servq, run, base, browser;

before(async () => {
  servq = await startServq({
    demo: ['--days', '2', '--daily-contacts', '50', '--agents', '2'],
    users: [['sup', 'supervisor'], ['ana', 'analyst'], ['agent1', 'agent', 'A001']],
  });
  ({ run, base, browser } = servq);
});

after(async () => {
  await servq?.stop();
});

async function signedIn(username, viewport) {
  const context = await browser.newContext({
    locale: 'zh-CN', viewport, ...(viewport.width < 500 ? { hasTouch: true, isMobile: true, deviceScaleFactor: 2 } : {}),
  });
  const page = await context.newPage();
  await servq.signIn(page, username);
  return { context, page };
}

async function fits(page, width) {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= width, `${page.url()} is ${scroll} px wide`);
}

const desktop = { width: 1366, height: 900 };
const phone = { width: 390, height: 844 };

test('a risk recorded on the form sits in its heat-map cell', async () => {
  const { context, page } = await signedIn('sup', desktop);
  await page.goto(`${base}/risks`);
  assert.equal(await page.textContent('h1'), '风险登记与应急预案');
  assert.ok(await page.$('#no-risks'));
  // refused beside the field, in Chinese: an owner who is not a user
  await page.fill('#risk-title', '主线路中断 <script>alert(1)</script>');
  await page.fill('#risk-owner', 'nobody');
  await page.click('#risk-save');
  await page.waitForSelector('#risk-form .field-msg');
  assert.equal(await page.getAttribute('#risk-owner', 'aria-invalid'), 'true');
  assert.match(await page.textContent('#risk-form'), /“nobody”不存在/);
  await page.fill('#risk-owner', 'sup');
  await page.selectOption('#risk-category', 'network_outage');
  await page.selectOption('#risk-likelihood', '4');
  await page.selectOption('#risk-impact', '5');
  await page.fill('#risk-controls', '=HYPERLINK("http://x")');
  await Promise.all([page.waitForURL(/\/risks\/\d+$/), page.click('#risk-save')]);
  assert.equal(await page.textContent('h1'), '主线路中断 <script>alert(1)</script>');
  assert.equal((await page.textContent('#risk-level')).trim(), '20 · 极高');
  assert.match(await page.textContent('#risk-facts'), /=HYPERLINK/);
  const riskId = page.url().split('/').pop();
  // a review lowers it and sets the next date
  await page.selectOption('#review-likelihood', '2');
  await page.fill('#review-note', '已接入第二条运营商线路');
  await Promise.all([page.waitForEvent('load'), page.click('#review-save')]);
  assert.equal((await page.textContent('#risk-level')).trim(), '10 · 高');
  assert.match(await page.textContent('#reviews'), /已接入第二条运营商线路/);
  await page.goto(`${base}/risks`);
  assert.equal(await page.getAttribute('td[data-likelihood="2"][data-impact="5"]', 'data-count'), '1');
  assert.equal(await page.getAttribute('td[data-likelihood="4"][data-impact="5"]', 'data-count'), '0');
  await page.click('td[data-likelihood="2"][data-impact="5"] a');
  await page.waitForURL(/likelihood=2&impact=5/);
  assert.deepEqual(await page.$$eval('#risks tbody tr', (rows) => rows.map((r) => r.id)), [`risk-${riskId}`]);
  assert.equal(await page.getAttribute(`#risk-${riskId}`, 'data-level'), 'high');
  await fits(page, 1366);
  // the CLI reads the same register
  const register = JSON.parse(run(['risk', 'list', '--format', 'json']));
  assert.equal(register.risks[0].score, 10);
  assert.equal(register.heat_map[4][1], 1);
  await context.close();
});

test('on a phone: a plan by the cycle, a drill recorded, a finding made a problem', async () => {
  const { context, page } = await signedIn('sup', phone);
  await page.goto(`${base}/risks/plans/new`);
  await fits(page, 390);
  await page.fill('#plan-title', '主线路中断应急预案');
  await page.fill('#plan-scenario', '运营商主线路中断，来电无法接入');
  const rows = page.locator('#plan-steps .form-row');
  assert.equal(await rows.count(), 4, 'one step per phase to start with');
  const steps = [
    ['warning', '监控值班', '接通率 15 分钟低于 50% 时报告值班主管', '15'],
    ['response', '值班主管', '切换到备用线路，发布 IVR 公告', '30'],
    ['recovery', 'IT 值班', '恢复主线路并验证', '240'],
    ['review', '中心经理', '一周内复盘并更新预案', ''],
  ];
  for (const [index, [, role, action, minutes]] of steps.entries()) {
    await rows.nth(index).locator('[data-key=role]').fill(role);
    await rows.nth(index).locator('[data-key=action]').fill(action);
    await rows.nth(index).locator('[data-key=target_minutes]').fill(minutes);
  }
  // a fifth step, put in the warning phase after recovery: refused at that step
  await page.tap('#add-step');
  assert.equal(await rows.count(), 5);
  await rows.nth(4).locator('[data-key=phase]').selectOption('warning');
  await rows.nth(4).locator('[data-key=role]').fill('客服代表');
  await rows.nth(4).locator('[data-key=action]').fill('记录受影响客户');
  await page.check('#plan-risks input[type=checkbox]');
  await page.tap('#plan-save');
  await page.waitForSelector('#plan-form .field-msg');
  assert.equal(await rows.nth(4).locator('[data-key=phase]').getAttribute('aria-invalid'), 'true');
  assert.match(await page.textContent('#plan-form'), /阶段早于上一步/);
  await rows.nth(4).locator('[data-key=phase]').selectOption('review');
  await Promise.all([page.waitForURL(/\/risks\/plans\/\d+$/), page.tap('#plan-save')]);
  assert.equal(await page.textContent('h1'), '主线路中断应急预案');
  assert.deepEqual(await page.$$eval('#plan-steps-view h3', (h) => h.map((x) => x.textContent)),
    ['预警监测', '应急响应', '恢复', '复盘']);
  assert.match(await page.textContent('#plan-facts'), /48 小时内恢复正常服务/);
  assert.match(await page.textContent('#plan-facts'), /主线路中断/);
  await fits(page, 390);
  // a drill: scheduled, then recorded with the minutes each step took and a finding
  await Promise.all([page.waitForURL(/\/risks\/drills\/\d+$/), page.tap('#drill-schedule')]);
  assert.equal(await page.getAttribute('#drill-status', 'data-status'), 'planned');
  await fits(page, 390);
  await page.fill('#drill-participants', '张三\n李四\n王五');
  const minutes = page.locator('#drill-steps input.minutes');
  for (const [index, value] of ['10', '45', '200', '30', '60'].entries()) {
    await minutes.nth(index).fill(value);
  }
  const finding = page.locator('#drill-finding-rows .form-row').first();
  await finding.locator('[data-key=finding]').fill('备用线路切换需要 45 分钟，超过 30 分钟时限');
  await finding.locator('[data-key=owner]').fill('sup');
  await Promise.all([page.waitForEvent('load'), page.tap('#drill-record')]);
  assert.equal(await page.getAttribute('#drill-status', 'data-status'), 'done');
  // warning + response + recovery = 10 + 45 + 200 minutes, within 48 h
  assert.match(await page.textContent('#drill-recovery'), /用时合计 4 小时 15 分钟，达标（预案要求 48 小时内恢复）/);
  assert.equal(await page.locator('#drill-steps li.over').count(), 1, 'the response step ran over its 30 minutes');
  await fits(page, 390);
  await Promise.all([page.waitForURL(/\/problems\/\d+$/), page.tap('#drill-findings .to-problem')]);
  const problemId = Number(page.url().split('/').pop());
  const tasks = await page.evaluate(async () => (await (await fetch('/api/v1/tasks')).json()).tasks);
  const task = tasks.find((t) => t.problem_id === problemId);
  assert.equal(task.owner, 'sup');
  assert.match(task.title, /备用线路切换/);
  const drills = JSON.parse(run(['risk', 'drills']).trim().split('\n')[0]);
  assert.equal(drills.findings[0].problem_id, problemId);
  assert.equal(drills.recovery_minutes, 255);
  await context.close();
});

test('an analyst reads the register without forms; an agent cannot open it', async () => {
  const analyst = await signedIn('ana', desktop);
  // found from the improvement loop's page, beside goals and tasks
  await analyst.page.goto(`${base}/problems`);
  await Promise.all([analyst.page.waitForURL(`${base}/risks`), analyst.page.click('#risks-link')]);
  assert.ok(await analyst.page.$('#heat-map'));
  assert.equal(await analyst.page.$('#risk-form'), null);
  assert.equal(await analyst.page.$('#new-plan'), null);
  await analyst.context.close();
  const agent = await signedIn('agent1', desktop);
  const nav = await agent.page.$$eval('header nav a', (links) => links.map((a) => a.getAttribute('href')));
  assert.ok(!nav.includes('/risks'));
  const status = await agent.page.evaluate(async () => (await fetch('/risks')).status);
  assert.equal(status, 403);
  await agent.context.close();
});
