/**
 * Where a new call's `POST /twilio/voice` spends its time, in-process and without HTTP: the
 * signature check, the first turn of hotline.yaml (runner, progress events, call-start log) with
 * the call state in memory and then in SQLite as the service keeps it, the durable state write
 * alone, the TwiML, and the access-log line. Each is timed over N new calls, 10 at a time (as the
 * HTTP benchmark's 10 connections), so the SQLite writes share commits as they do in the server.
 * Read beside `twilio-webhook.ts`, whose bare handler is what HTTP and Fastify cost by themselves.
 * Run: `npx tsx scripts/bench/twilio-webhook-parts.ts` (N=20000 by default).
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import twilio from 'twilio';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { seed } from '../../src/application/seed.js';
import type { CallSession, CallSessionStore } from '../../src/application/ivr/ports.js';
import { renderTurn } from '../../adapters/twilio/twiml.js';
import { signatureValid } from '../../adapters/twilio/signature.js';
import { machine, TWILIO_BENCH, twilioBenchEnv } from './harness.js';

const PUBLIC_URL = TWILIO_BENCH.publicUrl;
const AUTH_TOKEN = TWILIO_BENCH.authToken;
const N = Number(process.env.N ?? 20_000);
const CONCURRENCY = 10;

/** Call state kept as objects, not copies (the test store's structuredClone would be most of the figure). */
function inMemory(): CallSessionStore {
  const map = new Map<string, CallSession>();
  return { get: async (id) => map.get(id) ?? null, save: async (id, s) => void map.set(id, s) };
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
async function container(memory: boolean): Promise<Container> {
  const config = loadConfig(twilioBenchEnv('suban-parts-'));
  // Production log level, written nowhere: formatting stays in the figure.
  const ctx = await createContainer(config, createLogger('info', sink()), memory ? { voice: { sessions: inMemory() } } : {});
  await seed(ctx, false);
  await ctx.calls.start();
  return ctx;
}

/** CPU time of the main thread alone (µs): process.cpuUsage also counts the GC's and SQLite checkpoint's threads. */
const mainThreadUs = () => {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
};

let n = 0;
const call = () => {
  n++;
  return { AccountSid: 'AC0123456789abcdef0123456789abcdef', CallSid: `CA${n.toString(16).padStart(32, '0')}`, From: `+86138${String(n % 1e8).padStart(8, '0')}`, To: '+8612345000', CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' };
};

const rows: [string, number][] = [];
async function time(label: string, fn: () => unknown): Promise<void> {
  for (let i = 0; i < 500; i++) await fn(); // warm-up
  const m0 = mainThreadUs();
  let left = N;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) await fn();
    }),
  );
  rows.push([label, (mainThreadUs() - m0) / N]);
}

const memory = await container(true);
const durable = await container(false);
const start = (ctx: Container) => () => {
  const c = call();
  return ctx.calls.runner.start({ callId: c.CallSid, flow: 'hotline', caller: c.From, called: c.To, direction: 'inbound' });
};
const sample = call();
const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_URL}/twilio/voice`, sample);
const turn = await memory.calls.runner.start({ callId: sample.CallSid, flow: 'hotline', caller: sample.From, called: sample.To, direction: 'inbound' });
const session = await memory.calls.runner.getSession(sample.CallSid);
const log = createLogger('info', sink());
const req = { method: 'POST', url: '/twilio/voice' };

await time('signature check (HMAC-SHA1)', () => signatureValid(AUTH_TOKEN, signature, `${PUBLIC_URL}/twilio/voice`, sample));
await time('first turn, call state in memory', start(memory));
await time('first turn, call state in SQLite', start(durable));
await time('call state write alone (SQLite)', () => durable.state.put('call', `bench-${n++}`, session, new Date(), new Date(Date.now() + 3600_000)));
await time('TwiML of the first turn', () => renderTurn(turn, PUBLIC_URL));
await time('access-log line', () => log.child({ reqId: 'req-1' }).info({ req, res: { statusCode: 200 }, responseTime: 1 }, 'request completed'));
await memory.calls.stop();
await durable.calls.stop();
await memory.close();
await durable.close();

console.log(`machine: ${machine()}; ${N} new calls per part, ${CONCURRENCY} at a time; main-thread CPU per call`);
console.log('| part of POST /twilio/voice | main thread µs/call |');
console.log('|---|---|');
for (const [label, us] of rows) console.log(`| ${label} | ${us.toFixed(1)} |`);
