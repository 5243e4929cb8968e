// Every staff page, as an administrator would open it: no serious or critical accessibility
// violation (axe-core, pinned in web/package.json) and, in zh-CN and zh-TW, no English text of
// our own catalogue (a key missing from a page's language, or English written in code).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { root, day, startServq, seedTraining, seedRisks } from './support.mjs';

const require = createRequire(join(root, 'web', 'package.json'));
const axePath = require.resolve('axe-core/axe.min.js');

let servq, base, browser, signIn, ids;

/// The catalogue of one language as key → text (the files are flat `key = "text"` tables).
function catalogue(tag) {
  const entries = new Map();
  let section = '';
  for (const line of readFileSync(join(root, 'crates', 'servq-app', 'locales', `${tag}.toml`), 'utf8').split('\n')) {
    const header = line.match(/^\[(.+)\]\s*$/);
    if (header) { section = header[1]; continue; }
    const entry = line.match(/^([A-Za-z0-9_]+)\s*=\s*(".*")\s*$/);
    if (entry) { entries.set(`${section}.${entry[1]}`, JSON.parse(entry[2])); }
  }
  return entries;
}

before(async () => {
  servq = await startServq({
    demo: ['--days', '10', '--daily-contacts', '200', '--agents', '8'],
    users: [['admin', 'admin']],
  });
  ({ base, browser, signIn } = servq);
  servq.run(['kb', 'import', join(root, 'tests', 'kb', 'articles.jsonl')]);
  const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await signIn(page, 'admin');
  ids = await page.evaluate(async ({ from, to }) => {
    const me = await (await fetch('/api/v1/me')).json();
    const post = async (url, body) => (await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify(body) })).json();
    await post('/api/v1/qa/sample', { from, to, per_agent: 1, strategy: 'random', seed: 3 });
    const queue = await (await fetch('/api/v1/qa/queue')).json();
    const contact = queue.items[0].contact_id;
    const evaluation = await post('/api/v1/evaluations', { contact_id: contact, answers: { greeting: 1, polite: 4, tone: 3, closing: 1, answer: 5, reminders: 'na' } });
    const ticket = await post('/api/v1/tickets', { ticket_type: 'complaint', category: 'bill_query', priority: 'high', subject: '重复扣费', customer_id: 'C-1' });
    const reviews = await (await fetch('/api/v1/reviews?limit=1')).json();
    const loan = await post('/api/v1/ledgers/lending', { item_code: 'U-01', item_type: 'umbrella', customer_name: '王先生', phone: '13800138000', deposit_yuan: '50', deposit_method: 'cash' });
    const found = await post('/api/v1/ledgers/lost-found', { category: 'wallet', description: '黑色钱包', hidden_features: ['夹层有全家福'], found_place: '美食广场' });
    return { contact, evaluation: evaluation.id, ticket: ticket.id, review: reviews.tasks[0].response_id, loan: loan.entry_id, found: found.entry_id };
  }, { from: day(-7), to: day(-1) });
  ids.training = await seedTraining(page);
  ids.risks = await seedRisks(page, 'admin');
});

after(async () => {
  await servq?.stop();
});

