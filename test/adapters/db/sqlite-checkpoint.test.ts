/**
 * The write-ahead log is copied into the database file by the checkpoint thread, not inside the
 * commits of the serving thread; the data is all there after a restart either way.
 */
import t from 'tap';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../../adapters/db/database.js';
import { BACKSTOP_AUTOCHECKPOINT_PAGES } from '../../../adapters/db/checkpointer.js';

const pad = 'x'.repeat(3000);

t.test('the checkpoint thread copies the log back; the serving connection only backs it up', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'suban-ckpt-')), 'c.db');
  // Checkpoints only when asked: the test decides when the log is copied.
  const db = await openDatabase({ url: `sqlite:${file}`, checkpointEveryMs: 3_600_000 });
  await db.migrate();
  t.teardown(() => db.close());
  t.ok(db.checkpointer, 'a file database has a checkpoint thread');
  const auto = db.db.get<{ wal_autocheckpoint: number }>(sql`PRAGMA wal_autocheckpoint`);
  t.equal(auto.wal_autocheckpoint, BACKSTOP_AUTOCHECKPOINT_PAGES, 'the serving connection checkpoints only as a backstop');

  // About 1,500 pages of log: past SQLite's default checkpoint size, below the backstop.
  for (let b = 0; b < 30; b++) {
    await db.tx(async (tx) => {
      for (let i = 0; i < 50; i++) await tx.insert(db.t.dayCounters).values({ day: `${b}-${i}-${pad}`, n: i });
    });
  }
  const walPages = statSync(`${file}-wal`).size / 4096;
  t.ok(walPages > 1000, `the log grew past 1,000 pages without a checkpoint in a commit (${walPages.toFixed(0)})`);

  const r = await db.checkpointer!.now();
  t.equal(r.busy, 0);
  t.ok(r.log > 1000, 'the log held the writes');
  t.equal(r.checkpointed, r.log, 'every frame is in the database file now');

  // The database file alone (as a reader sees it after the copy) holds every row.
  const reader = new BetterSqlite(file, { readonly: true });
  t.teardown(() => reader.close());
  t.equal((reader.prepare('select count(*) as n from day_counters').get() as { n: number }).n, 1500);

  // The next commit starts the log over instead of growing it.
  await db.tx(async (tx) => void (await tx.insert(db.t.dayCounters).values({ day: 'after', n: 1 })));
  t.ok(statSync(`${file}-wal`).size / 4096 <= walPages, 'the log does not grow past its size');
});

t.test('an in-memory database has no log and no checkpoint thread', async (t) => {
  const db = await openDatabase({ url: 'sqlite::memory:' });
  t.teardown(() => db.close());
  t.equal(db.checkpointer, null);
});

t.test('closing stops the thread; asking it afterwards fails instead of hanging', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'suban-ckpt-')), 'c.db');
  const db = await openDatabase({ url: `sqlite:${file}` });
  await db.migrate();
  const c = db.checkpointer!;
  await db.close();
  await t.rejects(c.now(), /stopped/);
});
