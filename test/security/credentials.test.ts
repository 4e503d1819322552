import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { testApp, TEST_PASSWORD, type TestApp } from '../helpers/app.js';
import { passwordProblem } from '../../src/domain/password-policy.js';
import { loadCommonPasswords } from '../../adapters/fs-config/common-passwords.js';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { seed } from '../../src/application/seed.js';
import { ensureBundle } from '../helpers/bundle.js';

/**
 * Issue 19, item 8: the credential lifecycle. An admin disables, enables and resets users (API and
 * CLI); everyone changes their own password; API tokens expire, are listed and revoked; whatever
 * ends a credential closes the sockets opened with it at once.
 */

async function listening(h: TestApp): Promise<string> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  return `ws://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
}

/** Opens a socket and resolves with it once the server said hello; `closed` resolves with the close code. */
function socket(url: string, headers: Record<string, string>, protocols: string[] = []): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers: { origin: 'https://hotline.example.cn', ...headers } });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.once('message', () => resolve({ ws, closed }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms))]);

async function login(h: TestApp, name: string, password: string) {
  const r = await h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name, password } });
  const cookie = String(r.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  return { status: r.statusCode, cookie, csrf: r.statusCode === 200 ? (r.json().csrf as string) : '' };
}

t.test('an admin disables and enables a user: no login, no token, sockets closed at once', async (t) => {
  const h = await testApp(t);
  const base = await listening(h);
  const op = (await h.ctx.users.byName('op'))!;
  const s = await socket(`${base}/ws/operator`, { authorization: `Bearer ${h.tokens.operator}` });
  t.equal((await h.call('supervisor', 'POST', `/api/v1/users/${op.id}/disable`)).status, 403, 'admins only');
  const d = await h.call('admin', 'POST', `/api/v1/users/${op.id}/disable`);
  t.equal(d.status, 200);
  t.equal(d.json.user.disabled, true);
  t.equal(await within(s.closed, 1000, 'socket closed'), 4401, 'the open screen-pop socket closes at once');
  t.equal((await h.call('operator', 'GET', '/api/v1/auth/me')).status, 401, 'the token stops working at once');
  t.equal((await login(h, 'op', TEST_PASSWORD)).status, 401, 'no login');
  const adm = (await h.ctx.users.byName('adm'))!;
  t.equal((await h.call('admin', 'POST', `/api/v1/users/${adm.id}/disable`)).status, 400, 'an admin cannot lock themselves out');
  t.equal((await h.call('admin', 'POST', `/api/v1/users/${op.id}/enable`)).status, 200);
  t.equal((await h.call('operator', 'GET', '/api/v1/auth/me')).status, 200, 'enabled: the token works again');
  t.ok((await h.ctx.audit.list(`user:${op.id}`)).some((a) => a.kind === 'user.disabled'), 'audited');
});

t.test('reset-password: a new password shown once, following the rules; sessions end', async (t) => {
  const h = await testApp(t);
  const op = (await h.ctx.users.byName('op'))!;
  const before = await login(h, 'op', TEST_PASSWORD);
  t.equal(before.status, 200);
  const r = await h.call('admin', 'POST', `/api/v1/users/${op.id}/reset-password`);
  t.equal(r.status, 200);
  const pw = r.json.password as string;
  t.equal(passwordProblem(pw, 'op', loadCommonPasswords()), null, 'the new password follows the rules');
  t.equal((await login(h, 'op', TEST_PASSWORD)).status, 401, 'the old password is gone');
  t.equal((await login(h, 'op', pw)).status, 200, 'the new one works');
  t.equal((await h.app.inject({ url: '/api/v1/auth/me', headers: { cookie: before.cookie } })).statusCode, 401, 'the old session ended');
});

t.test('everyone changes their own password; their other sessions end', async (t) => {
  const h = await testApp(t);
  const a = await login(h, 'unit-a', TEST_PASSWORD);
  const b = await login(h, 'unit-a', TEST_PASSWORD);
  const change = (body: object) => h.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { cookie: a.cookie, 'x-csrf-token': a.csrf }, payload: body });
  t.equal((await change({ current: 'wrong-password', next: 'maple-river-42' })).statusCode, 403, 'the current password is asked');
  t.equal((await change({ current: TEST_PASSWORD, next: 'short' })).statusCode, 400, 'the rules apply');
  t.equal((await change({ current: TEST_PASSWORD, next: 'maple-river-42' })).statusCode, 200);
  t.equal((await h.app.inject({ url: '/api/v1/auth/me', headers: { cookie: a.cookie } })).statusCode, 200, 'this session goes on');
  t.equal((await h.app.inject({ url: '/api/v1/auth/me', headers: { cookie: b.cookie } })).statusCode, 401, 'the other session ended');
  t.equal((await login(h, 'unit-a', 'maple-river-42')).status, 200);
  const viaToken = await h.call('supervisor', 'POST', '/api/v1/auth/password', { current: TEST_PASSWORD, next: 'harbor-lamp-77' });
  t.equal(viaToken.status, 200, 'with an API token too');
});

t.test('API tokens: optional expiry, listed, revoked; a revoked token closes its sockets', async (t) => {
  const h = await testApp(t);
  const base = await listening(h);
  const made = await h.call('operator', 'POST', '/api/v1/tokens', { expiresInDays: 1 });
  t.equal(made.status, 201);
  t.match(made.json, { id: /^[0-9a-f]{16}$/, expiresAt: '2026-11-27T02:00:00.000Z' });
  const short = made.json.token as string;
  const me = (tok: string) => h.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${tok}` } });
  t.equal((await me(short)).statusCode, 200);
  const list = await h.call('operator', 'GET', '/api/v1/tokens');
  t.equal(list.json.items.length, 2, 'the seeded token and the new one');
  t.notOk(JSON.stringify(list.json).includes(short), 'the list never shows a token');
  h.clock.advance(2 * 86400_000);
  t.equal((await me(short)).statusCode, 401, 'expired');
  t.ok((await h.call('operator', 'GET', '/api/v1/tokens')).json.items.some((x: { expired: boolean }) => x.expired));

  const second = (await h.call('operator', 'POST', '/api/v1/tokens', {})).json;
  t.equal(second.expiresAt, null, 'no expiry unless asked');
  const s = await socket(`${base}/ws/operator`, {}, ['bearer', second.token]);
  const other = await socket(`${base}/ws/operator`, { authorization: `Bearer ${h.tokens.operator}` });
  t.equal((await h.call('unitA', 'DELETE', `/api/v1/tokens/${second.id}`)).status, 404, "nobody revokes another's token by guessing");
  t.equal((await h.call('operator', 'DELETE', `/api/v1/tokens/${second.id}`)).status, 200);
  t.equal(await within(s.closed, 1000, 'revoked socket'), 4401, 'its socket closes at once');
  t.equal((await me(second.token)).statusCode, 401);
  t.equal(other.ws.readyState, WebSocket.OPEN, 'a socket of another token stays');
  other.ws.close();
  // An admin lists and revokes anyone's tokens.
  const op = (await h.ctx.users.byName('op'))!;
  const items = (await h.call('admin', 'GET', `/api/v1/users/${op.id}/tokens`)).json.items as { id: string }[];
  for (const x of items) t.equal((await h.call('admin', 'DELETE', `/api/v1/users/${op.id}/tokens/${x.id}`)).status, 200);
  t.equal((await h.call('operator', 'GET', '/api/v1/auth/me')).status, 401, 'revoked by an admin');
});

