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
import { BACKSTOP_AUTOCHECKPOINT_PAGES, Checkpointer } from './checkpointer.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The query API both dialects share; typed as the SQLite one (see tables.ts). */
export type Db = BetterSQLite3Database<Record<string, never>>;

export interface Database {
  dialect: 'sqlite' | 'pg';
  db: Db;
  t: Tables;
  /** Run `fn` in a transaction. On SQLite transactions are serialised in-process (one writer, group commit). */
  tx<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** PostgreSQL pool (for LISTEN/NOTIFY), null on SQLite. */
  pool: pg.Pool | null;
  /** SQLite file databases: the thread that checkpoints the write-ahead log. */
  checkpointer?: Checkpointer | null;
}

export interface OpenOptions {
  url: string;
  /** PostgreSQL schema to use (tests give each run its own). */
  schema?: string;
  poolSize?: number;
  /** PostgreSQL: how long connecting (or waiting for a pooled connection) may take. */
  connectTimeoutMs?: number;
  /** PostgreSQL: how long a query may go unanswered before it fails. */
  queryTimeoutMs?: number;
  /** SQLite: how often the checkpoint thread copies the log back (tests set it out of the way). */
  checkpointEveryMs?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return isPostgresUrl(opts.url) ? openPg(opts) : openSqlite(opts.url, opts);
}

interface Waiting {
  fn: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** How many queued transactions may share one COMMIT; bounds the wait of the first of them. */
const GROUP_LIMIT = 64;

/**
 * The one writer of an embedded database. better-sqlite3 has one connection, so transactions run
 * one after another; the ones that queued meanwhile share the next COMMIT (group commit), because
 * the commit, not the statements, is most of a small transaction's cost. Each runs inside its own
 * SAVEPOINT, so a failing one is rolled back alone, and every caller hears its result only after
 * the COMMIT that made its writes durable.
 */
export class GroupCommitWriter {
  /** Transactions run and commits made (their ratio is the grouping). */
  readonly stats = { transactions: 0, commits: 0 };
  private readonly queue: Waiting[] = [];
  private running = false;
  private scheduled = false;
  private readonly stmt: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', BetterSqlite.Statement>;

  constructor(private readonly conn: BetterSqlite.Database) {
    // Prepared once: `exec` would parse them again for every transaction.
    this.stmt = {
      begin: conn.prepare('BEGIN IMMEDIATE'),
      commit: conn.prepare('COMMIT'),
      rollback: conn.prepare('ROLLBACK'),
      savepoint: conn.prepare('SAVEPOINT tx'),
      release: conn.prepare('RELEASE tx'),
      rollbackTo: conn.prepare('ROLLBACK TO tx'),
    };
  }

  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.running || this.scheduled) return;
      // Start on the next turn of the event loop, not now: requests whose data already arrived
      // are handled first and queue their transactions, which then share one commit. Started at
      // once, every request's transaction committed alone.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    });
  }

  private async drain() {
    this.running = true;
    const { conn, stmt } = this;
    while (this.queue.length) {
      let done: { w: Waiting; result: unknown }[] = [];
      if (!this.begin()) return;
      for (let n = 0; n < GROUP_LIMIT && this.queue.length; n++) {
        const w = this.queue.shift()!;
        try {
          stmt.savepoint.run();
          const result = await w.fn();
          stmt.release.run();
          done.push({ w, result });
        } catch (e) {
          w.reject(e);
          if (conn.inTransaction) {
            stmt.rollbackTo.run();
            stmt.release.run();
          } else {
            // SQLite gave up the whole transaction (I/O error, disk full): what this batch did so far is gone too.
            done.forEach((d) => d.w.reject(e));
            done = [];
            if (!this.begin()) return;
          }
        }
      }
      try {
        stmt.commit.run();
        this.stats.commits++;
        this.stats.transactions += done.length;
        done.forEach((d) => d.w.resolve(d.result));
      } catch (e) {
        if (conn.inTransaction) stmt.rollback.run();
        done.forEach((d) => d.w.reject(e));
      }
    }
    this.running = false;
  }

  /** Opens the batch's transaction; when even that fails, everyone waiting hears why. */
  private begin(): boolean {
    try {
      this.stmt.begin.run();
      return true;
    } catch (e) {
      this.queue.splice(0).forEach((w) => w.reject(e));
      this.running = false;
      return false;
    }
  }
}

function openSqlite(url: string, opts: OpenOptions): Database {
  const file = url.replace(/^(sqlite|file):(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const conn = new BetterSqlite(file);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('foreign_keys = ON');
  // A bigger page cache and memory-mapped reads: the default 2 MB cache is smaller than one busy
  // day's tickets and indexes, and every miss is a read() system call.
  conn.pragma('cache_size = -65536');
  conn.pragma('mmap_size = 268435456');
  // Checkpoints run on their own thread (checkpointer.ts); in-memory databases have no log.
  const checkpointer = file === ':memory:' ? null : new Checkpointer(file, opts.checkpointEveryMs);
  if (checkpointer) conn.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  cacheStatements(conn);
  const db = drizzleSqlite(conn) as unknown as Db;
  const writer = new GroupCommitWriter(conn);
  return {
    dialect: 'sqlite',
    db,
    t: sqliteSchema as unknown as Tables,
    pool: null,
    checkpointer,
    tx: (fn) => writer.run(() => fn(db)),
    migrate: async () => migrateSqlite(db as never, { migrationsFolder: join(here, 'migrations/sqlite') }),
    ping: async () => {
      conn.prepare('select 1').get();
    },
    close: async () => {
      await writer.run(async () => undefined);
      await checkpointer?.stop();
      conn.close();
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
  const queryTimeoutMs = opts.queryTimeoutMs ?? 35_000;
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    // A partitioned network must turn into errors (503 + Retry-After), not requests that hang forever.
    keepAlive: true,
    query_timeout: queryTimeoutMs,
    // The server cancels a merely slow statement first: a clean error on a connection that stays
    // usable. The client-side deadline above is then only reached when the network is silent.
    statement_timeout: queryTimeoutMs - Math.min(5000, Math.floor(queryTimeoutMs / 5)),
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
    tx: async (fn) => {
      // Not drizzle's pool transaction: it never releases the client when BEGIN fails and returns
      // one whose statement got no answer to the pool; a network partition did both
      // (test/reliability/partition.test.ts): the pool ran dry for good, the process crashed on
      // the leaked clients' errors once the network was back.
      const client = await pool.connect();
      // A connection dying between two statements must not crash the process (an 'error' event with no listener).
      const ignore = () => undefined;
      client.on('error', ignore);
      let lost: Error | undefined;
      try {
        return await (drizzlePg(client) as unknown as typeof pgDb).transaction((tx) => fn(tx as Db));
      } catch (e) {
        if (connectionLost(e)) lost = e as Error;
        throw e;
      } finally {
        client.off('error', ignore);
        // With an error the pool closes the connection instead of handing it out again.
        client.release(lost);
      }
    },
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

/** No answer, or no connection: such a connection cannot be reused (its statement may still be running). */
function connectionLost(e: unknown): boolean {
  for (let c = e as { message?: string; code?: string; cause?: unknown } | undefined, depth = 0; c && depth < 5; c = c.cause as typeof c, depth++) {
    if (/Query read timeout|Connection terminated|not queryable/i.test(c.message ?? '')) return true;
    if (['ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '08006'].includes(c.code ?? '')) return true;
  }
  return false;
}

export { sql };
