/**
 * `npm run demo` on a fresh checkout (issue 20, item 3), from source in a directory of its own:
 * the start output is short and ends with the passwords, the console URL and three 「试一试」 lines;
 * the calendar warning is one short line; no request is logged at info; logs are JSON lines when
 * stdout is not a terminal; the history is there (rates, hotspots); the 试一试 commands work as
 * printed: `suban call` pops through the running demo and `suban wechat --say` gets the mock bot's
 * answer.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { freePort } from '../helpers/proc.js';
import { ensureBundle } from '../helpers/bundle.js';

const ROOT = resolve(import.meta.dirname, '../..');
// A demo start from source on a busy 2-core machine takes tens of seconds before anything is tested.
t.setTimeout(300_000);
const LINKED = ['package.json', 'node_modules', 'config', 'ivr-flows', 'src', 'adapters', 'scripts', 'console'];

t.test('a first demo start: short output, history, and the three things to try', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'suban-demo-start-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of LINKED) symlinkSync(join(ROOT, f), join(dir, f));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, SUBAN_PORT: String(port), SUBAN_HOST: '127.0.0.1', SUBAN_PUBLIC_URL: `http://127.0.0.1:${port}`, SUBAN_API_TOKEN: '' };
  for (const k of Object.keys(env)) if (k.startsWith('TAP') || k.startsWith('SUBAN_LOG') || k === 'DATABASE_URL' || k.startsWith('WECHATY')) delete env[k];
  const demo = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'demo'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (b: Buffer) => (out += b.toString()));
  demo.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => demo.once('exit', () => r()));
  t.teardown(async () => {
    demo.kill('SIGTERM');
    await exited;
  });
  const wait = async (re: RegExp, ms: number) => {
    const end = Date.now() + ms;
    while (!re.test(out)) {
      if (Date.now() > end || demo.exitCode !== null) throw new Error(`no ${re} in the demo's output:\n${out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await wait(/3\. 给微信机器人发消息.*\n/, 110_000);

  const lines = out.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const passwords = at(/^演示账号 demo users/);
  const tryThis = at(/^试一试 try this:/);
  t.ok(passwords >= 0, 'the passwords');
  t.ok(tryThis > passwords, '试一试 after the passwords');
  t.match(lines[tryThis + 1], new RegExp(`^  1\\. 打开话务台 open the console: http://127\\.0\\.0\\.1:${port}/`));
  t.match(lines[tryThis + 2], /^  2\. 模拟来电 place a call .*npm run --silent suban -- call --from 13800000000 --press 1 --say "/);
  t.match(lines[tryThis + 3], /^  3\. 给微信机器人发消息 .*npm run --silent suban -- wechat --say "/);
  t.match(out, /演示历史 demo history: \d{3} 件样例工单/);
  // Not a terminal: JSON lines, and short ones; the calendar warning (when the next 60 days reach a year without data) is one short line.
  const logLines = lines.filter((l) => l.startsWith('{'));
  for (const l of logLines) t.doesNotThrow(() => JSON.parse(l), 'a JSON log line');
  const calendar = logLines.filter((l) => l.includes('节假日'));
  t.ok(calendar.length <= 1, 'at most one calendar line');
  for (const l of calendar) t.ok((JSON.parse(l) as { msg: string }).msg.length < 100, `a short calendar warning: ${(JSON.parse(l) as { msg: string }).msg}`);
  t.ok(lines.slice(0, tryThis).filter((l) => l.trim()).length < 40, `a short start (${tryThis} lines up to 试一试)`);

  // Requests are logged at debug in the demo: none of these shows.
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 3; i++) t.equal((await fetch(`${base}/healthz`)).status, 200);
  const login = async (name: string) => {
    const pw = new RegExp(`^  \\S+\\s+${name}\\s+(\\S+)`, 'm').exec(out)?.[1];
    const res = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password: pw }) });
    t.equal(res.status, 200, `${name} signs in with the printed password`);
    return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  };
  const cookie = await login('supervisor');
  const rates = (await (await fetch(`${base}/api/v1/stats/rates?groupBy=city`, { headers: { cookie } })).json()) as { rows: { accepted: number; satisfaction: { rate: number | null } }[] };
  t.ok(rates.rows[0]!.accepted > 0 && rates.rows[0]!.satisfaction.rate !== null, 'the board has figures this month');
  const hot = (await (await fetch(`${base}/api/v1/supervision/hotspots?status=open`, { headers: { cookie } })).json()) as { items: { title: string }[] };
  t.ok(hot.items.some((a) => /井盖/.test(a.title)), 'and a hotspot');
  // The board's trend lines and its map have data on the first start (issue 20, item 8).
  const trend = (await (await fetch(`${base}/api/v1/stats/trend?interval=week&periods=12`, { headers: { cookie } })).json()) as { points: { accepted: number; response: { rate: number | null } }[] };
  t.ok(trend.points.filter((p) => p.accepted > 0 && p.response.rate !== null).length >= 8, 'weekly 三率 lines over the history');
  const places = (await (await fetch(`${base}/api/v1/stats/places?from=${new Date(Date.now() - 30 * 86400_000 + 8 * 3600_000).toISOString().slice(0, 10)}`, { headers: { cookie } })).json()) as { townships: unknown[]; points: unknown[]; tiles: unknown };
  t.ok(places.townships.length >= 10 && places.points.length >= 5, `townships (${places.townships.length}) and located tickets (${places.points.length}) for the map`);
  t.equal(places.tiles, null, 'no tiles by default: nothing is fetched from outside');
  // A line the demo does log at its default level (a warning): a live socket from another site. It
  // comes after any line the requests above made, so once it is in the output, so are they.
  const elsewhere = new WebSocket(`ws://127.0.0.1:${port}/ws/console`, { origin: 'http://elsewhere.example' });
  elsewhere.on('error', () => undefined);
  await wait(/websocket upgrade from another origin refused/, 20_000);
  elsewhere.terminate();
  t.notMatch(out, /request completed/, 'no request lines at the default level');

  // The second and third lines work as printed (the CLI finds the demo on SUBAN_PORT, and its admin in ./data):
  // `npm run suban` is the bundle (the demo itself starts from source above).
  const bundle = await ensureBundle();
  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
      const c = spawn(process.execPath, [bundle, ...args], { cwd: dir, env: { ...env, SUBAN_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let so = '';
      let se = '';
      c.stdout.on('data', (b: Buffer) => (so += b.toString()));
      c.stderr.on('data', (b: Buffer) => (se += b.toString()));
      c.on('close', (code) => res({ code, stdout: so, stderr: se }));
    });
  await wait(/WeChat bot started/, 60_000);
  const chat = await cli(['wechat', '--say', '小区门口的路灯坏了，晚上很黑']);
  t.equal(chat.code, 0, `wechat exit 0 (${chat.stderr.slice(0, 300)})`);
  t.match(chat.stdout, /微信 wxid_demo_citizen → 12345: 小区门口的路灯坏了/);
  t.match(chat.stdout, /12345 → wxid_demo_citizen: /, 'the bot answered');
  const call = await cli(['call', '--from', '13800000000', '--press', '2', '--say', '红都大道有井盖丢了', '--hold', '0']);
  t.equal(call.code, 0, `call exit 0 (${call.stderr.slice(0, 300)})`);
  t.match(call.stdout, /经运行中的服务 via the running server/);
});
