import type BetterSqlite from 'better-sqlite3';
import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import type { AuditEntry, AuditLog, DedupeStore, StateStore } from '../../src/application/ports/misc.js';
import type { Database } from './database.js';

/**
 * The hot paths of these stores (every call turn reads and writes its state, every webhook
 * delivery claims a key) run once per request. On SQLite they use statements prepared once:
 * drizzle would build the same SQL text again on every call, which cost more than running it.
 * The SQL is the statement drizzle builds from the builder calls kept below for PostgreSQL, and the
 * JSON columns are encoded the way drizzle's `text({ mode: 'json' })` does (JSON text, NULL as NULL).
 */
export function sqliteClient(d: Database): BetterSqlite.Database | null {
  if (d.dialect !== 'sqlite') return null;
  const client = (d.db as unknown as { $client?: BetterSqlite.Database }).$client;
  return client && typeof client.prepare === 'function' ? client : null;
}

/**
 * Writes on SQLite go through the one writer (`d.tx`) even when they are a single statement: a
 * statement run on the shared connection while another transaction is open becomes part of it, and
 * a rollback of that transaction would silently undo a write this store already acknowledged (a
 * call's state, a claimed delivery). In the writer's queue each write also shares the next commit
 * with its neighbours. Never call these stores from inside a `d.tx` callback: on SQLite it would
 * wait for its own transaction.
 */
export function writer(d: Database): <T>(fn: () => T) => Promise<T> {
  return (fn) => d.tx(async () => fn());
}

const toJson = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const fromJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

interface DedupeStatements {
  claim: BetterSqlite.Statement<[string, string, string | null, number]>;
  get: BetterSqlite.Statement<[string, string], { value: string | null }>;
  set: BetterSqlite.Statement<[string, string, string | null, number]>;
}

export class SqlDedupeStore implements DedupeStore {
  private readonly fast: DedupeStatements | null;
  private readonly write: ReturnType<typeof writer>;

  constructor(private readonly d: Database) {
    this.write = writer(d);
    const c = sqliteClient(d);
    this.fast = c && {
      claim: c.prepare('insert into "dedupe" ("scope", "key", "value", "at") values (?, ?, ?, ?) on conflict do nothing'),
      get: c.prepare('select "value" from "dedupe" where ("dedupe"."scope" = ? and "dedupe"."key" = ?) limit 1'),
      set: c.prepare('insert into "dedupe" ("scope", "key", "value", "at") values (?, ?, ?, ?) on conflict ("dedupe"."scope", "dedupe"."key") do update set "value" = excluded."value", "at" = excluded."at"'),
    };
  }

  async claim(scope: string, key: string, at: Date, value?: unknown) {
    const fast = this.fast;
    if (fast) return this.write(() => fast.claim.run(scope, key, toJson(value), at.getTime()).changes === 1);
    const rows = await this.d.db
      .insert(this.d.t.dedupe)
      .values({ scope, key, value: value ?? null, at: at.getTime() })
      .onConflictDoNothing()
      .returning({ key: this.d.t.dedupe.key });
    return rows.length === 1;
  }

  async get(scope: string, key: string) {
    if (this.fast) {
      const r = this.fast.get.get(scope, key);
      return r ? fromJson(r.value) : undefined;
    }
    const t = this.d.t.dedupe;
    const [r] = await this.d.db.select({ value: t.value }).from(t).where(and(eq(t.scope, scope), eq(t.key, key))).limit(1);
    return r ? r.value : undefined;
  }

  async set(scope: string, key: string, value: unknown, at: Date) {
    const fast = this.fast;
    if (fast) {
      await this.write(() => fast.set.run(scope, key, toJson(value), at.getTime()));
      return;
    }
    const t = this.d.t.dedupe;
    await this.d.db
      .insert(t)
      .values({ scope, key, value, at: at.getTime() })
      .onConflictDoUpdate({ target: [t.scope, t.key], set: { value, at: at.getTime() } });
  }
}

interface StateStatements {
  get: BetterSqlite.Statement<[string, string, number], { doc: string }>;
  put: BetterSqlite.Statement<[string, string, string | null, number | null, number]>;
}

export class SqlStateStore implements StateStore {
  private readonly fast: StateStatements | null;
  private readonly write: ReturnType<typeof writer>;

  constructor(private readonly d: Database) {
    this.write = writer(d);
    const c = sqliteClient(d);
    this.fast = c && {
      get: c.prepare('select "doc" from "state_docs" where ("state_docs"."scope" = ? and "state_docs"."key" = ? and ("state_docs"."expires_at" is null or "state_docs"."expires_at" > ?)) limit 1'),
      put: c.prepare(
        'insert into "state_docs" ("scope", "key", "doc", "expires_at", "updated_at") values (?, ?, ?, ?, ?) on conflict ("state_docs"."scope", "state_docs"."key") do update set "doc" = excluded."doc", "expires_at" = excluded."expires_at", "updated_at" = excluded."updated_at"',
      ),
    };
  }

  async get<T>(scope: string, key: string, now: Date) {
    if (this.fast) {
      const r = this.fast.get.get(scope, key, now.getTime());
      return r ? (fromJson(r.doc) as T) : null;
    }
    const t = this.d.t.stateDocs;
    const [r] = await this.d.db
      .select({ doc: t.doc })
      .from(t)
      .where(and(eq(t.scope, scope), eq(t.key, key), or(isNull(t.expiresAt), gt(t.expiresAt, now.getTime()))))
      .limit(1);
    return r ? (r.doc as T) : null;
  }

  async put<T>(scope: string, key: string, doc: T, now: Date, expiresAt?: Date | null) {
    const fast = this.fast;
    if (fast) {
      await this.write(() => fast.put.run(scope, key, toJson(doc), expiresAt ? expiresAt.getTime() : null, now.getTime()));
      return;
    }
    const t = this.d.t.stateDocs;
    const row = { doc: doc as unknown, expiresAt: expiresAt ? expiresAt.getTime() : null, updatedAt: now.getTime() };
    await this.d.db
      .insert(t)
      .values({ scope, key, ...row })
      .onConflictDoUpdate({ target: [t.scope, t.key], set: row });
  }

  async delete(scope: string, key: string) {
    const t = this.d.t.stateDocs;
    if (this.fast) await this.d.tx((tx) => tx.delete(t).where(and(eq(t.scope, scope), eq(t.key, key))));
    else await this.d.db.delete(t).where(and(eq(t.scope, scope), eq(t.key, key)));
  }

  async list<T>(scope: string, now: Date) {
    const t = this.d.t.stateDocs;
    const rows = await this.d.db
      .select({ key: t.key, doc: t.doc })
      .from(t)
      .where(and(eq(t.scope, scope), or(isNull(t.expiresAt), gt(t.expiresAt, now.getTime()))))
      .orderBy(asc(t.updatedAt));
    return rows.map((r) => ({ key: r.key, doc: r.doc as T }));
  }
}

export class SqlAuditLog implements AuditLog {
  constructor(private readonly d: Database) {}

  async append(e: AuditEntry) {
    await this.d.db.insert(this.d.t.audit).values({ at: e.at.getTime(), actorId: e.actorId, kind: e.kind, subject: e.subject ?? null, data: e.data ?? null });
  }

  async list(subject: string) {
    const t = this.d.t.audit;
    const rows = await this.d.db.select().from(t).where(eq(t.subject, subject)).orderBy(asc(t.id));
    return rows.map((r) => ({ at: new Date(Number(r.at)), actorId: r.actorId, kind: r.kind, subject: r.subject, data: r.data }));
  }
}
