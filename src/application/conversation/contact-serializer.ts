/**
 * Messages of one contact are handled one at a time: inside this process by a promise chain per
 * contact, and across instances by a lease per contact held from the first read of its records to
 * the last write, so two instances never read the same conversation, rate window or seen-mark and
 * overwrite each other's result. Knows nothing of what is handled (the dialogue does).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import type { LeaseStore } from '../ports/misc.js';

/** The per-contact lease shared by every instance of a deployment. */
export interface ConversationLeaseOptions {
  store: LeaseStore;
  /** This engine's name on the leases it holds; default a random id, unique per engine. */
  owner?: string;
  /**
   * A lease not given back by then is free: how long a dead instance keeps a contact waiting.
   * Must be longer than a message's handling (classification, ticket intake). Default 30 s.
   */
  ttlMs?: number;
  /**
   * How long a message waits for another instance to give the contact back. Default the lease
   * time plus 5 s, so a dead holder's lease always expires within the wait.
   */
  maxWaitMs?: number;
  /** Injectable for tests; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** While a message is in hand its lease is renewed this often (real time); default a third of the lease. */
  renewEveryMs?: number;
}

/** LeaseStore scope of the per-contact leases. */
export const CONVERSATION_LEASE_SCOPE = 'conversation';
/** First pause while another instance holds the contact; doubled up to the cap below. */
const LEASE_FIRST_BACKOFF_MS = 20;
const LEASE_MAX_BACKOFF_MS = 250;

type Lease = Required<ConversationLeaseOptions>;

export class ContactSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lease: Lease | null;

  /** Without a lease, messages of one contact are serialised in this process only (one instance). */
  constructor(
    private readonly clock: Clock,
    l?: ConversationLeaseOptions,
  ) {
    const ttlMs = l?.ttlMs ?? 30_000;
    this.lease = l
      ? {
          store: l.store,
          owner: l.owner ?? randomUUID(),
          ttlMs,
          maxWaitMs: l.maxWaitMs ?? ttlMs + 5000,
          sleep: l.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
          renewEveryMs: l.renewEveryMs ?? ttlMs / 3,
        }
      : null;
  }

  /**
   * Runs fn after every earlier call for the same contact, holding the contact's lease; `busy` is
   * the answer when another instance kept the contact past the wait (fn then does not run).
   */
  run<R>(contactKey: string, fn: () => Promise<R>, busy: () => R): Promise<R> {
    return this.serial(contactKey, () => this.underLease(contactKey, fn, busy));
  }

  /**
   * Runs fn holding the contact's lease. Uncontended this costs one write to take it and one to
   * give it back, and no waiting. When another instance holds it, retries with a short backoff;
   * a dead holder's lease expires within the default wait.
   */
  private async underLease<R>(contactKey: string, fn: () => Promise<R>, busy: () => R): Promise<R> {
    const l = this.lease;
    if (!l) return fn();
    const started = this.clock.now().getTime();
    let slept = 0;
    let pause = LEASE_FIRST_BACKOFF_MS;
    for (;;) {
      const now = this.clock.now();
      if (await l.store.acquire(CONVERSATION_LEASE_SCOPE, contactKey, l.owner, now, new Date(now.getTime() + l.ttlMs))) break;
      // Both measures: the clock for real time, the pauses for a test clock that stands still.
      const waited = Math.max(slept, now.getTime() - started);
      if (waited >= l.maxWaitMs) return busy();
      const step = Math.min(pause, l.maxWaitMs - waited);
      await l.sleep(step);
      slept += step;
      pause = Math.min(pause * 2, LEASE_MAX_BACKOFF_MS);
    }
    // Handling that outlasts part of the lease (a stalled query, a slow classifier) renews it, so
    // no other instance takes the contact while this one may still write.
    let renewing: Promise<unknown> | null = null;
    const renew = setInterval(() => {
      if (renewing) return;
      const now = this.clock.now();
      renewing = l.store
        .acquire(CONVERSATION_LEASE_SCOPE, contactKey, l.owner, now, new Date(now.getTime() + l.ttlMs))
        .catch(() => undefined)
        .finally(() => (renewing = null));
    }, l.renewEveryMs);
    renew.unref?.();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      // A renewal still on its way must land before the release, or it would take the contact again for nobody.
      await renewing;
      // A lease that cannot be given back (database gone) expires on its own; the message itself was handled.
      await l.store.release(CONVERSATION_LEASE_SCOPE, contactKey, l.owner).catch(() => undefined);
    }
  }

  /** Runs fn after every earlier call for the same contact has finished. */
  private serial<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}
