/**
 * The classifier on its own thread(s). Classifying a citizen's text (jieba, phrase index, two small
 * models) is the largest CPU cost of an intake — more than the HTTP handling and the SQLite writes
 * together — and its garbage lands on the thread that serves every other request. In a worker it
 * runs beside the main thread on a second core. Classification is a pure function of the text and
 * the duty list, so a request whose worker died is simply sent again.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { ClassificationResult, ClassifierPort } from '../../src/application/ports/routing.js';

export interface ClassifierWorkerData {
  dutyList: string;
  threshold: number;
  /** SUBAN_ROUTING_MODEL: '' for the built-in model. */
  routingModel?: string;
}
export interface ClassifierWorkerRequest {
  id: number;
  text: string;
}
export type ClassifierWorkerReply = { id: number; result: ClassificationResult } | { id: number; error: string };

interface Pending {
  text: string;
  resolve(r: ClassificationResult | PromiseLike<ClassificationResult>): void;
  reject(e: Error): void;
  /** Workers that died holding this request: after MAX_ATTEMPTS it is classified on this thread. */
  attempts: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  inFlight: Map<number, Pending>;
}

const MAX_ATTEMPTS = 2;
/** Workers that die before they are ready, in a row: then this process classifies on its own thread. */
const MAX_FAILED_STARTS = 2;

declare global {
  /** Set by scripts/build-server.mjs in the bundle: the worker entries' file names in dist/app/. */
  var __SUBAN_WORKERS__: { classifier: string } | undefined;
}

/**
 * The worker: the bundled file in dist/app/ (the bundle rewrites import.meta.url to this source
 * file's URL, see build-server.mjs), or from source (tests, tsx) the TypeScript file, loaded through
 * tsx's loader: Node 20 does not hand a worker the `--import tsx` of the process.
 */
function startWorker(data: ClassifierWorkerData): Worker {
  const opts = { workerData: data, name: 'suban-classifier' };
  const bundled = globalThis.__SUBAN_WORKERS__;
  if (bundled) return new Worker(new URL(`../../dist/app/${bundled.classifier}`, import.meta.url), opts);
  const source = new URL('./classifier-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`, { ...opts, eval: true });
}

export class ClassifierPool implements ClassifierPort {
  private readonly slots: Slot[] = [];
  private readonly queue: { id: number; p: Pending }[] = [];
  private nextId = 1;
  private flushScheduled = false;
  private failedStarts = 0;
  private closed = false;
  private local: ClassifierPort | null = null;
  private readonly readyWaiters: (() => void)[] = [];
  /** Neither the workers nor this thread could load the classifier (a broken duty list): /readyz stays red. */
  private broken: Error | null = null;

  constructor(
    private readonly data: ClassifierWorkerData,
    private readonly size: number,
    private readonly log: Logger,
    /** Builds the same classifier on this thread: used when workers cannot run. */
    private readonly loadLocal: () => ClassifierPort,
  ) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  /** Resolves once every worker has loaded the classifier (or the pool fell back to this thread). */
  ready(): Promise<void> {
    if (this.local || this.slots.every((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  classify(text: string): Promise<ClassificationResult> {
    if (this.closed) return Promise.reject(new Error('classifier pool closed'));
    if (this.broken) return Promise.reject(this.broken);
    if (this.local) return new Promise((resolve) => resolve(this.local!.classify(text)));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, p: { text, resolve, reject, attempts: 0 } });
      this.scheduleFlush();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const err = new Error('classifier pool closed');
    for (const { p } of this.queue.splice(0)) p.reject(err);
    for (const s of this.slots.splice(0)) {
      for (const p of s.inFlight.values()) p.reject(err);
      s.inFlight.clear();
      s.worker.removeAllListeners('exit');
      await s.worker.terminate();
    }
  }

  /** Requests of one turn of the event loop travel as one message: posting costs more than cloning. */
  private scheduleFlush() {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush() {
    if (this.local) {
      for (const { p } of this.queue.splice(0)) this.runLocally(p);
      return;
    }
    const live = this.slots.filter((s) => s.ready);
    if (!live.length || !this.queue.length) return;
    // Spread over the workers by what each still has to do.
    const per = Math.ceil(this.queue.length / live.length);
    for (const s of live.sort((a, b) => a.inFlight.size - b.inFlight.size)) {
      const batch = this.queue.splice(0, per);
      if (!batch.length) break;
      for (const { id, p } of batch) s.inFlight.set(id, p);
      s.worker.postMessage(batch.map(({ id, p }) => ({ id, text: p.text }) satisfies ClassifierWorkerRequest));
    }
  }

  private spawn() {
    const worker = startWorker(this.data);
    const slot: Slot = { worker, ready: false, inFlight: new Map() };
    this.slots.push(slot);
    worker.on('message', (m: 'ready' | ClassifierWorkerReply[]) => {
      if (m === 'ready') {
        slot.ready = true;
        this.failedStarts = 0;
        this.notifyReady();
        this.flush();
        return;
      }
      for (const r of m) {
        const p = slot.inFlight.get(r.id);
        if (!p) continue;
        slot.inFlight.delete(r.id);
        if ('error' in r) p.reject(new Error(r.error));
        else p.resolve(r.result);
      }
    });
    // An 'error' is followed by 'exit'; the work is redone there.
    worker.on('error', (err) => this.log.error({ err }, 'classifier worker failed'));
    worker.on('exit', (code) => {
      if (this.closed) return;
      this.slots.splice(this.slots.indexOf(slot), 1);
      this.log.error({ code, inFlight: slot.inFlight.size }, 'classifier worker exited; its requests are sent again');
      if (!slot.ready) this.failedStarts++;
      for (const [id, p] of slot.inFlight) {
        p.attempts++;
        if (p.attempts >= MAX_ATTEMPTS) this.runLocally(p);
        else this.queue.unshift({ id, p });
      }
      slot.inFlight.clear();
      if (this.failedStarts >= MAX_FAILED_STARTS) {
        this.log.error('classifier workers do not start: classifying on the main thread');
        try {
          this.local ??= this.loadLocal();
        } catch (e) {
          this.broken = e instanceof Error ? e : new Error(String(e));
          this.log.fatal({ err: this.broken }, 'the classifier cannot be loaded: no ticket can be classified');
          for (const s of this.slots.splice(0)) {
            s.worker.removeAllListeners('exit');
            void s.worker.terminate();
            for (const p of s.inFlight.values()) p.reject(this.broken);
          }
          for (const { p } of this.queue.splice(0)) p.reject(this.broken);
          return;
        }
        for (const s of this.slots.splice(0)) {
          s.worker.removeAllListeners('exit');
          void s.worker.terminate();
          for (const [id, p] of s.inFlight) this.queue.unshift({ id, p });
        }
        this.notifyReady();
      } else this.spawn();
      this.scheduleFlush();
    });
  }

  private runLocally(p: Pending) {
    try {
      this.local ??= this.loadLocal();
      p.resolve(this.local.classify(p.text));
    } catch (e) {
      p.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private notifyReady() {
    if (!this.local && !this.slots.every((s) => s.ready)) return;
    for (const w of this.readyWaiters.splice(0)) w();
  }
}
