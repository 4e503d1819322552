/**
 * Ticket creation over HTTP on SQLite (and PostgreSQL), against a bare Fastify JSON echo measured
 * in the same run. Run: `npm run bench:intake` (set SUBAN_TEST_PG_URL to include PostgreSQL).
 */
import { readFileSync } from 'node:fs';
import { load, machine, startTarget, type Result } from './harness.js';

// Realistic requests: the labelled examples, with 即办 items at about 5% of the traffic (a real hotline's
// share; each one starts a page, which this server then also runs).
const examples = readFileSync('config/routing-examples.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; urgent: boolean });
const everyday = examples.filter((e) => !e.urgent).map((e) => e.text);
const urgent = examples.filter((e) => e.urgent).map((e) => e.text);
const texts = everyday.flatMap((t, k) => (k % 19 === 0 && urgent.length ? [t, urgent[(k / 19) % urgent.length]!] : [t]));
let i = 0;
const body = () => JSON.stringify({ channel: 'phone', contact: `1380000${String(1000 + (i++ % 9000))}`, content: texts[i % texts.length] });
const duration = Number(process.env.BENCH_SECONDS ?? 8);

async function run(kind: string): Promise<Result> {
  const target = await startTarget(kind);
  try {
    if (kind === 'echo') {
      return await load({ url: `http://127.0.0.1:${target.port}/echo`, method: 'POST', duration, headers: { 'content-type': 'application/json' }, body: body() }, target.proc.pid);
    }
    return await load({
      url: `http://127.0.0.1:${target.port}/api/v1/tickets`,
      method: 'POST',
      duration,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
      requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
    }, target.proc.pid);
  } finally {
    await target.stop();
  }
}

const kinds = process.env.BENCH_KINDS?.split(',') ?? ['echo', 'sqlite', ...(process.env.SUBAN_TEST_PG_URL ? ['pg'] : [])];
const results: Record<string, Result> = {};
for (const k of kinds) results[k] = await run(k);
const base = results.echo ?? ({ rps: NaN } as Result);
console.log(`machine: ${machine()}; ${duration} s per target, ${process.env.BENCH_CONNECTIONS ?? 10} connections; ${texts.length} request texts, ${((100 * (texts.length - everyday.length)) / texts.length).toFixed(1)}% 即办`);
console.log('| target | req/s | p50 ms | p99 ms | errors | non-2xx | ratio to echo | server CPU µs/request | of it main thread | CPU ratio |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const k of kinds) {
  const r = results[k]!;
  console.log(`| ${k === 'echo' ? 'bare Fastify echo (baseline)' : `POST /api/v1/tickets on ${k}`} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${(r.rps / base.rps).toFixed(3)} | ${r.cpuUs?.toFixed(0) ?? '-'} | ${r.mainCpuUs?.toFixed(0) ?? '-'} | ${r.cpuUs && base.cpuUs ? (base.cpuUs / r.cpuUs).toFixed(3) : '-'} |`);
}
