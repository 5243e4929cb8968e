// Screenshots of every staff page in zh-CN at 1366 and 390 px into docs/screenshots/ (PNG, the
// first screen of each page), over a fresh demo store: `node scripts/screenshots.mjs` after
// `cargo build` (SERVQ_BIN picks another binary). Look at them before a UI change lands.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, startServq, day, seedTraining, seedRisks } from '../tests/e2e/support.mjs';

const out = join(root, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const servq = await startServq({
  demo: ['--days', '14', '--daily-contacts', '300', '--agents', '12'],
  users: [['admin', 'admin'], ['agent1', 'agent', 'A001']],
});
const { base, browser, signIn, run } = servq;
run(['kb', 'import', join(root, 'tests', 'kb', 'articles.jsonl')]);

// some work in flight, so the pages have something to show
const setup = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
await signIn(setup, 'admin');
const ids = await setup.evaluate(async ({ from, to, days }) => {
  const day7 = (offset) => days[String(offset)];
  const me = await (await fetch('/api/v1/me')).json();
  const post = async (url, body) => (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify(body) })).json();
  await fetch('/api/v1/me/locale', { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({ locale: 'zh-CN' }) });
  await post('/api/v1/qa/sample', { from, to, per_agent: 2, strategy: 'random', seed: 7 });
  const queue = await (await fetch('/api/v1/qa/queue')).json();
  const a001 = queue.items.find((item) => item.agent_id === 'A001') ?? queue.items[0];
  const evaluation = await post('/api/v1/evaluations', { contact_id: a001.contact_id, answers: { greeting: 1, polite: 4, tone: 2, closing: 1, answer: 5, reminders: 'na' }, comments: '语气偏平淡，结束语完整' });
  // the customer who called most in the week gets a profile and the complaint ticket
  const listed = await (await fetch(`/api/v1/contacts?from=${from}&to=${to}&limit=1000`)).json();
  const calls = {};
  for (const row of listed.rows) if (row.customer_id) calls[row.customer_id] = (calls[row.customer_id] ?? 0) + 1;
  const customer = Object.entries(calls).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'C-1001';
  const profile = new FormData();
  profile.append('kind', 'customers');
  profile.append('file', new Blob([`customer_id,name,phone,email,language,segment,tags,since,会员等级\n${customer},李雷,13800138000,li.lei@example.com,zh-CN,VIP,老客户;近期投诉,2019-03-01,金卡\n`], { type: 'text/csv' }), 'customers.csv');
  await fetch('/api/v1/imports', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf_token }, body: profile });
  const ticket = await post('/api/v1/tickets', { ticket_type: 'complaint', category: 'bill_query', priority: 'high', subject: '账单重复扣费', customer_id: customer, description: '客户称 11 月账单重复扣款两次，要求退款。' });
  const reviews = await (await fetch('/api/v1/reviews?limit=1')).json();
  const lastMonth = from.slice(0, 7);
  const report = await post('/api/v1/reports', { month: lastMonth });
  const problem = await post('/api/v1/problems', { class: 'process_design', title: '客户重复描述问题', description: '近一周 12 通投诉提到“又要从头说一遍”', owner: 'admin' });
  await fetch(`/api/v1/problems/${problem.id}/analysis`, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({
    whys: [{ why: '客户为什么要重复描述问题？', because: '坐席没有查看工单历史' }, { why: '为什么没有查看？', because: '系统没有关联客户历史' }, { why: '为什么没有关联？', because: '没有客户画像标签' }],
    root: 2,
    causes: [{ category: 'people', cause: '新员工不熟悉历史查询', likelihood: 'likely' }, { category: 'process', cause: '交接不记录上次处理', likelihood: 'possible' }, { category: 'technology', cause: '客户历史不在弹屏上', likelihood: 'confirmed' }, { category: 'resources', cause: '高峰时段人手不足', likelihood: 'possible' }],
  }) });
  await post('/api/v1/tasks', { title: '弹屏显示最近 5 次来电', owner: 'admin', due: day7(-8), problem_id: problem.id });
  // a problem accepted from the Pareto, with its goal, evidence and matrix
  const suggestions = await (await fetch('/api/v1/problems/suggestions')).json();
  const reason = suggestions.suggestions.find((s) => s.kind === 'review_reason') ?? suggestions.suggestions[0];
  const pareto = await post('/api/v1/problems/suggestions/accept', { key: reason.key });
  await post(`/api/v1/problems/${pareto.id}/evidence`, { kind: 'contact', reference: a001.contact_id, note: '典型录音：语气平淡' });
  await post(`/api/v1/problems/${pareto.id}/evidence`, { kind: 'kpi', reference: 'csat', note: '满意度连续两周下滑' });
  const goal = await post('/api/v1/goals', { name: '满意度提升到 90%', metric: 'csat', target: 0.9, deadline: '2027-03-01', baseline_from: day7(-14), baseline_to: day7(-8) });
  await fetch(`/api/v1/problems/${pareto.id}`, { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({ goal_id: goal.id }) });
  await post('/api/v1/goals', { name: '一组处理时长降 10%', metric: 'aht_seconds', relative: -0.1, filter: { team: '一组' }, deadline: '2027-02-01', baseline_from: day7(-14), baseline_to: day7(-8) });
  return { problem: problem.id, pareto: pareto.id, evaluation: evaluation.id, contact: a001.contact_id, ticket: ticket.id, review: reviews.tasks[0]?.response_id, report: report.id, customer };
}, { from: day(-7), to: day(-1), days: { '-14': day(-14), '-8': day(-8) } });
const training = await seedTraining(setup);
const risks = await seedRisks(setup, 'admin');

