/**
 * The knowledge base's use cases: search (the KnowledgeSearch port the desk, bots and IVR use),
 * writing and reviewing entries, staleness lists. The search index lives in process and is rebuilt
 * when the entries change: at once after a write here, and on other instances when the database's
 * change counter has moved (checked at most every `refreshMs` on a search).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import { conflict, notFound } from '../../domain/errors.js';
import { maskPersonalText } from '../../domain/privacy.js';
import {
  approveEntry,
  createEntry,
  rejectEntry,
  servedContent,
  staleness,
  submitEntry,
  updateEntry,
  withdrawEntry,
  latestContent,
  type ContentInput,
  type CreateOptions,
  type KnowledgeActor,
  type KnowledgeChange,
  type KnowledgeEntry,
  type StaleReason,
} from '../../domain/knowledge/entry.js';
import type { KnowledgeHit, KnowledgeListFilter, KnowledgeSearch, KnowledgeStore } from '../ports/knowledge.js';
import { KnowledgeTextIndex, type Analyzer, type RankParams, DEFAULT_RANK } from './text-index.js';

/**
 * The confidence at or above which a bot answers on its own: chosen on the labelled set's dev half
 * (scripts/bench/knowledge.ts prints the precision/recall of miss detection at this value).
 */
export const CONFIDENT_AT = 0.7;

export interface KnowledgeServiceDeps {
  store: KnowledgeStore;
  clock: Clock;
  /** Called on the first search (loading jieba takes ~0.2 s; start-up does not wait for it). */
  analyzer: () => Analyzer;
  /** How often a search checks the database's change counter (other instances' writes). */
  refreshMs?: number;
  params?: RankParams;
  confidentAt?: number;
  /** Monotonic milliseconds for the refresh check (tests). */
  monotonic?: () => number;
}

interface Loaded {
  revision: number;
  index: KnowledgeTextIndex;
  entries: Map<string, KnowledgeEntry>;
}

export interface StaleItem {
  entry: KnowledgeEntry;
  reasons: StaleReason[];
}

/** How long one slice of first-time analysis may hold the event loop. */
const SLICE_MS = 10;

/**
 * Segments the entries' fields into the analyzer's cache a slice at a time, yielding to the event
 * loop between slices. jieba over 5,000 entries takes seconds; done inside the index's constructor
 * it stopped the whole server (screen pops, webhooks) for that long on the first search after a
 * start. The index build itself then reads only cached terms.
 */
