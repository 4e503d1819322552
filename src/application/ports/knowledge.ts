/**
 * The policy knowledge base (知识库) as the rest of the application sees it. The knowledge helper
 * owns its implementation (`src/application/knowledge`); desk, bots, SMS and IVR code only this.
 */

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
