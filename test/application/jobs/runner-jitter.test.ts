import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { JobRunner, retryDelayMs } from '../../../src/application/jobs/runner.js';
import { JOB, type Job, type JobSpec, type JobStore } from '../../../src/application/ports/jobs.js';

/** Deterministic [0, 1) numbers (mulberry32), so a run is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The port, in memory: enough of it for the runner (claim, complete, retry, fail). */
class MemoryJobs implements JobStore {
  rows: (Job & { lastError?: string })[] = [];
  private nextId = 1;
  async enqueue(jobs: JobSpec[]) {
    for (const j of jobs) if (!this.rows.some((r) => r.key === j.key)) this.rows.push({ ...j, id: this.nextId++, attempts: 0, status: 'pending' });
  }
  async claim(now: Date, limit: number) {
    const due = this.rows.filter((r) => r.status === 'pending' && r.runAt <= now).slice(0, limit);
    for (const r of due) {
      r.status = 'running';
      r.attempts++;
    }
    return due.map((r) => ({ ...r }));
  }
  async complete(id: number) {
    this.find(id).status = 'done';
  }
  async retry(id: number, error: string, runAt: Date) {
    Object.assign(this.find(id), { status: 'pending', runAt, lastError: error });
  }
  async fail(id: number, error: string) {
    Object.assign(this.find(id), { status: 'failed', lastError: error });
  }
  async cancelByPrefix() {
    return 0;
  }
  async get(key: string) {
    return this.rows.find((r) => r.key === key) ?? null;
  }
  async list() {
    return this.rows;
  }
  async nextDue() {
    return null;
  }
  private find(id: number) {
    return this.rows.find((r) => r.id === id)!;
  }
}

const quiet = { info() {}, warn() {}, error() {} };

t.test('retryDelayMs: exponential steps, half fixed and half jitter', async (t) => {
  t.equal(retryDelayMs(1, () => 0), 5_000, 'the least wait of the first retry: half of 10 s');
  t.equal(retryDelayMs(1, () => 0.999999), 10_000, 'the most: the whole step');
  t.equal(retryDelayMs(3, () => 0.5), 30_000, '40 s step: 20 s + half of 20 s');
  t.equal(retryDelayMs(20, () => 0), 300_000, 'capped at 10 min (least 5 min)');
  t.equal(retryDelayMs(20, () => 1), 600_000);
  const r = seeded(7);
  const waits = Array.from({ length: 200 }, () => retryDelayMs(2, r));
  t.ok(waits.every((w) => w >= 10_000 && w <= 20_000), 'inside [step/2, step]');
  t.ok(new Set(waits).size > 150, 'spread out, not one value');
  const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
  t.ok(mean > 13_500 && mean < 16_500, `mean ${mean} near 15 s`);
  t.same(Array.from({ length: 5 }, ((g) => () => retryDelayMs(4, g))(seeded(42))), Array.from({ length: 5 }, ((g) => () => retryDelayMs(4, g))(seeded(42))), 'a seed replays the same waits');
});

t.test('jobs that fail together come back at different times (fake clock, seeded random)', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const store = new MemoryJobs();
  const runner = new JobRunner(store, clock, quiet, { worker: 'test', maxAttempts: 3, random: seeded(2026) });
  let calls = 0;
  runner.register(JOB.pageStep, async () => {
    calls++;
    throw new Error('provider down');
  });
  const t0 = clock.now().getTime();
  await store.enqueue(Array.from({ length: 20 }, (_, i) => ({ kind: JOB.pageStep, key: `page:${i}`, runAt: new Date(t0), payload: { pageId: `p${i}`, ticketId: `t${i}`, step: 0, attempt: 1 } })));
  t.equal(await runner.runDue(), 20);
  t.equal(calls, 20);
  const firstRetry = store.rows.map((r) => r.runAt.getTime() - t0);
  t.ok(firstRetry.every((ms) => ms >= 5_000 && ms <= 10_000), 'first retries within [5 s, 10 s]');
  t.ok(new Set(firstRetry).size >= 18, `spread: ${new Set(firstRetry).size} distinct times of 20`);
  t.ok(store.rows.every((r) => r.status === 'pending' && r.lastError === 'provider down'));

  // Nothing is due before the earliest retry; they come back a few at a time, not as one burst.
  clock.advance(Math.min(...firstRetry) - 1);
  t.equal(await runner.runDue(), 0, 'none early');
  clock.set(t0 + 7_500);
  const half = await runner.runDue();
  t.ok(half > 0 && half < 20, `${half} of 20 due after 7.5 s`);
  clock.advance(2_500);
  await runner.runDue();
  t.equal(store.rows.filter((r) => r.attempts === 2).length, 20, 'all retried once by 10 s');

  // The second retries use the next step (20 s: [10 s, 20 s] after each job's own retry); then the third attempt is the last.
  clock.advance(20_000);
  await runner.runDue();
  t.equal(store.rows.filter((r) => r.attempts === 3).length, 20);
  t.ok(store.rows.every((r) => r.status === 'failed'), 'maxAttempts 3: failed for good on the third attempt');

  // The same seed gives the same schedule.
  const again = new MemoryJobs();
  const r2 = new JobRunner(again, new FakeClock('2026-11-26T02:00:00Z'), quiet, { worker: 'test', maxAttempts: 3, random: seeded(2026) });
  r2.register(JOB.pageStep, async () => {
    throw new Error('provider down');
  });
  await again.enqueue(Array.from({ length: 20 }, (_, i) => ({ kind: JOB.pageStep, key: `page:${i}`, runAt: new Date(t0), payload: { pageId: `p${i}`, ticketId: `t${i}`, step: 0, attempt: 1 } })));
  await r2.runDue();
  t.same(again.rows.map((r) => r.runAt.getTime() - t0), firstRetry, 'reproducible with a seed');
});
