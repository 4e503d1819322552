/**
 * Statements on the hot paths (intake, job timers), built by drizzle once instead of per call:
 * building the SQL costs more than running it on SQLite. On SQLite the prepared query is kept (one
 * connection; transactions run on it). On PostgreSQL a prepared query belongs to the client of its
 * transaction, so it is built on `tx` each time, under a name so the server parses it once per
 * connection.
 */
import { sql, type Placeholder } from 'drizzle-orm';
import type { Database, Db } from './database.js';

interface Preparable<P> {
  prepare(name: string): P;
}

export function prepared<P>(d: Database, name: string, build: (db: Db) => Preparable<P>): (tx: Db) => P {
  let cached: P | undefined;
  return (tx) => (d.dialect === 'sqlite' ? (cached ??= build(d.db).prepare(name)) : build(tx).prepare(name));
}

/** `{ col: sql.placeholder('col') }` for the given keys: an insert's values, filled at execution. */
export function placeholders<K extends string>(keys: readonly K[]): Record<K, Placeholder<K>> {
  return Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)])) as Record<K, Placeholder<K>>;
}
