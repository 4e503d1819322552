/**
 * The unit model's and the 即办 model's vocabularies in one table, with the per-text buffers both
 * fill. A text's n-grams are looked up once instead of once per model, and each arrives as its code
 * units (text-structure.ts walkFeatures), so a long message's thousands of n-grams allocate nothing.
 * The buffers are reused by every classification (it is synchronous) and cleared through the lists
 * of touched entries.
 */
import { FeatureTable } from './feature-table.js';
import type { FeatureKey, FeatureSink } from './text-structure.js';

export class JointVocabulary implements FeatureSink {
  private readonly table: FeatureTable;
  /** Joint id → the unit model's index / the 即办 model's index, or -1. */
  private readonly unitOf: Int32Array;
  private readonly urgentOf: Int32Array;
  private readonly tf: Float64Array;
  /** Touched indices with counts (typed arrays: an array emptied with length = 0 regrows per text). */
  private readonly tfSeen: Int32Array;
  private tfCount = 0;
  private readonly urgentMark: Uint8Array;
  private readonly urgentSeen: Int32Array;
  private urgentCount = 0;

  constructor(unitKeys: readonly FeatureKey[], urgentKeys: readonly FeatureKey[]) {
    const ids = new Map<FeatureKey, number>();
    for (const k of [...unitKeys, ...urgentKeys]) if (!ids.has(k)) ids.set(k, ids.size);
    this.unitOf = new Int32Array(ids.size).fill(-1);
    this.urgentOf = new Int32Array(ids.size).fill(-1);
    unitKeys.forEach((k, i) => (this.unitOf[ids.get(k)!] = i));
    urgentKeys.forEach((k, j) => (this.urgentOf[ids.get(k)!] = j));
    this.table = new FeatureTable(ids.entries());
    this.tf = new Float64Array(unitKeys.length);
    this.urgentMark = new Uint8Array(urgentKeys.length);
    this.tfSeen = new Int32Array(unitKeys.length);
    this.urgentSeen = new Int32Array(urgentKeys.length);
  }

  private sentenceWeight = 1;

  weight(w: number): void {
    this.sentenceWeight = w;
  }

  ngram(len: number, c1: number, c2: number, c3: number): void {
    const id = this.table.getNgram(len, c1, c2, c3);
    if (id >= 0) this.hit(id, this.sentenceWeight);
  }

  word(key: string, w: number): void {
    const id = this.table.get(key);
    if (id >= 0) this.hit(id, w);
  }

  private hit(id: number, w: number): void {
    const i = this.unitOf[id];
    if (i >= 0) {
      if (this.tf[i] === 0) this.tfSeen[this.tfCount++] = i;
      this.tf[i] += w;
    }
    const j = this.urgentOf[id];
    if (j >= 0 && this.urgentMark[j] === 0) {
      this.urgentMark[j] = 1;
      this.urgentSeen[this.urgentCount++] = j;
    }
  }

  /**
   * Hands the collected text to `use` (the unit model's touched indices in first-seen order with
   * their weights, and the 即办 model's distinct indices), then clears the buffers.
   */
  take<T>(use: (tfSeen: Int32Array, tf: Float64Array, urgentKnown: Int32Array) => T): T {
    const tfSeen = this.tfSeen.subarray(0, this.tfCount);
    const urgentSeen = this.urgentSeen.subarray(0, this.urgentCount);
    try {
      return use(tfSeen, this.tf, urgentSeen);
    } finally {
      for (const i of tfSeen) this.tf[i] = 0;
      for (const j of urgentSeen) this.urgentMark[j] = 0;
      this.tfCount = 0;
      this.urgentCount = 0;
    }
  }
}
