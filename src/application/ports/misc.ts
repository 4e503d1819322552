/** Remembers the outcome of idempotent requests: the first caller stores, retries read it back. */
export interface DedupeStore {
  /** Returns true when the key was new (and is now taken). */
  claim(scope: string, key: string, at: Date, value?: unknown): Promise<boolean>;
  get(scope: string, key: string): Promise<unknown | undefined>;
  set(scope: string, key: string, value: unknown, at: Date): Promise<void>;
}

/** Keyed state documents (IVR call state, conversations) with optional expiry. */
export interface StateStore {
  get<T>(scope: string, key: string, now: Date): Promise<T | null>;
  put<T>(scope: string, key: string, doc: T, now: Date, expiresAt?: Date | null): Promise<void>;
  delete(scope: string, key: string): Promise<void>;
  list<T>(scope: string, now: Date): Promise<{ key: string; doc: T }[]>;
}

export interface AuditEntry {
  at: Date;
  actorId: string;
  kind: string;
  subject?: string | null;
  data?: unknown;
}

export interface AuditLog {
  append(e: AuditEntry): Promise<void>;
  list(subject: string): Promise<AuditEntry[]>;
}

/**
 * Short exclusive leases shared by every instance (one WeChat contact's message in hand). A lease
 * past `until` is free, so the holder dying never blocks a key for longer than the lease.
 */
export interface LeaseStore {
  /** Takes the lease until `until` when it is free, expired at `now`, or already `owner`'s; false when another holds it. */
  acquire(scope: string, key: string, owner: string, now: Date, until: Date): Promise<boolean>;
  /** Gives the lease back; does nothing when `owner` no longer holds it. */
  release(scope: string, key: string, owner: string): Promise<void>;
}
