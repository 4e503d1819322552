/**
 * `suban call` with a server running (issue 20, item 2): the CLI places the call through the
 * server's simulator API, so an operator's desk socket receives the screen pop live and can answer
 * the queued caller; without a token the CLI acts as the demo admin with a short-lived token it
 * revokes afterwards; with no server it says so and exits 1.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { testApp } from '../helpers/app.js';
import type { Engine } from '../helpers/db.js';
import { ensureBundle } from '../helpers/bundle.js';

const IN_HOURS = '2026-11-26T02:00:00Z';
const ENGINES: Engine[] = ['sqlite', ...(process.env.SUBAN_TEST_PG_URL ? (['pg'] as const) : [])];
if (!process.env.SUBAN_TEST_PG_URL) t.comment('PostgreSQL variant skipped: SUBAN_TEST_PG_URL is not set');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// The bundle, as `npm run suban -- call` runs it; each child through tsx pays seconds of transforming.
const bundle = await ensureBundle();

function suban(args: string[], env: Record<string, string>, onStdout?: (text: string) => void) {
  const child = spawn(process.execPath, [bundle, ...args], { env: { ...process.env, SUBAN_LOG_LEVEL: 'silent', SUBAN_API_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onStdout?.(stdout);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  void done.finally(() => clearTimeout(timer));
  return { child, done };
}

function desk(url: string, token: string) {
  const messages: { type: string; [k: string]: any }[] = [];
  const ws = new WebSocket(url, ['bearer', token]);
  ws.on('message', (d) => messages.push(JSON.parse(String(d))));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = async (type: string, ms = 30_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const m = messages.find((x) => x.type === type);
      if (m) return m;
      if (Date.now() > until) throw new Error(`no ${type} within ${ms} ms; got ${messages.map((x) => x.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { ws, opened, next, messages };
}

for (const engine of ENGINES) {
  t.test(`${engine}: the CLI's call pops live on a desk socket of the running server`, async (t) => {
    const h = await testApp(t, { engine, now: IN_HOURS });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (h.app.server.address() as { port: number }).port;
    const base = `http://127.0.0.1:${port}`;
    const d = desk(`ws://127.0.0.1:${port}/ws/operator`, h.tokens.operator);
    t.teardown(() => d.ws.close());
    await d.opened;

    let sawQueued!: () => void;
    const queuedLine = new Promise<void>((r) => (sawQueued = r));
    const cli = suban(['call', '--from', '13800000021', '--press', '1', '--say', '红都大道有路面塌陷，有车辆被困', '--server', base, '--token', h.tokens.operator, '--hold', '30'], {}, (out) => {
      if (out.includes('排队中 queued')) sawQueued();
    });
    const msg = await d.next('screenpop');
    const pop = msg.pop;
    t.match(pop, { caller: '13800000021', queue: 'urgent', ivrPath: '主菜单 1 即办/紧急', draft: { urgent: true, channel: 'phone' } }, 'the desk got the pop of the CLI call');
    t.match(pop.callId, /^SIM-IN-/);
    await queuedLine;
    // The operator picks it up on the desk (the console posts this when its user takes the call).
    const answered = await h.call('operator', 'POST', `/api/v1/sim/calls/${encodeURIComponent(pop.callId)}/answer`);
    t.equal(answered.status, 200, 'the desk answers the queued CLI caller');
    const r = await cli.done;
    t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.slice(0, 300)})`);
    t.match(r.stdout, /经运行中的服务 via the running server http:\/\/127\.0\.0\.1:\d+/);
    t.match(r.stdout, /IVR 路径 path:\s+主菜单 1 即办\/紧急/);
    t.match(r.stdout, /弹屏 screen pop: 1 次送到话务台/);
    const view = await h.call('operator', 'GET', `/api/v1/sim/calls/${encodeURIComponent(pop.callId)}`);
    t.equal(view.status, 200);
    t.equal(view.json.queued, false);
    t.ok(view.json.call.endedAt, 'the call ended');
    t.equal(view.json.screenPops.length, 1);
  });
}

t.test('without a token the CLI acts as the demo admin for this call only; a bad token or a unit user is refused clearly', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'suban-cli-call-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = `sqlite:${join(dir, 'suban.db')}`;
  const h = await testApp(t, { now: IN_HOURS, env: { DATABASE_URL: db } });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;

  // No demo admin in this database: the CLI asks for a token.
  let r = await suban(['call', '--from', '13800000022', '--press', '2', '--server', base, '--hold', '0'], { DATABASE_URL: db }).done;
  t.equal(r.code, 2, 'usage error without a token or a demo admin');
  t.match(r.stderr, /需要 API 令牌.*--token/);

  const admin = await h.ctx.users.create({ id: randomUUID(), name: 'admin', role: 'admin', unit: null, displayName: null, phone: null, disabled: false, passwordHash: null }, h.clock.now());
  r = await suban(['call', '--from', '13800000022', '--press', '2', '--say', '小区门口的路灯坏了好几天了', '--server', base, '--hold', '0'], { DATABASE_URL: db }).done;
  t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr.slice(0, 300)})`);
  t.match(r.stdout, /经运行中的服务/);
  t.match(r.stdout, /工单 ticket:\s+\d{8}-\d{4}/, 'the call left a ticket on the server');
  t.same(await h.ctx.auth.listTokens(admin.id), [], "the demo admin's call token is revoked after the call");

  r = await suban(['call', '--from', '13800000023', '--server', base, '--token', 'sbn_not-a-token'], {}).done;
  t.equal(r.code, 1);
  t.match(r.stderr, /拒绝了令牌/);
  r = await suban(['call', '--from', '13800000023', '--server', base, '--token', h.tokens.unitA], {}).done;
  t.equal(r.code, 1);
  t.match(r.stderr, /无权模拟来电/);
});

t.test('with no server running the CLI says so and exits 1 (no desk could see a call)', async (t) => {
  const r = await suban(['call', '--from', '13800000024', '--server', 'http://127.0.0.1:9'], {}).done;
  t.equal(r.code, 1);
  t.match(r.stderr, /没有运行中的服务 \(no Suban server answers at http:\/\/127\.0\.0\.1:9\)/);
  t.match(r.stderr, /npm run demo/);
  t.equal(r.stdout, '');
});
