/**
 * Statements on the hot paths (intake, job timers), built by drizzle once instead of per call:
 * building the SQL costs more than running it. On PostgreSQL also the SQL of multi-table writes
 * in one statement (one round trip).
 */
import { getTableColumns, getTableName, sql, type Placeholder } from 'drizzle-orm';
import type { Database, Db } from './database.js';

interface Preparable<P> {
  prepare(name: string): P;
}

/** `{ col: sql.placeholder('col') }` for the given keys: an insert's values, filled at execution. */
export function placeholders<K extends string>(keys: readonly K[]): Record<K, Placeholder<K>> {
  return Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)])) as Record<K, Placeholder<K>>;
}

/**
 * PostgreSQL only. The session's client of `tx` (a pooled client in a transaction, or the pool):
 * a statement prepared once is run on it by swapping its client just before `execute`.
 */
function pgClientOf(tx: Db): unknown {
  return (tx as unknown as { session?: { client?: unknown } }).session?.client;
}

/**
 * A statement built by drizzle once. On SQLite the prepared query is kept (one connection;
 * transactions run on it). On PostgreSQL a prepared query is bound to a client: building it again
 * on every call cost more CPU than running it (drizzle's query building), so it is built once and
 * pointed at `tx`'s client at each call; under its name the server parses it once per connection.
 * Call `.execute()` at once on what this returns (the client is read synchronously by drizzle).
 */
export function prepared<P>(d: Database, name: string, build: (db: Db) => Preparable<P>): (tx: Db) => P {
  let cached: P | undefined;
  if (d.dialect === 'sqlite') return () => (cached ??= build(d.db).prepare(name));
  return (tx) => {
    const client = pgClientOf(tx);
    cached ??= build(d.db).prepare(name);
    const q = cached as { client?: unknown };
    // A driver whose prepared query keeps its client elsewhere: build on tx as before.
    if (client === undefined || !('client' in q)) return build(tx).prepare(name);
    q.client = client;
    return cached;
  };
}

type AnyTable = Parameters<typeof getTableColumns>[0];

/** `"name"`: a PostgreSQL identifier (names come from the schema, never from input). */
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * PostgreSQL: an INSERT of rows given as JSON, keyed by column name (see `columnJson`), for one
 * statement that writes several tables (data-modifying CTEs): one round trip instead of one per
 * table. `source` is an SQL expression of type jsonb holding an array (or, with `one`, an object).
 * Generic over the table's columns: types are converted by `jsonb_populate_record(set)`.
 */
export function jsonInsertSql(table: AnyTable, keys: readonly string[], source: string, opts: { one?: boolean; onConflictDoNothing?: boolean } = {}): string {
  const cols = getTableColumns(table) as Record<string, { name: string }>;
  const names = keys.map((k) => {
    if (!cols[k]) throw new Error(`jsonInsertSql: ${getTableName(table)} has no column ${k}`);
    return ident(cols[k].name);
  });
  const t = ident(getTableName(table));
  const fn = opts.one ? 'jsonb_populate_record' : 'jsonb_populate_recordset';
  return `INSERT INTO ${t} (${names.join(', ')}) SELECT ${names.map((n) => `r.${n}`).join(', ')} FROM ${fn}(NULL::${t}, ${source}) AS r${opts.onConflictDoNothing ? ' ON CONFLICT DO NOTHING' : ''}`;
}

/** A row as `jsonInsertSql` reads it: the given keys renamed to their column names (undefined → null). */
export function columnJson(table: AnyTable, keys: readonly string[], row: Record<string, unknown>): Record<string, unknown> {
  const names = columnNames(table);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[names.get(k)!] = row[k] ?? null;
  return out;
}

const namesByTable = new WeakMap<object, Map<string, string>>();
function columnNames(table: AnyTable): Map<string, string> {
  let m = namesByTable.get(table);
  if (!m) {
    m = new Map(Object.entries(getTableColumns(table) as Record<string, { name: string }>).map(([k, c]) => [k, c.name]));
    namesByTable.set(table, m);
  }
  return m;
}
