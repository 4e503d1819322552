/**
 * Opens the database named by the configuration: embedded SQLite (better-sqlite3, WAL) by default,
 * PostgreSQL when the URL says so. Everything above this file sees one `Database`.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite from 'better-sqlite3';
import { drizzle as drizzleSqlite, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import * as sqliteSchema from './schema.sqlite.js';
import * as pgSchema from './schema.pg.js';
import type { Tables } from './tables.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The query API both dialects share; typed as the SQLite one (see tables.ts). */
export type Db = BetterSQLite3Database<Record<string, never>>;

export interface Database {
  dialect: 'sqlite' | 'pg';
  db: Db;
  t: Tables;
  /** Run `fn` in a transaction. On SQLite transactions are serialised in-process (one writer). */
  tx<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL pool (for LISTEN/NOTIFY), null on SQLite. */
  pool: pg.Pool | null;
}

export interface OpenOptions {
  url: string;
  /** PostgreSQL schema to use (tests give each run its own). */
  schema?: string;
  poolSize?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return isPostgresUrl(opts.url) ? openPg(opts) : openSqlite(opts.url);
}

/** A FIFO lock: better-sqlite3 has one connection, so an open transaction must not interleave with another. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

function openSqlite(url: string): Database {
  const file = url.replace(/^(sqlite|file):(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const conn = new BetterSqlite(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('foreign_keys = ON');
  cacheStatements(conn);
  const db = drizzleSqlite(conn) as unknown as Db;
  const lock = new Mutex();
  return {
    dialect: 'sqlite',
    db,
    t: sqliteSchema as unknown as Tables,
    pool: null,
    tx: (fn) =>
      lock.run(async () => {
        conn.exec('BEGIN IMMEDIATE');
        try {
          const r = await fn(db);
          conn.exec('COMMIT');
          return r;
        } catch (e) {
          if (conn.inTransaction) conn.exec('ROLLBACK');
          throw e;
        }
      }),
    migrate: async () => migrateSqlite(db as never, { migrationsFolder: join(here, 'migrations/sqlite') }),
    ping: async () => {
      conn.prepare('select 1').get();
    },
    close: async () => {
      await lock.run(async () => conn.close());
    },
  };
}

/**
 * drizzle prepares a new better-sqlite3 statement for every query, and preparing costs more than
 * running. Statements are cached by their SQL text; `raw` mode, which drizzle toggles per call,
 * is reset so a cached statement behaves like a fresh one.
 */
function cacheStatements(conn: BetterSqlite.Database) {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, BetterSqlite.Statement>();
  (conn as { prepare: (sql: string) => BetterSqlite.Statement }).prepare = (sqlText: string) => {
    let stmt = cache.get(sqlText);
    if (!stmt) {
      stmt = prepare(sqlText);
      if (cache.size >= 1000) cache.clear();
      cache.set(sqlText, stmt);
    } else if (stmt.reader) stmt.raw(false);
    return stmt;
  };
}

async function openPg(opts: OpenOptions): Promise<Database> {
  const schema = opts.schema;
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    // A partitioned network must turn into errors (503 + Retry-After), not requests that hang forever.
    keepAlive: true,
    query_timeout: 35_000,
    statement_timeout: 30_000,
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  // An idle client losing its server (PostgreSQL restarted) must not crash the process.
  pool.on('error', () => undefined);
  const db = drizzlePg(pool) as unknown as Db;
  const pgDb = db as unknown as { transaction<T>(f: (tx: unknown) => Promise<T>): Promise<T> };
  return {
    dialect: 'pg',
    db,
    t: pgSchema as unknown as Tables,
    pool,
    tx: (fn) => pgDb.transaction((tx) => fn(tx as Db)),
    migrate: async () => {
      // Instances starting together must not migrate a fresh schema at the same moment: a session
      // advisory lock makes the second wait and then find nothing left to do.
      const lock = await pool.connect();
      try {
        await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`suban-migrate:${schema ?? 'public'}`]);
        if (schema) await lock.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await migratePg(db as never, { migrationsFolder: join(here, 'migrations/pg'), migrationsSchema: schema ?? 'drizzle' });
      } finally {
        await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`suban-migrate:${schema ?? 'public'}`]).catch(() => undefined);
        lock.release();
      }
    },
    ping: async () => {
      await pool.query('select 1');
    },
    close: async () => {
      await pool.end();
    },
  };
}

export { sql };
