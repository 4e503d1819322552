import type BetterSqlite from 'better-sqlite3';
import { and, eq, lte, or, sql } from 'drizzle-orm';
import type { LeaseStore } from '../../src/application/ports/misc.js';
import type { Database } from './database.js';
import { sqliteClient, writer } from './misc-stores.js';

interface LeaseStatements {
  acquire: BetterSqlite.Statement<[string, string, string, number, number]>;
  release: BetterSqlite.Statement<[string, string, string]>;
}

/**
 * Leases in the `leases` table. Taking one is a single insert-or-update statement, so two
 * instances asking at the same moment cannot both get it: the row's primary key makes the second
 * an update, and the update happens only when the row has expired or is already the asker's
 * (PostgreSQL evaluates that condition on the row as committed by the first, after waiting for it).
 */
export class SqlLeaseStore implements LeaseStore {
  private readonly fast: LeaseStatements | null;
  private readonly write: ReturnType<typeof writer>;

  constructor(private readonly d: Database) {
    this.write = writer(d);
    const c = sqliteClient(d);
    this.fast = c && {
      acquire: c.prepare(
        'insert into "leases" ("scope", "key", "owner", "expires_at") values (?, ?, ?, ?) on conflict ("scope", "key") do update set "owner" = excluded."owner", "expires_at" = excluded."expires_at" where ("leases"."expires_at" <= ? or "leases"."owner" = excluded."owner")',
      ),
      release: c.prepare('delete from "leases" where ("leases"."scope" = ? and "leases"."key" = ? and "leases"."owner" = ?)'),
    };
  }

  async acquire(scope: string, key: string, owner: string, now: Date, until: Date): Promise<boolean> {
    const fast = this.fast;
    if (fast) return this.write(() => fast.acquire.run(scope, key, owner, until.getTime(), now.getTime()).changes === 1);
    const t = this.d.t.leases;
    const rows = await this.d.db
      .insert(t)
      .values({ scope, key, owner, expiresAt: until.getTime() })
      .onConflictDoUpdate({
        target: [t.scope, t.key],
        set: { owner, expiresAt: until.getTime() },
        setWhere: or(lte(t.expiresAt, now.getTime()), eq(t.owner, sql`excluded."owner"`)),
      })
      .returning({ key: t.key });
    return rows.length === 1;
  }

  async release(scope: string, key: string, owner: string): Promise<void> {
    const fast = this.fast;
    if (fast) {
      await this.write(() => fast.release.run(scope, key, owner));
      return;
    }
    const t = this.d.t.leases;
    await this.d.db.delete(t).where(and(eq(t.scope, scope), eq(t.key, key), eq(t.owner, owner)));
  }
}