async function analyseInSlices(analyzer: Analyzer, docs: readonly { title: string; variants: readonly string[]; answer: string }[]): Promise<void> {
  let sliceStart = performance.now();
  for (const d of docs) {
    analyzer.cachedTerms(d.title);
    for (const v of d.variants) analyzer.cachedTerms(v);
    analyzer.cachedTerms(d.answer);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

export class KnowledgeService implements KnowledgeSearch {
  readonly confidentAt: number;
  private loaded: Loaded | null = null;
  private loading: Promise<Loaded> | null = null;
  private checking: Promise<void> | null = null;
  private lastCheck = -Infinity;
  private dirty = true;
  private readonly refreshMs: number;
  private readonly mono: () => number;

  constructor(private readonly deps: KnowledgeServiceDeps) {
    this.confidentAt = deps.confidentAt ?? CONFIDENT_AT;
    this.refreshMs = deps.refreshMs ?? 2000;
    this.mono = deps.monotonic ?? (() => performance.now());
  }

  get store() {
    return this.deps.store;
  }

  // ---- search ----

  async search(text: string, opts: { limit?: number; at?: Date } = {}): Promise<KnowledgeHit[]> {
    const limit = Math.max(1, Math.min(opts.limit ?? 5, 50));
    const at = opts.at ?? this.deps.clock.now();
    const l = await this.current();
    const hits = l.index.search(text, limit, (id) => {
      const e = l.entries.get(id);
      return !!e && !!servedContent(e, at);
    });
    return hits.map((h) => {
      const e = l.entries.get(h.id)!;
      const c = e.published!;
      return { entryId: e.id, title: c.title, answer: c.answer, unit: c.unit, score: h.score, confidence: h.confidence, readable: c.readable, matched: h.matched };
    });
  }

  async recordUse(entryId: string, use: { channel: string; by: string | null; ticketId: string | null; at: Date }) {
    await this.deps.store.addUse(entryId, use);
  }

  /** The question is kept for the units' to-do list with phone and ID numbers and introduced names masked. */
  async recordMiss(question: string, meta: { channel: string; at: Date }) {
    await this.deps.store.addMiss(maskPersonalText(question.slice(0, 1000)), meta);
  }

  /** The index as of the latest change this instance knows of (reloads when the counter moved). */
  private async current(): Promise<Loaded> {
    if (!this.dirty && this.loaded && this.mono() - this.lastCheck >= this.refreshMs) {
      this.checking ??= (async () => {
        try {
          const rev = await this.deps.store.revision();
          this.lastCheck = this.mono();
          if (this.loaded && rev !== this.loaded.revision) this.dirty = true;
        } finally {
          this.checking = null;
        }
      })();
      await this.checking;
    }
    if (this.dirty || !this.loaded) {
      this.loading ??= this.load().finally(() => {
        this.loading = null;
      });
      const l = await this.loading;
      // A write may have come in while loading; it marked dirty again and the next search reloads.
      return l;
    }
    return this.loaded;
  }

  private async load(): Promise<Loaded> {
    this.dirty = false;
    const revision = await this.deps.store.revision();
    const published = await this.deps.store.published();
    this.lastCheck = this.mono();
    const docs = published.map((e) => ({ id: e.id, title: e.published!.title, variants: e.published!.variants, answer: e.published!.answer }));
    const analyzer = this.deps.analyzer();
    await analyseInSlices(analyzer, docs);
    const index = new KnowledgeTextIndex(analyzer, docs, this.deps.params ?? DEFAULT_RANK);
    this.loaded = { revision, index, entries: new Map(published.map((e) => [e.id, e])) };
    return this.loaded;
  }

  /** Builds the index ahead of the first search (at start, in the background). */
  async warm(): Promise<void> {
    await this.current();
  }

  /** Forget the index (after a write; the next search rebuilds it). */
  invalidate() {
    this.dirty = true;
  }

  // ---- entries ----

  private async write(changes: { change: KnowledgeChange; expectedVersion: number | null }[]) {
    try {
      await this.deps.store.apply(changes);
    } finally {
      this.invalidate();
    }
  }

  async get(id: string): Promise<KnowledgeEntry> {
    const e = await this.deps.store.get(id);
    if (!e) throw notFound('knowledge', id);
    return e;
  }

  history(id: string) {
    return this.deps.store.history(id);
  }

  list(filter: KnowledgeListFilter) {
    return this.deps.store.list(filter);
  }

  async create(actor: KnowledgeActor, input: ContentInput, opts: CreateOptions & { id?: string } = {}): Promise<KnowledgeEntry> {
    const change = createEntry(opts.id ?? randomUUID(), input, actor, this.deps.clock.now(), opts);
    await this.write([{ change, expectedVersion: null }]);
    return change.entry;
  }

  private async change(id: string, expectedVersion: number | undefined, fn: (e: KnowledgeEntry, at: Date) => KnowledgeChange): Promise<KnowledgeEntry> {
    const e = await this.get(id);
    if (expectedVersion !== undefined && expectedVersion !== e.version) {
      throw conflict('knowledge_version', `知识条目 ${id} 已被他人修改，请刷新后重试 (entry ${id} changed meanwhile; reload and retry)`, { id, version: e.version });
    }
    const change = fn(e, this.deps.clock.now());
    await this.write([{ change, expectedVersion: e.version }]);
    return change.entry;
  }

  update(actor: KnowledgeActor, id: string, input: ContentInput, expectedVersion?: number) {
    return this.change(id, expectedVersion, (e, at) => updateEntry(e, input, actor, at));
  }

  submit(actor: KnowledgeActor, id: string, note: string | null = null, expectedVersion?: number) {
    return this.change(id, expectedVersion, (e, at) => submitEntry(e, actor, at, note));
  }

  approve(actor: KnowledgeActor, id: string, note: string | null = null, expectedVersion?: number) {
    return this.change(id, expectedVersion, (e, at) => approveEntry(e, actor, at, note));
  }

  reject(actor: KnowledgeActor, id: string, reason: string, expectedVersion?: number) {
    return this.change(id, expectedVersion, (e, at) => rejectEntry(e, actor, at, reason));
  }

  withdraw(actor: KnowledgeActor, id: string, reason: string | null = null, expectedVersion?: number) {
    return this.change(id, expectedVersion, (e, at) => withdrawEntry(e, actor, at, reason));
  }

  /** Several prepared changes in one transaction (imports, the demo seed). */
  applyChanges(changes: { change: KnowledgeChange; expectedVersion: number | null }[]) {
    return this.write(changes);
  }

  /** Entries in service that need their unit's attention (past valid-to, not reviewed for 12 months). */
  async stale(unit?: string | null, at: Date = this.deps.clock.now()): Promise<StaleItem[]> {
    const all = await this.deps.store.all(unit === undefined ? {} : { unit });
    return all.map((entry) => ({ entry, reasons: staleness(entry, at) })).filter((s) => s.reasons.length > 0);
  }

  /** The content an editor of the entry starts from. */
  latest(e: KnowledgeEntry) {
    return latestContent(e);
  }
}
