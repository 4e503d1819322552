import t from 'tap';
import { testApp, TEST_PASSWORD } from '../helpers/app.js';
import { loadConfig } from '../../src/config.js';
import { passwordProblem } from '../../src/domain/password-policy.js';
import { loadCommonPasswords } from '../../adapters/fs-config/common-passwords.js';
import { seed } from '../../src/application/seed.js';

/** Issue 19, item 1: password guessing is throttled, X-Forwarded-For is trusted only from configured proxies, password rules. */

const login = (h: Awaited<ReturnType<typeof testApp>>, name: string, password: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { name, password }, headers });

t.test('a new X-Forwarded-For per request does not reset the login limits (no proxy configured)', async (t) => {
  const h = await testApp(t);
  const statuses: number[] = [];
  for (let i = 0; i < 15; i++) statuses.push((await login(h, 'op', 'wrong-password', { 'x-forwarded-for': `203.0.113.${i + 1}` })).statusCode);
  t.same(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
  t.ok(statuses.slice(5).every((s) => s === 429), `every guess after the fifth is refused: ${statuses.join(',')}`);
});

t.test('SUBAN_TRUST_PROXY: addresses and CIDRs, default none', async (t) => {
  t.same(loadConfig({}).trustProxy, []);
  t.same(loadConfig({ SUBAN_TRUST_PROXY: '10.0.0.5, 172.16.0.0/12,::1' }).trustProxy, ['10.0.0.5', '172.16.0.0/12', '::1']);
  for (const bad of ['true', '10.0.0.0/33', 'proxy.local', '1.2.3.4/8/1']) t.throws(() => loadConfig({ SUBAN_TRUST_PROXY: bad }), { message: /SUBAN_TRUST_PROXY/ }, bad);
  // inject connects from 127.0.0.1: only when that is a configured proxy does X-Forwarded-For name the client.
  const ipRoute = { plugins: [async (app: import('fastify').FastifyInstance) => void app.get('/test/ip', async (req) => ({ ip: req.ip }))] };
  const plain = await testApp(t, { app: ipRoute });
  const proxied = await testApp(t, { env: { SUBAN_TRUST_PROXY: '127.0.0.1' }, app: ipRoute });
  const ask = async (x: typeof plain) => (await x.app.inject({ url: '/test/ip', headers: { 'x-forwarded-for': '198.51.100.9' } })).json().ip;
  t.equal(await ask(plain), '127.0.0.1', 'not configured: the header is ignored');
  t.equal(await ask(proxied), '198.51.100.9', 'configured: the proxy names the client');
});

t.test('per account: a growing lock that even the right password cannot pass, logged, lifted by an admin', async (t) => {
  const h = await testApp(t);
  for (let i = 0; i < 5; i++) t.equal((await login(h, 'op', 'wrong-password')).statusCode, 401);
  const locked = await login(h, 'op', TEST_PASSWORD);
  t.equal(locked.statusCode, 429, 'locked: the right password is refused too');
  t.equal(locked.json().error.code, 'login_locked');
  t.equal(locked.headers['retry-after'], '60', 'first lock: one minute');
  t.match(h.logs.text, /login locked/, 'the lock is logged');
  t.notMatch(h.logs.text, new RegExp(TEST_PASSWORD), 'the password never reaches the log');
  h.clock.advance(61_000);
  t.equal((await login(h, 'op', 'wrong-password')).statusCode, 401, 'after the lock a guess is answered again');
  const again = await login(h, 'op', TEST_PASSWORD);
  t.equal(again.statusCode, 429, 'one more wrong password locks again');
  t.equal(again.headers['retry-after'], '120', 'the lock grows (doubles)');
  // Another account from the same address is not locked out by op's lock.
  t.equal((await login(h, 'sup', TEST_PASSWORD)).statusCode, 200);
  // An admin lifts the lock.
  const op = (await h.ctx.users.byName('op'))!;
  t.equal((await h.call('operator', 'POST', `/api/v1/users/${op.id}/unlock`)).status, 403, 'only an admin');
  const lift = await h.call('admin', 'POST', `/api/v1/users/${op.id}/unlock`);
  t.equal(lift.status, 200);
  t.equal(lift.json.wasLocked, true);
  t.equal((await login(h, 'op', TEST_PASSWORD)).statusCode, 200, 'the right password works once lifted');
  const audit = await h.ctx.audit.list(`user:${op.id}`);
  t.ok(audit.some((a) => a.kind === 'login.locked') && audit.some((a) => a.kind === 'login.unlocked'), 'lock and unlock are audited');
});

t.test('per address: one address guessing over many accounts is locked', async (t) => {
  const h = await testApp(t);
  const outcomes: string[] = [];
  for (let i = 0; i < 22; i++) {
    try {
      await h.ctx.auth.login(`nobody-${i}`, 'wrong-password', '198.51.100.7');
      outcomes.push('ok');
    } catch (e) {
      outcomes.push((e as { code: string }).code);
    }
  }
  t.equal(outcomes.filter((o) => o === 'bad_credentials').length, 20);
  t.equal(outcomes[21], 'login_locked');
  await t.rejects(h.ctx.auth.login('op', TEST_PASSWORD, '198.51.100.7'), { code: 'login_locked' }, 'the address is locked for every account');
  t.ok((await h.ctx.auth.login('op', TEST_PASSWORD, '198.51.100.8')).session, 'another address is not');
  // An admin sees the address lock and lifts it (an office behind one shared address).
  const locks = (await h.call('admin', 'GET', '/api/v1/login-locks')).json.items as { key: string }[];
  t.ok(locks.some((l) => l.key === 'address:198.51.100.7'), 'listed');
  t.equal((await h.call('supervisor', 'GET', '/api/v1/login-locks')).status, 403, 'admins only');
  t.equal((await h.call('admin', 'DELETE', `/api/v1/login-locks/${encodeURIComponent('address:198.51.100.7')}`)).json.wasLocked, true);
  t.ok((await h.ctx.auth.login('op', TEST_PASSWORD, '198.51.100.7')).session, 'lifted');
});

t.test('password rules: length, common list, not the user name', async (t) => {
  const h = await testApp(t);
  const add = (name: string, password: string) => h.call('admin', 'POST', '/api/v1/users', { name, role: 'operator', password });
  for (const [name, pw] of [
    ['user-a', 'short-pw1'],
    ['user-b', 'password123'],
    ['user-c', 'Qwertyuiop'],
    ['zhangsan', 'zhangsan2026!'],
    ['lisi-lisi', 'LISI-LISI'],
  ] as const) {
    const r = await add(name, pw);
    t.equal(r.status, 400, `${name}/${pw} refused`);
    t.equal(r.json.error.code, 'weak_password');
  }
  t.equal((await add('user-ok', 'maple-river-42')).status, 201, 'a decent password is accepted');
  t.equal(passwordProblem('maple-river-42', 'user-ok', loadCommonPasswords()), null);
});

t.test("the demo's generated passwords follow the rules", async (t) => {
  const h = await testApp(t);
  const r = await seed(h.ctx, true);
  t.ok(r.createdUsers.length >= 5);
  for (const u of r.createdUsers) t.equal(passwordProblem(u.password, u.name, loadCommonPasswords()), null, `${u.name}`);
});
