/**
 * The policy knowledge base (知识库) as the rest of the application sees it. The knowledge helper
 * owns its implementation (`src/application/knowledge`); desk, bots, SMS and IVR code only this.
 */
import type { KnowledgeChange, KnowledgeEntry, KnowledgeHistoryRecord, ReviewState } from '../../domain/knowledge/entry.js';

export interface KnowledgeHit {
  entryId: string;
  title: string;
  /** Plain text, short enough to read out or send by SMS. */
  answer: string;
  unit: string | null;
  /** Ranking score (BM25-like); higher is better, not comparable across queries. */
  score: number;
  /** 0..1: how sure the search is that this entry answers the question (bots answer at >= confidentAt). */
  confidence: number;
  /** The IVR may read this answer out. */
  readable: boolean;
  /** The terms that matched, for the desk's "why". */
  matched: string[];
}

export interface KnowledgeSearch {
  /** Approved entries valid at `at`, best first. */
  search(text: string, opts?: { limit?: number; at?: Date }): Promise<KnowledgeHit[]>;
  /** The confidence at or above which a bot answers on its own. */
  readonly confidentAt: number;
  /** Count a use of an entry (answered on the desk, by a bot, by the IVR) for the "most used" list. */
  recordUse(entryId: string, use: { channel: string; by: string | null; ticketId: string | null; at: Date }): Promise<void>;
  /** A question that found no (confident) entry, for the units' to-do list. */
  recordMiss(question: string, meta: { channel: string; at: Date }): Promise<void>;
}

// ---- Storage of the knowledge base (implemented in adapters/db/knowledge-store.ts) ----

export interface KnowledgeListFilter {
  unit?: string | null;
  state?: ReviewState;
  sample?: boolean;
  /** Substring of the title. */
  title?: string;
  limit?: number;
  offset?: number;
}

export interface KnowledgeUseCount {
  entryId: string;
  title: string;
  unit: string | null;
  uses: number;
}

export interface KnowledgeMiss {
  id: number;
  question: string;
  channel: string;
  at: Date;
  data: Record<string, unknown> | null;
}

export interface KnowledgeStore {
  /**
   * Writes changes in one transaction: a change whose `expectedVersion` is null inserts a new entry,
   * otherwise the entry is updated only if it still has that version (else a 409). Each change
   * appends its history record; the `knowledge` change counter moves once.
   */
  apply(changes: { change: KnowledgeChange; expectedVersion: number | null }[]): Promise<void>;
  get(id: string): Promise<KnowledgeEntry | null>;
  getByExternalId(externalId: string): Promise<KnowledgeEntry | null>;
  list(filter: KnowledgeListFilter): Promise<{ items: KnowledgeEntry[]; total: number }>;
  /** Entries with published content (what a search index is built from). */
  published(): Promise<KnowledgeEntry[]>;
  /** Every entry (export, staleness lists). */
  all(filter?: { unit?: string | null }): Promise<KnowledgeEntry[]>;
  history(id: string): Promise<(KnowledgeHistoryRecord & { seq: number })[]>;
  count(): Promise<number>;
  /** The change counter: moves on every write of entries (across instances). */
  revision(): Promise<number>;
  addUse(entryId: string, use: { channel: string; by: string | null; ticketId: string | null; at: Date; data?: Record<string, unknown> | null }): Promise<void>;
  addMiss(question: string, meta: { channel: string; at: Date; data?: Record<string, unknown> | null }): Promise<void>;
  topUses(range: { from: Date; to: Date; limit: number }): Promise<KnowledgeUseCount[]>;
  misses(range: { from: Date; to: Date; limit: number }): Promise<KnowledgeMiss[]>;
}
