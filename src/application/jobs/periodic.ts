/**
 * A sweep that runs every so often as a durable job (the 督办 sweep, the 研判预警 scan): each run
 * enqueues the next under the key of its time slot, so however many instances schedule it, one
 * slot is one job and runs once.
 */
import type { Clock } from '../../domain/clock.js';
import { JOB, type JobHandlers, type JobStore } from '../ports/jobs.js';

/** The kinds of job that are such sweeps (their payload is empty). */
export type SweepKind = typeof JOB.supervisionSweep | typeof JOB.hotspotScan;

/** The start of the slot after `after`, time cut into slots of `everyMs` from the epoch: the same instant on every instance. */
export function nextSlot(after: Date, everyMs: number): Date {
  return new Date((Math.floor(after.getTime() / everyMs) + 1) * everyMs);
}

export interface PeriodicJobOptions {
  kind: SweepKind;
  /** the job key before the slot's instant */
  keyPrefix: string;
  everyMs: number;
  jobs: Pick<JobStore, 'enqueue'>;
  clock: Clock;
  run: () => Promise<unknown>;
}

export interface PeriodicJob {
  /** Enqueue the next run (idempotent: one job per slot). Call once at start. */
  schedule(): Promise<void>;
  /** The handler: run, then enqueue the run after. */
  register(runner: JobHandlers): void;
}

export function periodicJob(o: PeriodicJobOptions): PeriodicJob {
  const schedule = async () => {
    const next = nextSlot(o.clock.now(), o.everyMs);
    await o.jobs.enqueue([{ kind: o.kind, key: `${o.keyPrefix}:${next.toISOString()}`, runAt: next, payload: {} }]);
  };
  return {
    schedule,
    register: (runner) => {
      runner.register(o.kind, async () => {
        await o.run();
        await schedule();
      });
    },
  };
}
