import { and, asc, eq, like, sql, inArray } from 'drizzle-orm';
import type { Clock } from '../../src/domain/clock.js';
import type { Job, JobSpec, JobStore } from '../../src/application/ports/jobs.js';
import type { Database, Db } from './database.js';
import { placeholders, prepared } from './prepared.js';

type JobRow = Database['t']['jobs']['$inferSelect'];

const toJob = (r: JobRow): Job => ({
  id: r.id,
  kind: r.kind,
  key: r.key,
  runAt: new Date(Number(r.runAt)),
  payload: r.payload as Record<string, unknown>,
  attempts: r.attempts,
  status: r.status as Job['status'],
});

export const JOB_INSERT_KEYS = ['kind', 'key', 'runAt', 'payload', 'status', 'attempts', 'createdAt'] as const;

/** A new job's row (JOB_INSERT_KEYS). */
export const jobRow = (j: JobSpec, now: Date) => ({ kind: j.kind, key: j.key, runAt: j.runAt.getTime(), payload: j.payload, status: 'pending', attempts: 0, createdAt: now.getTime() });
const insertJobQuery = new WeakMap<Database, ReturnType<typeof buildInsertJob>>();
const buildInsertJob = (d: Database) => prepared(d, 'job_insert', (db) => db.insert(d.t.jobs).values(placeholders(JOB_INSERT_KEYS)).onConflictDoNothing());

/** Used inside ticket transactions too, so a timer is set if and only if the change is stored. A key already there is kept. */
export async function insertJobs(tx: Db, d: Database, jobs: JobSpec[], now: Date): Promise<void> {
  const row = (j: JobSpec) => jobRow(j, now);
  // PostgreSQL: one multi-row statement (each statement is a round trip); SQLite: the prepared one-row statement.
  if (d.dialect === 'pg' && jobs.length > 1) {
    await tx.insert(d.t.jobs).values(jobs.map(row)).onConflictDoNothing();
    return;
  }
  let q = insertJobQuery.get(d);
  if (!q) insertJobQuery.set(d, (q = buildInsertJob(d)));
  for (const j of jobs) await q(tx).execute(row(j));
}

export async function cancelJobsByPrefix(tx: Db, d: Database, prefix: string, now: Date): Promise<number> {
  const rows = await tx
    .update(d.t.jobs)
    .set({ status: 'cancelled', finishedAt: now.getTime() })
    .where(and(eq(d.t.jobs.status, 'pending'), sql`substr(${d.t.jobs.key}, 1, ${prefix.length}) = ${prefix}`))
    .returning({ id: d.t.jobs.id });
  return rows.length;
}

export class SqlJobStore implements JobStore {
  /** `clock` stamps a new job's created_at (the one clock: tests run on a fake one). */
  constructor(
    private readonly d: Database,
    private readonly clock: Clock,
  ) {}

  enqueue(jobs: JobSpec[]) {
    return this.d.tx((tx) => insertJobs(tx, this.d, jobs, this.clock.now()));
  }

  async claim(now: Date, limit: number, worker: string, leaseMs: number): Promise<Job[]> {
    const j = this.d.t.jobs;
    const at = now.getTime();
    // A running job whose lease ran out belonged to a worker that died: it is due again.
    const due = sql`((${j.status} = 'pending' AND ${j.runAt} <= ${at}) OR (${j.status} = 'running' AND ${j.lockedUntil} <= ${at}))`;
    if (this.d.dialect === 'pg') {
      const res = await this.d.pool!.query(
        `UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM jobs WHERE (status = 'pending' AND run_at <= $3) OR (status = 'running' AND locked_until <= $3)
                      ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING id, kind, key, run_at, payload, status, attempts`,
        [worker, at + leaseMs, at, limit],
      );
      // RETURNING comes in no particular order: jobs due together run in the order they were enqueued.
      return res.rows.map((r) => ({ id: r.id, kind: r.kind, key: r.key, runAt: new Date(Number(r.run_at)), payload: r.payload, attempts: r.attempts, status: r.status })).sort(dueOrder);
    }
    return this.d.tx(async (tx) => {
      const rows = await tx.select({ id: j.id }).from(j).where(due).orderBy(asc(j.runAt), asc(j.id)).limit(limit);
      if (!rows.length) return [];
      const claimed = await tx
        .update(j)
        .set({ status: 'running', lockedBy: worker, lockedUntil: at + leaseMs, attempts: sql`${j.attempts} + 1` })
        .where(inArray(j.id, rows.map((r) => r.id)))
        .returning();
      return claimed.map(toJob).sort(dueOrder);
    });
  }

  async complete(id: number, now: Date) {
    await this.d.db.update(this.d.t.jobs).set({ status: 'done', finishedAt: now.getTime(), lockedUntil: null }).where(eq(this.d.t.jobs.id, id));
  }

  async retry(id: number, error: string, runAt: Date) {
    await this.d.db
      .update(this.d.t.jobs)
      .set({ status: 'pending', runAt: runAt.getTime(), lastError: error.slice(0, 500), lockedUntil: null, lockedBy: null })
      .where(eq(this.d.t.jobs.id, id));
  }

  async fail(id: number, error: string, now: Date) {
    await this.d.db.update(this.d.t.jobs).set({ status: 'failed', lastError: error.slice(0, 500), finishedAt: now.getTime(), lockedUntil: null }).where(eq(this.d.t.jobs.id, id));
  }

  cancelByPrefix(prefix: string, now: Date) {
    return this.d.tx((tx) => cancelJobsByPrefix(tx, this.d, prefix, now));
  }

  async get(key: string) {
    const [r] = await this.d.db.select().from(this.d.t.jobs).where(eq(this.d.t.jobs.key, key)).limit(1);
    return r ? toJob(r) : null;
  }

  async list(f: { status?: Job['status']; kindPrefix?: string; limit?: number }) {
    const j = this.d.t.jobs;
    const conds = [];
    if (f.status) conds.push(eq(j.status, f.status));
    if (f.kindPrefix) conds.push(like(j.kind, `${f.kindPrefix}%`));
    const rows = await this.d.db.select().from(j).where(conds.length ? and(...conds) : undefined).orderBy(asc(j.runAt)).limit(f.limit ?? 500);
    return rows.map(toJob);
  }

  async nextDue() {
    const j = this.d.t.jobs;
    const [r] = await this.d.db.select({ runAt: j.runAt }).from(j).where(eq(j.status, 'pending')).orderBy(asc(j.runAt)).limit(1);
    return r ? new Date(Number(r.runAt)) : null;
  }
}

/** Due first; among jobs due at the same moment, the one enqueued first. */
function dueOrder(a: Job, b: Job): number {
  return a.runAt.getTime() - b.runAt.getTime() || a.id - b.id;
}
