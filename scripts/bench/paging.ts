/**
 * 1,000 simultaneous 即办 pages: how long until every first call is placed, and what the job
 * runner costs per page. The whole container runs (ticket store, job table, paging service,
 * rosters) on SQLite (a temp file) and on PostgreSQL when SUBAN_TEST_PG_URL is set; only the
 * voice provider is replaced by one that records the call and returns at once, so the figures
 * are Suban's own work. Run: `npx tsx scripts/bench/paging.ts` (BENCH_PAGES=n to change 1000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/composition/container.js';
import { createLogger } from '../../src/logger.js';
import { FakeClock } from '../../src/domain/clock.js';
import type { JobKind, JobSpec } from '../../src/application/ports/jobs.js';
import { seed } from '../../src/application/seed.js';
import type { OutboundCall } from '../../src/application/ports/voice.js';
import { machine } from './harness.js';

const N = Number(process.env.BENCH_PAGES ?? 1000);
const UNITS = ['市城管局', '润泉供水公司', '市住建局', '市公安局', '市交通运输局'];

interface Figures {
  engine: string;
  pages: number;
  intakeMs: number;
  allFirstCallsMs: number;
  p50Ms: number;
  p99Ms: number;
  perPageMs: number;
  noopJobMs: number;
}

const pct = (xs: number[], p: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function run(engine: 'sqlite' | 'pg'): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'suban-bench-paging-'));
  const schema = engine === 'pg' ? `bench_${randomBytes(4).toString('hex')}` : undefined;
  const config = loadConfig({
    DATABASE_URL: engine === 'pg' ? process.env.SUBAN_TEST_PG_URL! : `sqlite:${join(dir, 'bench.db')}`,
    SUBAN_LOG_LEVEL: 'silent',
    SUBAN_HOTLINE_DUTY_PHONE: '13800009999',
    SUBAN_CITY_DUTY_PHONE: '13800008888',
  });
  const clock = new FakeClock('2026-11-26T02:00:00+08:00');
  const ctx = await createContainer(config, createLogger('silent'), { clock, pgSchema: schema });
  try {
    await seed(ctx, false);
    for (const [i, unit] of UNITS.entries()) {
      const members = [0, 1, 2].map((k) => ({ id: `m${k}`, name: `值班员${i}-${k}`, phone: `1380000${i}${k}00` }));
      await ctx.duty.saveRoster(unit, { members, rotation: { period: 'daily', handoff: '08:30', start: '2026-11-01', order: members.map((m) => m.id), holidays: 'pass' }, leave: [], overrides: [] }, { id: 'bench' });
    }
    // The provider accepts the call at once: what remains is Suban's own cost.
    const placed: number[] = [];
    ctx.calls.placeCall = async (c: OutboundCall) => {
      placed.push(performance.now());
      return { callId: `CA${placed.length}-${c.ref.length}` };
    };

    // The 1,000 tickets arrive together (their page.start jobs are due at once).
    const i0 = performance.now();
    for (let i = 0; i < N; i++) {
      await ctx.tickets.intake({ channel: 'phone', content: `路面塌陷第${i}处，有车辆被困`, place: '象湖镇', category: '求助', urgent: true, unit: UNITS[i % UNITS.length] }, { id: 'op', role: 'operator' }, 'console');
    }
    const intakeMs = performance.now() - i0;

    const t0 = performance.now();
    while (placed.length < N) {
      const n = await ctx.runner.runDue(1000);
      await ctx.pagingIdle();
      if (n === 0 && placed.length < N) throw new Error(`only ${placed.length} of ${N} calls placed`);
    }
    const allFirstCallsMs = performance.now() - t0;
    const lat = placed.map((x) => x - t0);

    // The runner alone: a job that does nothing, through claim and complete, for comparison.
    // A kind of the bench's own, outside JobPayloads: the job table and the runner take any kind.
    const noop = 'bench.noop' as JobKind;
    ctx.runner.register(noop, async () => undefined);
    await ctx.jobs.enqueue(Array.from({ length: N }, (_, i) => ({ kind: noop, key: `bench:${i}`, runAt: clock.now(), payload: {} }) as unknown as JobSpec));
    const n0 = performance.now();
    let done = 0;
    while (done < N) done += await ctx.runner.runDue(1000);
    const noopJobMs = (performance.now() - n0) / N;

    return { engine, pages: N, intakeMs, allFirstCallsMs, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), perPageMs: allFirstCallsMs / N, noopJobMs };
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
    if (schema) {
      const c = new pg.Client({ connectionString: process.env.SUBAN_TEST_PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  }
}

const engines: ('sqlite' | 'pg')[] = ['sqlite', ...(process.env.SUBAN_TEST_PG_URL ? (['pg'] as const) : [])];
const results: Figures[] = [];
for (const e of engines) results.push(await run(e));
console.log(`machine: ${machine()}; ${N} simultaneous 即办 pages, one job runner, provider answering at once`);
console.log('| engine | all first calls placed | first call p50 | p99 | per page (page.start + page.step jobs) | runner alone per no-op job | intake of the tickets (not counted) |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(`| ${r.engine} | ${(r.allFirstCallsMs / 1000).toFixed(2)} s | ${r.p50Ms.toFixed(0)} ms | ${r.p99Ms.toFixed(0)} ms | ${r.perPageMs.toFixed(2)} ms | ${r.noopJobMs.toFixed(2)} ms | ${(r.intakeMs / 1000).toFixed(2)} s |`);
}