t.test('logout closes the console socket opened with that session at once', async (t) => {
  const h = await testApp(t);
  const base = await listening(h);
  const a = await login(h, 'sup', TEST_PASSWORD);
  const s = await socket(`${base}/ws/console`, { cookie: a.cookie });
  const out = await h.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: a.cookie, 'x-csrf-token': a.csrf } });
  t.equal(out.statusCode, 200);
  t.equal(await within(s.closed, 1000, 'console socket'), 4401);
});

t.test('CLI: suban user disable / enable / reset-password', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'suban-cli-')), 'cli.db');
  const env = { ...process.env, DATABASE_URL: `sqlite:${file}`, SUBAN_LOG_LEVEL: 'silent' };
  const cfg = loadConfig(env);
  const c = await createContainer(cfg, createLogger('silent'));
  await seed(c, false);
  await c.auth.addUser({ name: 'zhou', role: 'operator', password: 'maple-river-42' });
  await c.close();
  // The bundle, as `npm run suban -- user …` runs it: each child through tsx pays seconds of transforming.
  const bundle = await ensureBundle();
  const run = (...args: string[]) => promisify(execFile)(process.execPath, [bundle, 'user', ...args], { env, timeout: 60_000 });
  t.match((await run('disable', 'zhou')).stdout, /zhou disabled/);
  const reset = (await run('reset-password', 'zhou')).stdout;
  const pw = /: (\S+)\s*$/.exec(reset)?.[1] ?? '';
  t.equal(passwordProblem(pw, 'zhou', loadCommonPasswords()), null, 'printed once, follows the rules');
  t.match((await run('enable', 'zhou')).stdout, /zhou enabled/);
  const c2 = await createContainer(cfg, createLogger('silent'));
  t.teardown(() => c2.close());
  t.ok((await c2.auth.login('zhou', pw)).session, 'the printed password logs in');
  await t.rejects(run('disable', 'nobody'), 'an unknown user is an error');
});
