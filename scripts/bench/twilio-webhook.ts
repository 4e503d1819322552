/**
 * Twilio voice webhook throughput: every request is a new call (`POST /twilio/voice`, signed,
 * form-encoded: signature check, IVR runner start, call state written to SQLite, TwiML built),
 * against a bare Fastify form handler returning fixed TwiML, measured in the same run.
 * Run: `npx tsx scripts/bench/twilio-webhook.ts` (BENCH_SECONDS, default 8).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import twilio from 'twilio';
import { load, machine, type Result } from './harness.js';

const PUBLIC_URL = 'https://hotline.example.cn';
const AUTH_TOKEN = 'bench-auth-token';
const role = process.argv[2];

if (role === 'serve-bare') {
  const app = Fastify();
  await app.register(formbody);
  const twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="cmn-CN">您好</Say><Hangup/></Response>';
  app.post('/bare', async (_req, reply) => reply.type('text/xml').send(twiml));
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port }));
} else if (role === 'serve-twilio') {
  const { loadConfig } = await import('../../src/config.js');
  const { createContainer } = await import('../../src/container.js');
  const { createLogger } = await import('../../src/logger.js');
  const { buildApp } = await import('../../src/web/app.js');
  const { seed } = await import('../../src/application/seed.js');
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'suban-bench-')), 'bench.db')}`,
    SUBAN_PUBLIC_URL: PUBLIC_URL,
    SUBAN_LOG_LEVEL: 'info',
    SUBAN_VOICE: 'twilio',
    SUBAN_SMS: 'twilio',
    TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM: '+8612345000',
  });
  // Production log level (info), written nowhere: the cost of formatting stays in the figure.
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const ctx = await createContainer(config, createLogger('info', sink));
  await seed(ctx, 'config/units.json', false);
  const app = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port }));
  process.on('SIGTERM', async () => {
    await app.close();
    await ctx.close();
    process.exit(0);
  });
} else {
  const duration = Number(process.env.BENCH_SECONDS ?? 8);
  const start = async (kind: string) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/twilio-webhook.ts', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).on('line', (l) => {
        try {
          const j = JSON.parse(l) as { port?: number };
          if (typeof j.port === 'number') resolve(j.port);
        } catch {
          /* log line */
        }
      });
      proc.once('exit', (c) => reject(new Error(`${kind} exited ${c}`)));
    });
    return { port, stop: () => new Promise<void>((r) => (proc.once('exit', () => r()), proc.kill('SIGTERM'))) };
  };
  let n = 0;
  const form = () => {
    const params = { CallSid: `CA${(++n).toString(16).padStart(32, '0')}`, From: `+86138${String(n % 1e8).padStart(8, '0')}`, To: '+8612345000', CallStatus: 'ringing', Direction: 'inbound' };
    return { body: new URLSearchParams(params).toString(), signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/twilio/voice`, params) };
  };
  const results: Record<string, Result> = {};
  for (const kind of ['serve-bare', 'serve-twilio']) {
    const target = await start(kind);
    try {
      const path = kind === 'serve-bare' ? '/bare' : '/twilio/voice';
      results[kind] = await load({
        url: `http://127.0.0.1:${target.port}${path}`,
        method: 'POST',
        duration,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        requests: [
          {
            setupRequest: (req) => {
              const f = form();
              return { ...req, body: f.body, headers: { ...req.headers, 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': f.signature } };
            },
          },
        ],
      });
    } finally {
      await target.stop();
    }
  }
  const bare = results['serve-bare']!;
  const tw = results['serve-twilio']!;
  console.log(`machine: ${machine()}; ${duration} s per target, 10 connections`);
  console.log('| target | req/s | p50 ms | p99 ms | errors | non-2xx | ratio to bare |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| bare Fastify form handler, fixed TwiML (baseline) | ${bare.rps.toFixed(0)} | ${bare.p50} | ${bare.p99} | ${bare.errors} | ${bare.non2xx} | 1.000 |`);
  console.log(`| POST /twilio/voice, new call each (signature, runner, SQLite) | ${tw.rps.toFixed(0)} | ${tw.p50} | ${tw.p99} | ${tw.errors} | ${tw.non2xx} | ${(tw.rps / bare.rps).toFixed(3)} |`);
}
