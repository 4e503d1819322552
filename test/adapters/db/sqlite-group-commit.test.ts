/**
 * SQLite transactions share commits when they queue up (group commit); each still succeeds or
 * fails alone, and a caller hears its result only once its writes are committed.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { GroupCommitWriter, openDatabase } from '../../../adapters/db/database.js';

async function fileDb(t: { teardown(f: () => unknown): void }) {
  const file = join(mkdtempSync(join(tmpdir(), 'suban-gc-')), 'gc.db');
  const db = await openDatabase({ url: `sqlite:${file}` });
  await db.migrate();
  t.teardown(() => db.close());
  return { db, file };
}

const counter = (day: string, n: number) => ({ day, n });

t.test('a failing transaction rolls back alone; the others of its batch commit', async (t) => {
  const { db, file } = await fileDb(t);
  const dc = db.t.dayCounters;
  const outside = new BetterSqlite(file, { readonly: true });
  t.teardown(() => outside.close());
  const seen: number[] = [];
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) =>
      db.tx(async (tx) => {
        await tx.insert(dc).values(counter(`d${i}`, i));
        if (i % 5 === 3) throw new Error(`boom ${i}`);
        return i;
      }).then((v) => {
        // Resolved only after COMMIT: another connection sees the row already.
        const row = outside.prepare('select n from day_counters where day = ?').get(`d${v}`) as { n: number } | undefined;
        if (row) seen.push(row.n);
        return v;
      }),
    ),
  );
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
  t.same(failed, [3, 8, 13, 18], 'exactly the throwing ones fail');
  const rows = await db.db.select().from(dc);
  t.same(rows.map((r) => r.day).sort(), Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 5 !== 3).map((i) => `d${i}`).sort(), 'their writes are gone, the others are stored');
  t.equal(seen.length, 16, 'every caller was answered after its commit was visible to another connection');
});

t.test('a constraint error inside one transaction does not undo earlier writes of the batch', async (t) => {
  const { db } = await fileDb(t);
  const dc = db.t.dayCounters;
  await db.tx((tx) => tx.insert(dc).values(counter('dup', 1)));
  const [a, b, c] = await Promise.allSettled([
    db.tx(async (tx) => {
      await tx.insert(dc).values(counter('a', 1));
      return 'a';
    }),
    db.tx(async (tx) => {
      await tx.update(dc).set({ n: sql`${dc.n} + 1` }).where(eq(dc.day, 'a'));
      await tx.insert(dc).values(counter('dup', 2)); // unique violation
    }),
    db.tx(async (tx) => {
      await tx.insert(dc).values(counter('c', 1));
      return 'c';
    }),
  ]);
  t.equal(a.status, 'fulfilled');
  t.equal(b.status, 'rejected');
  t.equal(c.status, 'fulfilled');
  const rows = Object.fromEntries((await db.db.select().from(dc)).map((r) => [r.day, Number(r.n)]));
  t.same(rows, { dup: 1, a: 1, c: 1 }, 'the failed one left nothing behind, not even its update');
});

t.test('close waits for queued transactions', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'suban-gc-')), 'gc.db');
  const db = await openDatabase({ url: `sqlite:${file}` });
  await db.migrate();
  const pending = Array.from({ length: 10 }, (_, i) => db.tx((tx) => tx.insert(db.t.dayCounters).values(counter(`x${i}`, i))));
  await db.close();
  await Promise.all(pending);
  const check = new BetterSqlite(file, { readonly: true });
  t.equal((check.prepare('select count(*) c from day_counters').get() as { c: number }).c, 10);
  check.close();
});

t.test('transactions queued by separate requests in one turn of the event loop share a commit', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'suban-gc-')), 'gc.db');
  const conn = new BetterSqlite(file);
  conn.exec('CREATE TABLE x (n INTEGER)');
  const writer = new GroupCommitWriter(conn);
  t.teardown(() => conn.close());
  const insert = conn.prepare('INSERT INTO x VALUES (?)');
  // Like request handlers woken by separate socket reads: each starts its own transaction from its own macrotask.
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => new Promise<void>((resolve, reject) => setImmediate(() => writer.run(async () => void insert.run(i)).then(resolve, reject)))),
  );
  t.equal((conn.prepare('SELECT count(*) c FROM x').get() as { c: number }).c, 10);
  t.equal(writer.stats.transactions, 10);
  t.ok(writer.stats.commits < 10, `10 transactions, ${writer.stats.commits} commits`);
  await writer.run(async () => void insert.run(99));
  t.equal(writer.stats.transactions, 11, 'a lone transaction still commits');
});
