import t from 'tap';
import pg from 'pg';
import { PgEventBus, busChannel } from '../../adapters/bus/pg-bus.js';
import { openDatabase } from '../../adapters/db/database.js';
import { dropSchema, newSchemaName } from '../helpers/db.js';

const url = process.env.SUBAN_TEST_PG_URL;
const quiet = { warn: () => undefined, info: () => undefined };

t.test('PostgreSQL event bus fans out across instances', { skip: url ? false : 'SUBAN_TEST_PG_URL not set: PostgreSQL tests run in CI' }, async (t) => {
  const schema = newSchemaName();
  const db = await openDatabase({ url: url!, schema });
  await db.migrate();
  const opt = `-c search_path=${schema}`;
  // A channel of its own: the kill below must not reach the buses of tests running beside this one.
  const channel = busChannel(schema);
  const a = new PgEventBus(db.pool!, url!, opt, quiet, channel);
  const b = new PgEventBus(db.pool!, url!, opt, quiet, channel);
  await a.start();
  await b.start();
  t.teardown(async () => {
    await a.close();
    await b.close();
    await db.close();
    await dropSchema(url!, schema);
  });
  const seenByB: unknown[] = [];
  const seenByA: unknown[] = [];
  b.subscribe('screenpop', (p) => seenByB.push(p));
  a.subscribe('screenpop', (p) => seenByA.push(p));
  a.publish('screenpop', { caller: '138****0000', n: 1 });
  const big = { blob: '话'.repeat(5000) };
  a.publish('screenpop', big);
  for (let i = 0; i < 50 && seenByB.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  t.same(seenByB, [{ caller: '138****0000', n: 1 }, big], 'the other instance got both, the large one through the table');
  t.equal(seenByA.length, 2, 'the publisher delivers locally exactly once (no echo)');

  // The listening connection is killed (e.g. PostgreSQL restarted it): the bus reconnects by itself.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()`, [`LISTEN ${channel}`]);
  t.ok((killed.rowCount ?? 0) >= 1, `the listening connections were killed (${killed.rowCount})`);
  await admin.end();
  let got = false;
  b.subscribe('after', () => (got = true));
  for (let i = 0; i < 100 && !got; i++) {
    a.publish('after', { i });
    await new Promise((r) => setTimeout(r, 100));
  }
  t.ok(got, 'delivery resumes after the listener connection was killed');
});

t.test('messages published in one turn go out in one NOTIFY statement, in order, identical ones too', { skip: url ? false : 'SUBAN_TEST_PG_URL not set: PostgreSQL tests run in CI' }, async (t) => {
  const schema = newSchemaName();
  const db = await openDatabase({ url: url!, schema });
  await db.migrate();
  const opt = `-c search_path=${schema}`;
  const channel = busChannel(schema);
  const a = new PgEventBus(db.pool!, url!, opt, quiet, channel);
  const b = new PgEventBus(db.pool!, url!, opt, quiet, channel);
  await a.start();
  await b.start();
  t.teardown(async () => {
    await a.close();
    await b.close();
    await db.close();
    await dropSchema(url!, schema);
  });
  const seen: unknown[] = [];
  b.subscribe('ticket', (p) => seen.push(p));
  // Count the pool's statements while a publishes.
  const statements: string[] = [];
  const query = db.pool!.query.bind(db.pool!);
  (db.pool as unknown as { query: (...a: unknown[]) => unknown }).query = (...args: unknown[]) => {
    statements.push(String(args[0]));
    return (query as (...a: unknown[]) => unknown)(...args);
  };
  for (let i = 0; i < 5; i++) a.publish('ticket', { i });
  a.publish('ticket', { i: 4 });
  for (let i = 0; i < 100 && seen.length < 6; i++) await new Promise((r) => setTimeout(r, 20));
  t.same(seen, [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }, { i: 4 }], 'all six, in order, the repeated one too');
  t.equal(statements.filter((s) => s.includes('pg_notify')).length, 1, 'one statement for the six');
});
