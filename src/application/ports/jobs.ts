/** A timer that must survive a restart: one row in the job table. */
export interface JobSpec {
  kind: string;
  /** Idempotency key: enqueuing the same key twice keeps the first job. */
  key: string;
  runAt: Date;
  payload: Record<string, unknown>;
}

export interface Job extends JobSpec {
  id: number;
  attempts: number;
  status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
}

export interface JobStore {
  enqueue(jobs: JobSpec[]): Promise<void>;
  /** Claim due jobs under a lease; on PostgreSQL with FOR UPDATE SKIP LOCKED so instances never share one. */
  claim(now: Date, limit: number, worker: string, leaseMs: number): Promise<Job[]>;
  complete(id: number, now: Date): Promise<void>;
  retry(id: number, error: string, runAt: Date): Promise<void>;
  fail(id: number, error: string, now: Date): Promise<void>;
  /** Cancel pending jobs whose key starts with the prefix (e.g. every step of an acknowledged page). */
  cancelByPrefix(prefix: string, now: Date): Promise<number>;
  get(key: string): Promise<Job | null>;
  list(filter: { status?: Job['status']; kindPrefix?: string; limit?: number }): Promise<Job[]>;
  nextDue(): Promise<Date | null>;
}
