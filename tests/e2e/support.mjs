// What the browser tests share: a fresh SQLite database with demo data and users, a running
// `servq serve`, Debian's chromium driven by playwright-core (no browser download), and helpers.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'web', 'package.json'));
const { chromium } = require('playwright-core');
const servq = process.env.SERVQ_BIN ?? join(root, 'target', 'debug', 'servq');
export const password = 'e2e password 123';

/// Dates in the centre's zone (Asia/Shanghai), like the pages' periods: day(-1) is yesterday.
export function day(offset) {
  const now = new Date(Date.now() + 8 * 3600 * 1000 + offset * 86400 * 1000);
  return now.toISOString().slice(0, 10);
}

/// A database with `demo` data and `users` ([name, role, agent id?]), the server and a browser.
/// `run` calls the `servq` binary on the same database.
export async function startServq({ demo, users }) {
  const dir = mkdtempSync(join(tmpdir(), 'servq-e2e-'));
  const env = { ...process.env, SERVQ_DATABASE_URL: `sqlite://${join(dir, 'e2e.db')}`, SERVQ_TZ: 'Asia/Shanghai' };
  const run = (args, input) => execFileSync(servq, args, { env, input, encoding: 'utf8' });
  run(['demo', ...demo]);
  for (const [name, role, agent] of users) {
    run(['user', 'add', name, '--role', role, ...(agent ? ['--agent-id', agent] : [])], `${password}\n`);
  }
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(servq, ['serve', '--addr', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((resolve, reject) => {
    server.stderr.on('data', (chunk) => { if (String(chunk).includes('listening')) resolve(); });
    server.on('exit', (code) => reject(new Error(`servq serve exited with ${code}`)));
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const signIn = async (page, username) => {
    await page.goto(`${base}/login`);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#sign-in');
    await page.waitForURL(`${base}/`);
  };
  const stop = async () => {
    await browser.close();
    server.kill();
  };
  return { dir, run, base, browser, signIn, stop };
}

/// A case and a course with an exam through the API, as the signed-in `page` (an editor and
/// trainer), and one attempt waiting for grading: the ids, for the page walks and screenshots.
export async function seedTraining(page) {
  return page.evaluate(async () => {
    const me = await (await fetch('/api/v1/me')).json();
    const send = async (method, url, body) => (await fetch(url, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify(body) })).json();
    await send('PUT', '/api/v1/kb/cases/lost-card', { title: '信用卡丢失挂失', category: 'lost_card', kind: 'standard', summary: '先安抚、核身，再挂失补卡',
      nodes: [
        { id: 1, parent: null, kind: 'request', customer: '我的信用卡丢了，怎么办？', agent: '请您别着急，我先帮您核实身份，马上为您挂失。', avoid: '你怎么这么不小心' },
        { id: 2, parent: 1, kind: 'question', customer: '新卡多久能寄到？', agent: '新卡会在 7 个工作日内寄到您的账单地址。', avoid: '我不知道' },
        { id: 3, parent: 2, kind: 'resolution', customer: '', agent: '已为您挂失并补卡，寄出后会有短信通知。', avoid: '' },
        { id: 4, parent: 1, kind: 'question', customer: '挂失前被盗刷了怎么办？', agent: '我为您登记争议交易，3 个工作日内回电告知进度。', avoid: '这种事不关我的事' },
        { id: 5, parent: 4, kind: 'closing', customer: '', agent: '感谢您的来电，祝您生活愉快，再见。', avoid: '' },
      ] });
    await send('PUT', '/api/v1/courses/lost-card-course', { title: '挂失业务培训', description: '挂失流程、补卡时效与安抚话术', pass_mark: 60, max_attempts: 3, qa_items: ['tone'],
      items: [{ kind: 'article', id: 'kb-004' }, { kind: 'case', id: 'lost-card' }],
      questions: [
        { kind: 'single', prompt: '新卡几天寄到？', options: ['3 天', '7 个工作日', '30 天'], answer: [1], points: 2 },
        { kind: 'multiple', prompt: '哪些是规范用语？', options: ['您好', '我不知道', '请稍等'], answer: [0, 2], points: 2 },
        { kind: 'true_false', prompt: '可以向客户念出完整卡号', answer: [0], points: 1 },
        { kind: 'short', prompt: '客户着急时第一句怎么说？', model_answer: '先安抚情绪，再说明处理步骤', points: 5 },
      ] });
    await send('POST', '/api/v1/courses/lost-card-course/assignments', { users: [me.username], reason: '共性问题：语气平淡' });
    const attempt = await send('POST', '/api/v1/courses/lost-card-course/attempts', { answers: [[1], [0, 2], false, '请您别着急，我马上帮您处理。'] });
    return { case: 'lost-card', course: 'lost-card-course', attempt: attempt.id };
  });
}

/// A risk register with something in it, signed in as `owner` (a supervisor or admin): the work
/// plan's four risks, a plan for the carrier line going down with its steps, a drill run with a
/// finding and one planned; their ids.
export async function seedRisks(page, owner) {
  return page.evaluate(async ({ owner, days }) => {
    const me = await (await fetch('/api/v1/me')).json();
    const send = async (method, url, body) => (await fetch(url, { method, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify(body) })).json();
    const risk = (title, category, likelihood, impact, controls, review) => send('POST', '/api/v1/risks', { title, category, likelihood, impact, owner, treatment: 'mitigate', controls, review_on: review });
    const line = await risk('运营商主线路中断', 'network_outage', 3, 5, '双运营商接入；备用线路每月切换测试', days.soon);
    await risk('坐席系统（CRM）宕机', 'technical_failure', 2, 4, '每日备份；厂商 7×24 支持', days.later);
    await risk('客户信息泄露', 'information_security', 2, 5, '权限最小化；导出审批；通话录音脱敏', days.later);
    await risk('节假日人手不足', 'staff_capability', 4, 3, '提前排班；跨组支援', days.past);
    const plan = await send('POST', '/api/v1/emergency-plans', {
      title: '主线路中断应急预案', owner, scenario: '运营商主线路中断，客户来电无法接入',
      trigger: '接通率 15 分钟内低于 50%，或运营商通知故障；由值班主管宣布启动',
      steps: [
        { phase: 'warning', role: '监控值班', action: '发现接通率异常，5 分钟内报告值班主管', target_minutes: 5 },
        { phase: 'response', role: '值班主管', action: '切换备用线路，启用 IVR 故障公告', target_minutes: 30 },
        { phase: 'response', role: '班组长', action: '安排坐席外呼回访未接通客户', target_minutes: 60 },
        { phase: 'recovery', role: 'IT 值班', action: '联系运营商恢复主线路并验证', target_minutes: 240 },
        { phase: 'review', role: '中心经理', action: '一周内复盘，更新预案与联系人' },
      ],
      contacts: ['张伟 值班主管 13800000001', '李娜 IT 值班 13800000002', '运营商故障热线 10000'],
      risk_ids: [line.id],
    });
    const ran = await send('POST', `/api/v1/emergency-plans/${plan.id}/drills`, { scheduled_on: days.today });
    await send('PUT', `/api/v1/drills/${ran.id}`, { ran_on: days.today, participants: ['张伟', '李娜', '王芳', '赵强'],
      step_minutes: [4, 45, 50, 180, 30], notes: '备用线路切换比预期慢，IVR 公告按时上线',
      findings: [{ finding: '备用线路切换用了 45 分钟，超出 30 分钟时限：切换步骤需写成操作卡', owner, due_on: days.soon }] });
    const planned = await send('POST', `/api/v1/emergency-plans/${plan.id}/drills`, { scheduled_on: days.soon });
    return { risk: line.id, plan: plan.id, drill: ran.id, planned: planned.id };
  }, { owner, days: { today: day(0), soon: day(20), later: day(60), past: day(-3) } });
}
