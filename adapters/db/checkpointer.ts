/**
 * SQLite WAL checkpoints on their own thread. By default SQLite copies the write-ahead log back into
 * the database file inside whichever COMMIT pushes the log past 1,000 pages: on the thread that
 * serves requests, once every few hundred tickets, and measured at about two thirds of all the time
 * COMMIT takes. A second connection on a worker thread checkpoints (PASSIVE: it never blocks the
 * writer or readers) a few times a second instead. The main connection keeps an automatic
 * checkpoint at a much larger size as a backstop, so the log stays bounded even if this thread
 * stops.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Pages after which the main connection checkpoints by itself (backstop; ~40 MB with 4 KiB pages). */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;

export interface CheckpointResult {
  /** 1 when a writer or reader kept part of the log from being copied (PASSIVE does not wait). */
  busy: number;
  /** Frames in the log, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
}

// CommonJS run by the worker; better-sqlite3 is resolved here so the bundle and the sources agree.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const conn = new Database(workerData.file, { fileMustExist: true });
conn.pragma('busy_timeout = 50');
const checkpoint = () => {
  try {
    return conn.pragma('wal_checkpoint(PASSIVE)')[0];
  } catch (e) {
    return { error: String(e && e.message || e) };
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'now') parentPort.postMessage(checkpoint());
  if (m === 'stop') { clearInterval(timer); conn.close(); parentPort.close(); }
});
`;

export class Checkpointer {
  private readonly worker: Worker;
  private waiting: { resolve(r: CheckpointResult): void; reject(e: Error): void }[] = [];
  private readonly exited: Promise<void>;
  private dead = false;

  constructor(file: string, everyMs = 250) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { file, everyMs, driver }, name: 'suban-sqlite-checkpoint' });
    // A lost checkpoint thread costs throughput, not data: the backstop takes over.
    this.worker.on('error', () => undefined);
    this.worker.on('message', (r: CheckpointResult) => {
      this.waiting.shift()?.resolve(r);
      if (!this.waiting.length) this.worker.unref();
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.dead = true;
        for (const w of this.waiting.splice(0)) w.reject(new Error('checkpoint thread stopped'));
        resolve();
      }),
    );
    this.worker.unref();
  }

  /** A checkpoint now (tests, and a check that the thread works). */
  now(): Promise<CheckpointResult> {
    if (this.dead) return Promise.reject(new Error('checkpoint thread stopped'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      // Unreferenced, the thread would not keep the process alive until it answers.
      this.worker.ref();
      this.worker.postMessage('now');
    });
  }

  /** Closes the thread's connection (before the main one closes, which then checkpoints last). */
  stop(): Promise<void> {
    this.worker.ref();
    this.worker.postMessage('stop');
    return this.exited;
  }
}
