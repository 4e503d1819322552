/**
 * A fixed set of feature keys (a model's vocabulary) looked up without allocating: n-gram keys
 * are packed numbers (text-structure.ts) kept in an open-addressing table of doubles, word keys
 * in a Map. The classifier looks up every n-gram of a text here, thousands for a long message;
 * a JavaScript Map keyed by large numbers cost most of its time.
 */
import type { FeatureKey } from './text-structure.js';

// The packing of text-structure.ts's n-gram keys (packNgram), repeated here for getNgram.
const P16 = 65536;
const P32 = P16 * P16;
const P48 = P32 * P16;

const EMPTY = -1;

export class FeatureTable {
  private readonly keys: Float64Array;
  private readonly values: Int32Array;
  private readonly mask: number;
  private readonly words = new Map<string, number>();

  constructor(entries: Iterable<readonly [FeatureKey, number]>) {
    const list = [...entries];
    let size = 16;
    while (size < list.length * 2) size *= 2;
    this.keys = new Float64Array(size);
    this.values = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    for (const [k, v] of list) {
      if (typeof k === 'string') this.words.set(k, v);
      else this.insert(k, v);
    }
  }

  private slot(k: number): number {
    // Mix both 32-bit halves of the packed key (it is exact up to 2^53).
    const hi = (k / 4294967296) | 0;
    return (Math.imul(k >>> 0, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) & this.mask;
  }

  private insert(k: number, v: number): void {
    let i = this.slot(k);
    while (this.values[i] !== EMPTY && this.keys[i] !== k) i = (i + 1) & this.mask;
    this.keys[i] = k;
    this.values[i] = v;
  }

  /** The value stored for an n-gram given by its code units (text-structure.ts packNgram), or -1. */
  getNgram(len: number, c1: number, c2: number, c3: number): number {
    // Written out (not packNgram + getNumber): a double passed between functions that V8 does not
    // inline is boxed on the heap, and this runs for every n-gram of every text.
    const k = len === 1 ? P48 + c1 : len === 2 ? 2 * P48 + c1 * P16 + c2 : 3 * P48 + c1 * P32 + c2 * P16 + c3;
    const hi = (k / 4294967296) | 0;
    let i = (Math.imul(k >>> 0, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) & this.mask;
    for (;;) {
      const v = this.values[i];
      if (v === EMPTY) return EMPTY;
      if (this.keys[i] === k) return v;
      i = (i + 1) & this.mask;
    }
  }

  private getNumber(k: number): number {
    let i = this.slot(k);
    for (;;) {
      const v = this.values[i];
      if (v === EMPTY) return EMPTY;
      if (this.keys[i] === k) return v;
      i = (i + 1) & this.mask;
    }
  }

  /** The value stored for a key, or -1. */
  get(k: FeatureKey): number {
    if (typeof k === 'string') return this.words.get(k) ?? EMPTY;
    return this.getNumber(k);
  }
}