const staff = [
  ['dashboard', '/'], ['contacts', `/contacts?from=${day(-7)}&to=${day(-1)}`], ['contact', `/contacts/${ids.contact}`],
  ['tickets', '/tickets'], ['ticket', `/tickets/${ids.ticket}`], ['customer', `/customers/${encodeURIComponent(ids.customer)}`], ['customers_at_risk', '/customers-at-risk'], ['desk_setup', '/desk/setup'],
  ['qa', '/qa'], ['qa_evaluate', `/qa/evaluate/${ids.contact}`], ['qa_evaluation', `/qa/evaluations/${ids.evaluation}`], ['qa_setup', '/qa/setup'],
  ['surveys', '/surveys'], ['surveys_setup', '/surveys/setup'], ['reviews', '/reviews'], ['review', `/reviews/${ids.review}`], ['reviews_report', '/reviews/report'],
  ['analysis_drivers', `/analysis/drivers?from=${day(-14)}&to=${day(-1)}`], ['analysis_pareto', `/analysis/pareto?from=${day(-7)}&to=${day(-1)}`],
  ['planning_staffing', `/planning/staffing?date=${day(1)}`],
  ['targets', '/targets'],
  ['performance', '/performance'],
  ['performance_ratings', '/performance/ratings'],
  ['performance_model', '/performance/model'],
  ['problems', '/problems'], ['problem', `/problems/${ids.problem}`], ['problem_pareto', `/problems/${ids.pareto}`], ['tasks', '/tasks'], ['coaching_plan', '/coaching-plan'], ['kb', `/kb?q=${encodeURIComponent('信用卡掛失')}`], ['kb_article', '/kb/kb-004'], ['kb_edit', '/kb/kb-004/edit'], ['cases', '/kb/cases'], ['case', `/kb/cases/${training.case}`], ['case_edit', `/kb/cases/${training.case}/edit`], ['case_walk', `/kb/cases/${training.case}/walk`], ['training', '/training'], ['course', `/training/${training.course}`], ['course_edit', `/training/${training.course}/edit`], ['exam', `/training/${training.course}/exam`], ['attempt', `/training/attempts/${training.attempt}`], ['goals', '/goals'], ['briefing', `/briefing/${day(0)}`], ['review', `/review/${day(0)}`], ['reports', '/reports'], ['report', `/reports/${ids.report}`],
  ['ledgers', '/ledgers'], ['ledger_lending', '/ledgers/lending'], ['ledger_lost_found', '/ledgers/lost-found'], ['ledger_medicine', '/ledgers/medicine'], ['ledger_membership', '/ledgers/membership'], ['ledger_paid_services', '/ledgers/paid-services'], ['ledger_settings', '/ledgers/settings'],
  ['risks', '/risks'], ['risk', `/risks/${risks.risk}`], ['risk_plan', `/risks/plans/${risks.plan}`], ['risk_plan_new', '/risks/plans/new'], ['risk_drill', `/risks/drills/${risks.drill}`], ['risk_drill_record', `/risks/drills/${risks.planned}`],
  ['import', '/import'], ['audit', '/audit'], ['users', '/admin/users'], ['roster', '/admin/roster'], ['settings', '/admin/settings'], ['account', '/account'], ['notifications', '/notifications'], ['not_found', '/no/such/page'],
];
for (const width of [1366, 390]) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width, height: width > 500 ? 900 : 844 } });
  const page = await context.newPage();
  await signIn(page, 'admin');
  for (const [name, path] of staff) {
    await page.goto(`${base}${path}`);
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(out, `${name}-${width}.png`) });
  }
  // the agent's own view of their evaluation and notifications
  const agent = await (await browser.newContext({ locale: 'zh-CN', viewport: { width, height: width > 500 ? 900 : 844 } })).newPage();
  await signIn(agent, 'agent1');
  for (const [name, path] of [['agent_qa', '/qa'], ['agent_notifications', '/notifications']]) {
    await agent.goto(`${base}${path}`);
    await agent.waitForLoadState('networkidle');
    await agent.screenshot({ path: join(out, `${name}-${width}.png`) });
  }
  await context.close();
}
// the public survey page a customer opens on a phone, a small phone and a tablet (whole page)
const [invitation] = servq.run(['surveys', 'dispatch', '--public-url', base, '--now', `${day(-1)}T20:00:00+08:00`])
  .trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
for (const width of [320, 390, 768]) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width, height: 844 } });
  const page = await context.newPage();
  await page.goto(invitation.link);
  await page.screenshot({ path: join(out, `survey-${width}.png`), fullPage: true });
  await context.close();
}
await servq.stop();
console.log(`screenshots in ${out}`);
