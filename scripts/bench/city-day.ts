/**
 * A city's day in fast-forward: 20,000 hotline calls (Twilio webhooks, the whole IVR flow to a
 * recorded message and a ticket) and 5,000 WeChat Official Account messages (conversations of
 * three messages ending in a ticket), fired as fast as the service takes them, against one
 * `suban serve` and then two behind a round-robin balancer, each on a fresh PostgreSQL schema.
 *
 *   SUBAN_TEST_PG_URL=postgres://… npx tsx scripts/bench/city-day.ts [--scale 0.05] [--concurrency 16]
 *
 * --scale 1 is the full day; the default 0.05 (1,000 calls, 250 messages) runs in a minute or two.
 * Prints a Markdown table: throughput, p50/p99 per webhook, errors, and the two/one ratio, all
 * measured in the same run on the same machine. The load generator shares the machine's cores
 * with the servers and PostgreSQL: on 2 cores a second instance mostly shows what it costs.
 */
import { parseArgs } from 'node:util';
import { startServe, type ServeProcess } from '../../test/helpers/proc.js';
import { HOTLINE, PG_URL, prepare, twilioSid, twilioTo, twimlAttr, wechatTo, type Answer } from '../../test/reliability/harness.js';
import { machine } from './harness.js';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '0.05' }, concurrency: { type: 'string', default: '16' } } });
const scale = Number(values.scale);
const concurrency = Number(values.concurrency);
const CALLS = Math.round(20_000 * scale);
const MESSAGES = Math.round(5_000 * scale);
const CHATS = Math.ceil(MESSAGES / 3);
if (!PG_URL) {
  console.error('set SUBAN_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test): each phase runs in a schema of its own there');
  process.exit(2);
}

interface Phase {
  instances: number;
  seconds: number;
  requests: number;
  latencies: number[];
  errors: number;
  tickets: number;
  callsDone: number;
  chatsDone: number;
}

const cleanups: (() => unknown)[] = [];
const teardown = { teardown: (fn: () => unknown) => void cleanups.push(fn) };

async function runPhase(instances: number): Promise<Phase> {
  const p = await prepare(teardown, 'pg');
  const servers: ServeProcess[] = [];
  for (let i = 0; i < instances; i++) servers.push(await startServe(teardown, { name: `bench-${i}`, env: p.env({ SUBAN_LOG_LEVEL: 'error', SUBAN_DB_POOL: '8' }) }));
  let rr = 0;
  const next = () => servers[rr++ % servers.length]!.url;
  const latencies: number[] = [];
  let errors = 0;
  let callsDone = 0;
  let chatsDone = 0;
  /** one webhook through the balancer: each request may land on any instance */
  const timed = async (fn: (url: string) => Promise<Answer>): Promise<Answer | null> => {
    const t0 = performance.now();
    const r = await fn(next());
    latencies.push(performance.now() - t0);
    if (r.status < 200 || r.status >= 300) {
      errors++;
      return null;
    }
    return r;
  };
  const salt = `${instances}${Date.now().toString(36)}`;

  const call = async (n: number) => {
    const base = { CallSid: twilioSid('CA', n, salt), From: `+86135${String(n).padStart(8, '0')}`, To: HOTLINE };
    let r = await timed((u) => twilioTo(u).post('/twilio/voice', base));
    for (let step = 0; r && step < 6; step++) {
      const gather = twimlAttr(r.body, 'Gather', 'action');
      const enqueue = twimlAttr(r.body, 'Enqueue', 'action');
      const record = twimlAttr(r.body, 'Record', 'action');
      const b: Answer = r;
      if (gather) r = await timed((u) => twilioTo(u).post(gather, { ...base, Digits: /请按3/.test(b.body) ? '3' : '2' }));
      else if (enqueue) r = await timed((u) => twilioTo(u).post(enqueue, { ...base, QueueResult: 'leave', QueueTime: '180' }));
      else if (record) r = await timed((u) => twilioTo(u).post(record, { ...base, RecordingUrl: `https://api.twilio.com/rec/RE${n}`, RecordingDuration: '20' }));
      else break;
    }
    if (r && /工单编号是/.test(r.body)) callsDone++;
  };
  const chat = async (n: number) => {
    const openid = `oBench${salt}${n}`;
    const id = (k: number) => `${Date.now()}${n}${k}`;
    const texts: Parameters<ReturnType<typeof wechatTo>>[0][] = [
      { openid, msgId: id(1), type: 'text', content: `红旗大道${n}号附近的路灯坏了，晚上很黑，电话1391234${String(n % 10_000).padStart(4, '0')}` },
      { openid, msgId: id(2), type: 'location', lat: 25.88, lng: 116.02, label: `江西省瑞金市象湖镇红旗大道${n}号` },
      { openid, msgId: id(3), type: 'text', content: '是' },
    ];
    let last: Answer | null = null;
    for (const m of texts) if (!(last = await timed((u) => wechatTo(u)(m)))) return;
    if (last && /工单号/.test(last.body)) chatsDone++;
  };

  // Calls and conversations interleaved as they would arrive during the day.
  const work: (() => Promise<void>)[] = [];
  for (let i = 0, c = 0, w = 0; c < CALLS || w < CHATS; i++) {
    if (c < CALLS && (w >= CHATS || i % Math.max(1, Math.round(CALLS / Math.max(CHATS, 1)) + 1) !== 0)) {
      const n = c++;
      work.push(() => call(n));
    } else {
      const n = w++;
      work.push(() => chat(n));
    }
  }
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let job = work.shift(); job; job = work.shift()) await job();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const tickets = await p.sql.count('SELECT count(*) FROM tickets');
  for (const s of servers) await s.stop('SIGTERM');
  for (const fn of cleanups.splice(0).reverse()) await fn();
  return { instances, seconds, requests: latencies.length, latencies, errors, tickets, callsDone, chatsDone };
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