const staffPages = () => [
  '/', `/contacts?from=${day(-7)}&to=${day(-1)}`, `/contacts/${ids.contact}`, '/tickets', `/tickets/${ids.ticket}`, '/customers/C-1', '/customers-at-risk',
  '/desk/setup', '/qa', `/qa/evaluations/${ids.evaluation}`, '/qa/setup', '/surveys', '/surveys/setup', '/reviews',
  `/reviews/${ids.review}`, '/reviews/report', '/import', '/audit', '/admin/users', '/admin/roster', '/admin/settings',
  '/account', '/notifications',
  `/analysis/drivers?from=${day(-14)}&to=${day(-1)}`, `/analysis/pareto?from=${day(-7)}&to=${day(-1)}`,
  `/planning/staffing?date=${day(1)}`,
  '/targets',
  '/performance',
  '/performance/ratings',
  '/performance/model',
  '/reports',
  '/goals',
  '/problems',
  '/tasks',
  '/coaching-plan',
  '/kb', '/kb?q=%E4%BF%A1%E7%94%A8%E5%8D%A1%E6%8E%9B%E5%A4%B1', '/kb/new', '/kb/kb-004', '/kb/kb-004/edit',
  '/kb/cases', '/kb/cases/new', `/kb/cases/${ids.training.case}`, `/kb/cases/${ids.training.case}/edit`,
  `/kb/cases/${ids.training.case}/walk`, '/training', '/training/new', `/training/${ids.training.course}`,
  `/training/${ids.training.course}/edit`, `/training/${ids.training.course}/exam`,
  `/training/attempts/${ids.training.attempt}`,
  `/briefing/${day(0)}`,
  `/review/${day(0)}`,
  '/ledgers', '/ledgers/lending', `/ledgers/lending/${ids.loan}`, `/ledgers/lending/${ids.loan}/receipt`,
  '/ledgers/lost-found', `/ledgers/lost-found/${ids.found}`, '/ledgers/medicine', '/ledgers/membership',
  '/ledgers/paid-services', '/ledgers/settings',
  '/risks', `/risks/${ids.risks.risk}`, '/risks/plans/new', `/risks/plans/${ids.risks.plan}`,
  `/risks/drills/${ids.risks.drill}`, `/risks/drills/${ids.risks.planned}`,
  '/search?q=C-1x', '/no/such/page',
];

test('no staff page has a serious or critical accessibility violation (axe-core)', async () => {
  // axe-core is injected as a script the page's Content-Security-Policy would refuse: in this
  // test only, the policy is bypassed
  const context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, 'admin');
  const found = [];
  for (const path of staffPages()) {
    await page.goto(`${base}${path}`);
    await page.waitForLoadState('networkidle');
    await page.addScriptTag({ path: axePath });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document, { resultTypes: ['violations'] });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
    });
    found.push(...violations.map((v) => `${path}: ${v}`));
  }
  await context.close();
  assert.deepEqual(found, []);
});

test('in zh-CN and zh-TW no page shows English text of our own catalogue', async () => {
  const english = catalogue('en');
  for (const tag of ['zh-CN', 'zh-TW']) {
    const own = catalogue(tag);
    // English texts that are not the same in this language (API, CSAT, NPS, SLA stay as they
    // are); single short words also name JSON fields in the help texts, so phrases only
    const phrases = [...english].filter(([key, text]) => (text.includes(' ') || text.length >= 10) && /[a-z]{3}/.test(text)
      && own.get(key) !== text && !/\{[a-z_]+\}/.test(text)).map(([, text]) => text);
    const context = await browser.newContext({ locale: tag });
    const page = await context.newPage();
    // every page runs under the Content-Security-Policy: nothing it does may be refused
    const refused = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) { refused.push(`${page.url()}: ${message.text()}`); }
    });
    await signIn(page, 'admin');
    await page.evaluate(async (locale) => {
      const me = await (await fetch('/api/v1/me')).json();
      await fetch('/api/v1/me/locale', { method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token }, body: JSON.stringify({ locale }) });
    }, tag);
    const misses = [];
    for (const path of staffPages()) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('networkidle');
      assert.equal(await page.getAttribute('html', 'lang'), tag, path);
      // the page's words: not the JSON and TOML of edit boxes, nor text people stored (marked
      // data-user-text: a scorecard's item names are the centre's own)
      const text = await page.evaluate(() => {
        const copy = document.body.cloneNode(true);
        copy.querySelectorAll('textarea, script, [data-user-text]').forEach((el) => el.remove());
        document.body.appendChild(copy);
        copy.style.position = 'absolute';
        const words = copy.innerText;
        copy.remove();
        return words;
      });
      for (const phrase of phrases) {
        if (text.includes(phrase)) { misses.push(`${tag} ${path}: "${phrase}"`); }
      }
      // English sentences written in code rather than the catalogue
      for (const word of text.match(/\b(?:the|is not|must|cannot|needs a|should)\b[^\n]{0,40}/g) ?? []) {
        misses.push(`${tag} ${path}: "${word}"`);
      }
    }
    await context.close();
    assert.deepEqual(misses, []);
    assert.deepEqual(refused, [], 'no page breaks its Content-Security-Policy');
  }
});
