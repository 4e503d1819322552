import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../adapters/db/database.js';

export type Engine = 'sqlite' | 'pg';

/** Every store test runs on SQLite, and on PostgreSQL too when SUBAN_TEST_PG_URL is set. */
export const ENGINES: Engine[] = process.env.SUBAN_TEST_PG_URL ? ['sqlite', 'pg'] : ['sqlite'];

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Two connections to one migrated SQLite file: two processes (instances) sharing an embedded database. */
export async function sqliteFilePair(t: Teardown): Promise<[Database, Database]> {
  const file = join(mkdtempSync(join(tmpdir(), 'suban-pair-')), 'shared.db');
  const a = await openDatabase({ url: `sqlite:${file}` });
  await a.migrate();
  const b = await openDatabase({ url: `sqlite:${file}` });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  return [a, b];
}

/** A fresh migrated database: in-memory SQLite, or a PostgreSQL schema of its own dropped afterwards. */
export async function freshDatabase(t: Teardown, engine: Engine): Promise<{ db: Database; url: string; schema?: string }> {
  if (engine === 'sqlite') {
    const db = await openDatabase({ url: 'sqlite::memory:' });
    await db.migrate();
    t.teardown(() => db.close());
    return { db, url: 'sqlite::memory:' };
  }
  const url = process.env.SUBAN_TEST_PG_URL!;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url, schema, poolSize: 8 });
  await db.migrate();
  t.teardown(async () => {
    await db.close();
    await dropSchema(url, schema);
  });
  return { db, url, schema };
}

export async function dropSchema(url: string, schema: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
}

export function newSchemaName() {
  return `t_${randomBytes(6).toString('hex')}`;
}