console.error(`city day ×${scale}: ${CALLS} calls, ${CHATS} WeChat conversations (${CHATS * 3} messages), concurrency ${concurrency}`);
const phases: Phase[] = [];
for (const n of [1, 2]) {
  const ph = await runPhase(n);
  console.error(`  ${n} instance(s): ${ph.requests} requests in ${ph.seconds.toFixed(1)} s`);
  phases.push(ph);
}
// What a real day asks for: all of it spread over 24 h, and the same squeezed into one hour.
const perCall = phases[0]!.requests / Math.max(1, CALLS + CHATS);
const dayRate = ((CALLS + CHATS) / scale) * perCall;
console.log(`\n### City day in fast-forward (×${scale}: ${CALLS} calls, ${CHATS * 3} WeChat messages)\n`);
console.log(`Machine: ${machine()}; PostgreSQL 127.0.0.1; ${concurrency} concurrent callers/citizens; load generator on the same machine.\n`);
console.log('| instances | webhooks | seconds | webhooks/s | calls/s | p50 ms | p99 ms | errors | tickets | full day (25,000) in one hour needs |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const ph of phases) {
  const rps = ph.requests / ph.seconds;
  console.log(
    `| ${ph.instances} | ${ph.requests} | ${ph.seconds.toFixed(1)} | ${rps.toFixed(0)} | ${(ph.callsDone / ph.seconds).toFixed(1)} | ${pct(ph.latencies, 0.5).toFixed(1)} | ${pct(ph.latencies, 0.99).toFixed(1)} | ${ph.errors} | ${ph.tickets} (${ph.callsDone} calls + ${ph.chatsDone} chats) | ${(dayRate / 3600).toFixed(0)} webhooks/s (${((rps / (dayRate / 3600)) * 100).toFixed(0)}% of it) |`,
  );
}
const ratio = phases[1]!.requests / phases[1]!.seconds / (phases[0]!.requests / phases[0]!.seconds);
console.log(`\nScaling two/one (webhooks/s, same run): **${ratio.toFixed(2)}×**`);
