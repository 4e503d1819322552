/**
 * Twilio voice webhook throughput: every request is a new call (`POST /twilio/voice`, signed,
 * form-encoded: signature check, IVR runner start, call state written to SQLite, TwiML built),
 * against a bare Fastify form handler returning fixed TwiML, measured in the same run. A third
 * target, the whole app around a handler returning fixed TwiML, shows what the app's hooks cost
 * before the webhook does anything.
 * Run: `npx tsx scripts/bench/twilio-webhook.ts` (BENCH_SECONDS per window, default 8).
 * On a shared machine: BENCH_ROUNDS=3 measures every target that many times, round-robin, and
 * keeps each target's best window (req/s) and least CPU time per request (whole process, which
 * includes the SQLite checkpoint thread, and the main thread that serves HTTP).
 * Profiling: BENCH_PROFILE=1 starts the targets with `--cpu-prof` (profiles in BENCH_PROFILE_DIR, default /tmp/cpuprof),
 * BENCH_ONLY=serve-twilio runs one target only.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import twilio from 'twilio';
import { load, machine, TWILIO_BENCH, twilioBenchEnv, type Result } from './harness.js';

const PUBLIC_URL = TWILIO_BENCH.publicUrl;
const AUTH_TOKEN = TWILIO_BENCH.authToken;
const role = process.argv[2];

/**
 * Targets report the CPU time they used since they were ready on SIGUSR2: per request it is a
 * figure that other load on a shared machine changes less than req/s.
 */
async function ready(app: import('fastify').FastifyInstance, close: () => Promise<void> = async () => undefined): Promise<void> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const c0 = process.cpuUsage();
  process.on('SIGUSR2', () => {
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ cpuUs: c.user + c.system }));
  });
  process.on('SIGTERM', async () => {
    await app.close();
    await close();
    process.exit(0);
  });
  console.log(JSON.stringify({ port: (app.server.address() as { port: number }).port }));
}

if (role === 'serve-bare') {
  const app = Fastify();
  await app.register(formbody);
  const twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="cmn-CN">您好</Say><Hangup/></Response>';
  app.post('/bare', async (_req, reply) => reply.type('text/xml').send(twiml));
  await ready(app);
} else if (role === 'serve-twilio' || role === 'serve-app-fixed') {
  const { loadConfig } = await import('../../src/config.js');
  const { createContainer } = await import('../../src/composition/container.js');
  const { createLogger } = await import('../../src/logger.js');
  const { buildApp } = await import('../../src/web/app.js');
  const { seed } = await import('../../src/application/seed.js');
  // The limiter stays on (its cost is part of the figure) but must not answer 429 at bench rates.
  const config = loadConfig(twilioBenchEnv('suban-bench-', { SUBAN_WEBHOOK_RATE_LIMIT: '100000000' }));
  // Production log level (info), written nowhere: the cost of formatting stays in the figure.
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const ctx = await createContainer(config, createLogger('info', sink));
  await seed(ctx, false);
  // serve-app-fixed: the whole app (hooks, logging, limiter, metrics) around a handler returning
  // fixed TwiML: the ceiling any /twilio/voice work can reach inside this app.
  const fixed = '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="cmn-CN">您好</Say><Hangup/></Response>';
  const plugins = role === 'serve-app-fixed' ? [async (a: import('fastify').FastifyInstance) => void a.post('/twilio/bench-fixed', async (_req, reply) => reply.type('text/xml').send(fixed))] : [];
  const app = await buildApp(ctx, { webhooks: plugins });
  // As the server does before it listens: the classifier's worker thread trains at start, and that is no request's cost.
  await ctx.classifierReady();
  await ready(app, () => ctx.close());
} else {
  const duration = Number(process.env.BENCH_SECONDS ?? 8);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
  const start = async (kind: string) => {
    const prof = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR ?? '/tmp/cpuprof'}`] : [];
    const proc = spawn(process.execPath, [...prof, '--import', 'tsx', 'scripts/bench/twilio-webhook.ts', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
    const cpuWaiters: ((us: number) => void)[] = [];
    const port = await new Promise<number>((resolve, reject) => {
      createInterface({ input: proc.stdout! }).on('line', (l) => {
        try {
          const j = JSON.parse(l) as { port?: number; cpuUs?: number };
          if (typeof j.port === 'number') resolve(j.port);
          if (typeof j.cpuUs === 'number') cpuWaiters.shift()?.(j.cpuUs);
        } catch {
          /* log line */
        }
      });
      proc.once('exit', (c) => reject(new Error(`${kind} exited ${c}`)));
    });
    return {
      port,
      pid: proc.pid!,
      cpuUs: () => new Promise<number>((r) => (cpuWaiters.push(r), proc.kill('SIGUSR2'))),
      stop: () => new Promise<void>((r) => (proc.once('exit', () => r()), proc.kill('SIGTERM'))),
    };
  };
  let n = 0;
  const form = () => {
    const params = { CallSid: `CA${(++n).toString(16).padStart(32, '0')}`, From: `+86138${String(n % 1e8).padStart(8, '0')}`, To: '+8612345000', CallStatus: 'ringing', Direction: 'inbound' };
    return { body: new URLSearchParams(params).toString(), signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/twilio/voice`, params) };
  };
  const paths: Record<string, string> = { 'serve-bare': '/bare', 'serve-app-fixed': '/twilio/bench-fixed', 'serve-twilio': '/twilio/voice' };
  const kinds = Object.keys(paths).filter((k) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY === k);
  const best: Record<string, Result & { cpuPerReq: number; mainPerReq: number }> = {};
  // Idle targets cost nothing: all are started first, then measured in turn, round after round.
  const targets = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await start(k)] as const)));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const kind of kinds) {
        const target = targets[kind]!;
        const before = await target.cpuUs();
        const r = await load({
          url: `http://127.0.0.1:${target.port}${paths[kind]}`,
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
        }, target.pid);
        const cpuPerReq = ((await target.cpuUs()) - before) / r.total;
        const b = best[kind];
        best[kind] = { ...(!b || r.rps > b.rps ? r : b), cpuPerReq: Math.min(cpuPerReq, b?.cpuPerReq ?? Infinity), mainPerReq: Math.min(r.mainCpuUs ?? Infinity, b?.mainPerReq ?? Infinity) };
      }
    }
  } finally {
    await Promise.all(Object.values(targets).map((t) => t.stop()));
  }
  console.log(`machine: ${machine()}; ${duration} s per window, ${rounds === 1 ? '1 window' : `best of ${rounds} windows`} per target, ${process.env.BENCH_CONNECTIONS ?? 10} connections`);
  console.log('| target | req/s | p50 ms | p99 ms | errors | non-2xx | ratio to bare | target CPU µs/req | main thread µs/req |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const row = (label: string, kind: string) => {
    const r = best[kind];
    if (!r) return;
    const bare = best['serve-bare'];
    console.log(`| ${label} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${bare ? (r.rps / bare.rps).toFixed(3) : '-'} | ${r.cpuPerReq.toFixed(0)} | ${r.mainPerReq.toFixed(0)} |`);
  };
  row('bare Fastify form handler, fixed TwiML (baseline)', 'serve-bare');
  row('whole app, fixed TwiML under /twilio/ (hooks, logs, limiter; no signature, no state)', 'serve-app-fixed');
  row('POST /twilio/voice, new call each (signature, runner, SQLite)', 'serve-twilio');
}
