import { readdirSync } from 'node:fs';
import t from 'tap';
import { openDatabase } from '../../../adapters/db/database.js';
import { dropSchema, newSchemaName } from '../../helpers/db.js';

const url = process.env.SUBAN_TEST_PG_URL;

t.test('instances starting together migrate a fresh PostgreSQL schema once', { skip: url ? false : 'SUBAN_TEST_PG_URL not set: PostgreSQL tests run in CI' }, async (t) => {
  const schema = newSchemaName();
  const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ url: url!, schema, poolSize: 3 })));
  t.teardown(async () => {
    for (const d of dbs) await d.close();
    await dropSchema(url!, schema);
  });
  await Promise.all(dbs.map((d) => d.migrate()));
  const r = await dbs[0]!.pool!.query(`SELECT count(*)::int AS n FROM ${schema}.__drizzle_migrations`);
  const shipped = readdirSync('adapters/db/migrations/pg').filter((f) => f.endsWith('.sql')).length;
  t.equal(r.rows[0].n, shipped, 'each migration is recorded once');
  const tables = await dbs[0]!.pool!.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`, [schema]);
  t.ok(tables.rows[0].n >= 10, 'all tables exist');
});
