/** In-memory doubles of the conversation's stores, for tests (production uses the database's StateStore and LeaseStore). */
import type { Clock } from '../../src/domain/clock.js';
import type { LeaseStore } from '../../src/application/ports/misc.js';
import type { ConversationRecord, ConversationStore } from '../../src/application/conversation/ports.js';

/**
 * In-process store for tests and single-instance demos. Records are copied through JSON on the
 * way in and out, so a test catches state that a database-backed store could not keep.
 */
export class InMemoryConversationStore implements ConversationStore {
  private readonly rows = new Map<string, { json: string; expiresAt: number }>();
  private writes = 0;

  constructor(private readonly clock: Clock) {}

  async get(key: string): Promise<ConversationRecord | null> {
    const row = this.rows.get(key);
    if (!row) return null;
    if (row.expiresAt <= this.clock.now().getTime()) {
      this.rows.delete(key);
      return null;
    }
    return JSON.parse(row.json) as ConversationRecord;
  }

  async save(key: string, state: ConversationRecord, expiresAt: Date): Promise<void> {
    this.rows.set(key, { json: JSON.stringify(state), expiresAt: expiresAt.getTime() });
    // Sweep now and then so contacts who never come back do not pile up.
    if (++this.writes % 512 === 0) this.sweep();
  }

  async delete(key: string): Promise<void> {
    this.rows.delete(key);
  }

  /** Drops expired records; returns how many are left. */
  sweep(): number {
    const now = this.clock.now().getTime();
    for (const [k, row] of this.rows) if (row.expiresAt <= now) this.rows.delete(k);
    return this.rows.size;
  }

  get size(): number {
    return this.rows.size;
  }
}

/**
 * Leases for engines sharing one process (tests, or the two transports of a single instance
 * over the in-memory store). Same rules as the database's: free, expired or already the owner's.
 */
export class InMemoryLeaseStore implements LeaseStore {
  private readonly held = new Map<string, { owner: string; until: number }>();

  async acquire(scope: string, key: string, owner: string, now: Date, until: Date): Promise<boolean> {
    const k = `${scope}\u0000${key}`;
    const cur = this.held.get(k);
    if (cur && cur.owner !== owner && cur.until > now.getTime()) return false;
    this.held.set(k, { owner, until: until.getTime() });
    return true;
  }

  async release(scope: string, key: string, owner: string): Promise<void> {
    const k = `${scope}\u0000${key}`;
    if (this.held.get(k)?.owner === owner) this.held.delete(k);
  }

  get size(): number {
    return this.held.size;
  }

  /** When the lease on a key runs out (ms), if anyone holds it. */
  expiryOf(scope: string, key: string): number | undefined {
    return this.held.get(`${scope}\u0000${key}`)?.until;
  }
}
