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
