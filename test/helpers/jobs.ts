import type { JobKind, JobSpec } from '../../src/application/ports/jobs.js';

/**
 * A job of a kind the service does not have, for the tests of the job table and the runner alone:
 * the store keeps any kind and payload. The services' jobs are typed by `JobPayloads`; this is the
 * one way around that, and only tests take it.
 */
export function foreignJob(kind: string, key: string, runAt: Date, payload: Record<string, unknown> = {}): JobSpec {
  return { kind, key, runAt, payload } as unknown as JobSpec;
}

/** The kind of a `foreignJob`, for a handler registered on a test's own runner. */
export const foreignKind = (kind: string): JobKind => kind as JobKind;
