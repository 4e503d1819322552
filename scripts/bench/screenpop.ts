/**
 * Webhook → screen pop latency with many operator consoles connected. The service runs here with
 * SUBAN_VOICE=twilio; 500 websocket clients run in a child process. For each call we send the
 * signed `POST /twilio/gather` that puts the caller in the urgent queue and time, on the shared
 * monotonic clock, until each socket has the screen pop.
 * Run: `npx tsx scripts/bench/screenpop.ts` (BENCH_SOCKETS, default 500; BENCH_CALLS, default 100).
 */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import twilio from 'twilio';
import { WebSocket } from 'ws';
import { machine } from './harness.js';

const PUBLIC_URL = 'https://hotline.example.cn';
const AUTH_TOKEN = 'bench-auth-token';
const now = () => process.hrtime.bigint();

if (process.argv[2] === 'clients') {
  const [, , , url, count] = process.argv;
  const got = new Map<string, bigint[]>();
  const sockets: WebSocket[] = [];
  let ready = 0;
  for (let i = 0; i < Number(count); i++) {
    const ws = new WebSocket(url!);
    sockets.push(ws);
    ws.on('message', (d) => {
      const at = now();
      const text = String(d);
      if (text.startsWith('{"type":"screenpop"')) {
        const callId = /"callId":"([^"]+)"/.exec(text)![1]!;
        let a = got.get(callId);
        if (!a) got.set(callId, (a = []));
        a.push(at);
      } else if (text.startsWith('{"type":"waiting"') && ++ready === Number(count)) process.send!({ ready: true });
    });
    ws.on('error', (e) => process.send!({ error: String(e) }));
    // Opening 500 sockets at once would itself be a benchmark of the handshake.
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
  }
  process.on('message', (m: { report?: boolean }) => {
    if (!m.report) return;
    process.send!({ report: Object.fromEntries([...got].map(([k, v]) => [k, v.map(String)])) });
    for (const s of sockets) s.close();
    setTimeout(() => process.exit(0), 200);
  });
} else {
  const sockets = Number(process.env.BENCH_SOCKETS ?? 500);
  const calls = Number(process.env.BENCH_CALLS ?? 100);
  const { loadConfig } = await import('../../src/config.js');
  const { createContainer } = await import('../../src/composition/container.js');
  const { createLogger } = await import('../../src/logger.js');
  const { buildApp } = await import('../../src/web/app.js');
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'suban-bench-')), 'bench.db')}`,
    SUBAN_PUBLIC_URL: PUBLIC_URL,
    SUBAN_VOICE: 'twilio',
    SUBAN_SMS: 'twilio',
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM: '+8612345000',
  });
  const ctx = await createContainer(config, createLogger('info', new Writable({ write: (_c, _e, cb) => cb() })));
  const user = await ctx.auth.addUser({ name: 'bench-op', role: 'operator' });
  const token = await ctx.auth.issueToken(user.id);
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const post = async (path: string, params: Record<string, string>) => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, params) },
      body: new URLSearchParams(params).toString(),
    });
    if (res.status !== 200) throw new Error(`${path} → ${res.status}`);
    return res.text();
  };

  const child = fork(fileURLToPath(import.meta.url), ['clients', `${base.replace('http', 'ws')}/ws/operator?token=${token}`, String(sockets)], { execArgv: ['--import', 'tsx'] });
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : m.error ? reject(new Error(m.error)) : undefined));
    child.once('exit', (c) => reject(new Error(`clients exited ${c}`)));
  });

  const sent = new Map<string, bigint>();
  for (let i = 0; i < calls; i++) {
    const CallSid = `CA${(i + 1).toString(16).padStart(32, '0')}`;
    const p = { CallSid, From: `+86139${String(i).padStart(8, '0')}`, To: '+8612345000' };
    await post('/twilio/voice', p);
    sent.set(CallSid, now());
    await post(`/twilio/gather?callSid=${CallSid}&turn=1`, { ...p, Digits: '1' });
    await new Promise((r) => setTimeout(r, 30));
  }
  await new Promise((r) => setTimeout(r, 500));
  const report = await new Promise<Record<string, string[]>>((resolve) => {
    child.on('message', (m: { report?: Record<string, string[]> }) => m.report && resolve(m.report));
    child.send({ report: true });
  });
  const all: number[] = [];
  const lastPerCall: number[] = [];
  let missing = 0;
  for (const [callId, t0] of sent) {
    const got = (report[callId] ?? []).map((s) => Number(BigInt(s) - t0) / 1e6);
    missing += sockets - got.length;
    all.push(...got);
    if (got.length) lastPerCall.push(Math.max(...got));
  }
  const pct = (a: number[], p: number) => {
    const s = [...a].sort((x, y) => x - y);
    return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
  };
  console.log(`machine: ${machine()}; ${sockets} operator sockets, ${calls} calls`);
  console.log('| measure | p50 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|');
  console.log(`| webhook sent → screen pop at each socket (${all.length} deliveries, ${missing} missing) | ${pct(all, 50).toFixed(1)} | ${pct(all, 99).toFixed(1)} | ${Math.max(...all).toFixed(1)} |`);
  console.log(`| webhook sent → screen pop at the last of ${sockets} sockets | ${pct(lastPerCall, 50).toFixed(1)} | ${pct(lastPerCall, 99).toFixed(1)} | ${Math.max(...lastPerCall).toFixed(1)} |`);
  await app.close();
  await ctx.close();
}
