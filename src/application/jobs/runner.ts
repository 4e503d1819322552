import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.js';
import type { Job, JobHandler, JobHandlers, JobKind, JobOf, JobStore } from '../ports/jobs.js';
import { noMetrics, type Counter, type MetricsPort } from '../ports/metrics.js';


/**
 * How long a failed job waits before its next attempt: exponential (10 s, 20 s, 40 s … up to
 * 10 min) with "equal jitter": half the step is fixed, the other half random. Jobs that failed
 * together (a provider down for a minute fails every page step due in it) then come back spread
 * over the second half of the step instead of all at once, and none retries sooner than half of it.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(10_000 * 2 ** (Math.max(1, attempt) - 1), 10 * 60_000);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(step / 2 + (r * step) / 2);
}

export interface RunnerOptions {
  worker: string;
  pollMs?: number;
  batch?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Source of the retry jitter, a number in [0, 1) (tests pass a seeded one). */
  random?: () => number;
  /** job failures by kind (suban_job_failures_total) and the lag of the oldest due job */
  metrics?: MetricsPort;
}

/**
 * The one job runner behind every timer. Jobs live in the database, so a restart loses none;
 * a job is claimed under a lease, so a crashed worker's job runs again after the lease ends.
 * Handlers must be idempotent per job key: a job can run twice if a worker dies after the
 * side effect but before `complete`.
 */
export class JobRunner implements JobHandlers {
  private readonly handlers = new Map<string, (job: Job) => Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly opts: Required<RunnerOptions>;

  constructor(
    private readonly store: JobStore,
    private readonly clock: Clock,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
    opts: RunnerOptions,
  ) {
    this.opts = { pollMs: 500, batch: 50, leaseMs: 60_000, maxAttempts: 6, random: Math.random, metrics: noMetrics, ...opts };
    this.failures = this.opts.metrics.counter('suban_job_failures_total', 'job runs that failed, by job kind; final: no retry left (or no handler)', ['kind', 'final']);
    // How late the runner is: the age of the oldest job that is due and still waiting (0 when none is).
    this.opts.metrics.gauge('suban_job_lag_seconds', 'age of the oldest pending job past its due time (seconds)', async () => {
      const due = await this.store.nextDue();
      return due ? Math.max(0, (this.clock.now().getTime() - due.getTime()) / 1000) : 0;
    });
  }

  private readonly failures: Counter<'kind' | 'final'>;

  register<K extends JobKind>(kind: K, handler: JobHandler<K>): this {
    // The one place a stored payload meets its type: the row's kind was set by a JobSpec of that kind.
    this.handlers.set(kind, (job) => handler(job as unknown as JobOf<K>));
    return this;
  }

  kinds(): string[] {
    return [...this.handlers.keys()];
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stop polling and wait for the jobs in hand to finish (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** Ask for a poll soon, e.g. after enqueuing a job due now. */
  wake(): void {
    if (!this.stopped) this.schedule(0);
  }

  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, ms);
    this.timer.unref?.();
  }

  private async tick() {
    if (this.running || this.stopped) return;
    this.running = true;
    let n = 0;
    try {
      const p = this.runDue();
      this.inFlight = p.catch(() => 0);
      n = await p;
    } catch (e) {
      this.log.error({ err: e }, 'job poll failed');
    } finally {
      this.running = false;
      if (!this.stopped) this.schedule(n > 0 ? 0 : this.opts.pollMs);
    }
  }

  /** Run every job due now (by the injected clock), repeating until none is left. Tests call this. */
  async runDue(maxRounds = 100): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const now = this.clock.now();
      const jobs = await this.store.claim(now, this.opts.batch, this.opts.worker, this.opts.leaseMs);
      if (!jobs.length) break;
      for (const job of jobs) await this.runOne(job);
      total += jobs.length;
    }
    return total;
  }

  private async runOne(job: Job) {
    const handler = this.handlers.get(job.kind);
    const now = () => this.clock.now();
    if (!handler) {
      this.log.error({ kind: job.kind, key: job.key }, 'no handler for job kind');
      await this.store.fail(job.id, `no handler for ${job.kind}`, now());
      this.failures.inc({ kind: job.kind, final: 'true' });
      return;
    }
    try {
      await handler(job);
      await this.store.complete(job.id, now());
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.failures.inc({ kind: job.kind, final: String(job.attempts >= this.opts.maxAttempts) });
      if (job.attempts >= this.opts.maxAttempts) {
        this.log.error({ kind: job.kind, key: job.key, err: msg }, 'job failed for good');
        await this.store.fail(job.id, msg, now());
      } else {
        const backoff = retryDelayMs(job.attempts, this.opts.random);
        this.log.warn({ kind: job.kind, key: job.key, err: msg, attempt: job.attempts }, 'job failed, will retry');
        await this.store.retry(job.id, msg, new Date(now().getTime() + backoff));
      }
    }
  }
}
