import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import type { AuditEntry, AuditLog, DedupeStore, StateStore } from '../../src/application/ports/misc.js';
import type { Database } from './database.js';

export class SqlDedupeStore implements DedupeStore {
  constructor(private readonly d: Database) {}

  async claim(scope: string, key: string, at: Date, value?: unknown) {
    const rows = await this.d.db
      .insert(this.d.t.dedupe)
      .values({ scope, key, value: value ?? null, at: at.getTime() })
      .onConflictDoNothing()
      .returning({ key: this.d.t.dedupe.key });
    return rows.length === 1;
  }

  async get(scope: string, key: string) {
    const t = this.d.t.dedupe;
    const [r] = await this.d.db.select({ value: t.value }).from(t).where(and(eq(t.scope, scope), eq(t.key, key))).limit(1);
    return r ? r.value : undefined;
  }

  async set(scope: string, key: string, value: unknown, at: Date) {
    const t = this.d.t.dedupe;
    await this.d.db
      .insert(t)
      .values({ scope, key, value, at: at.getTime() })
      .onConflictDoUpdate({ target: [t.scope, t.key], set: { value, at: at.getTime() } });
  }
}

export class SqlStateStore implements StateStore {
  constructor(private readonly d: Database) {}

  async get<T>(scope: string, key: string, now: Date) {
    const t = this.d.t.stateDocs;
    const [r] = await this.d.db
      .select({ doc: t.doc })
      .from(t)
      .where(and(eq(t.scope, scope), eq(t.key, key), or(isNull(t.expiresAt), gt(t.expiresAt, now.getTime()))))
      .limit(1);
    return r ? (r.doc as T) : null;
  }

  async put<T>(scope: string, key: string, doc: T, now: Date, expiresAt?: Date | null) {
    const t = this.d.t.stateDocs;
    const row = { doc: doc as unknown, expiresAt: expiresAt ? expiresAt.getTime() : null, updatedAt: now.getTime() };
    await this.d.db
      .insert(t)
      .values({ scope, key, ...row })
      .onConflictDoUpdate({ target: [t.scope, t.key], set: row });
  }

  async delete(scope: string, key: string) {
    const t = this.d.t.stateDocs;
    await this.d.db.delete(t).where(and(eq(t.scope, scope), eq(t.key, key)));
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
