/**
 * Runs many regular expressions over one long text without letting each of them try every
 * position. The 即办 patterns begin with large alternations (a hundred family words, hazard
 * characters with look-arounds); a global `exec` tries them at each of a 1,500-character
 * message's positions, which was a quarter of classifying it. Every match of a pattern starts with
 * one of a known set of characters (its first set, read from the pattern's syntax tree), so one
 * pass over the text lists the positions where each pattern can start, and the pattern is tried
 * there only, anchored (sticky). The matches are the same as `exec`'s: the leftmost match from a
 * position is found by trying the candidate positions in order, and a look-behind still sees the
 * whole text. A pattern whose first set cannot be known (it starts with `.`, a negated class or
 * may match the empty string) is scanned the ordinary way.
 */
import { RegExpParser, type AST } from '@eslint-community/regexpp';

/** A class range larger than this makes the first set unknown (scan normally instead). */
const MAX_RANGE = 4096;

interface First {
  /** UTF-16 code units a match can start with; null = any. */
  chars: Set<number> | null;
  /** The element can match without consuming a character. */
  nullable: boolean;
}

const EMPTY: First = { chars: new Set(), nullable: true };
const ANY: First = { chars: null, nullable: false };

function union(a: Set<number> | null, b: Set<number> | null): Set<number> | null {
  if (a === null || b === null) return null;
  const out = new Set(a);
  for (const c of b) out.add(c);
  return out;
}

function single(cp: number): First {
  // Astral characters would need surrogate handling in the scan; none of the patterns use them.
  return cp > 0xffff ? ANY : { chars: new Set([cp]), nullable: false };
}

function ofAlternatives(alternatives: readonly AST.Alternative[]): First {
  let chars: Set<number> | null = new Set();
  let nullable = false;
  for (const alt of alternatives) {
    const f = ofSequence(alt.elements);
    chars = union(chars, f.chars);
    nullable ||= f.nullable;
  }
  return { chars, nullable };
}

function ofSequence(elements: readonly AST.Element[]): First {
  let chars: Set<number> | null = new Set();
  for (const e of elements) {
    const f = ofElement(e);
    chars = union(chars, f.chars);
    if (!f.nullable) return { chars, nullable: false };
  }
  return { chars, nullable: true };
}

function ofClass(node: AST.CharacterClass): First {
  if (node.negate) return ANY;
  const chars = new Set<number>();
  for (const e of node.elements) {
    if (e.type === 'Character') {
      if (e.value > 0xffff) return ANY;
      chars.add(e.value);
    } else if (e.type === 'CharacterClassRange') {
      if (e.max.value > 0xffff || e.max.value - e.min.value > MAX_RANGE) return ANY;
      for (let c = e.min.value; c <= e.max.value; c++) chars.add(c);
    } else return ANY;
  }
  return { chars, nullable: false };
}

function ofElement(e: AST.Element): First {
  switch (e.type) {
    case 'Character':
      return single(e.value);
    case 'CharacterClass':
      return ofClass(e);
    case 'Group':
    case 'CapturingGroup':
      return ofAlternatives(e.alternatives);
    case 'Quantifier': {
      const f = ofElement(e.element);
      return { chars: f.chars, nullable: f.nullable || e.min === 0 };
    }
    case 'Assertion':
      // Look-arounds, ^, $ and \b consume nothing; the next element decides the first character.
      return EMPTY;
    default:
      // `.`, \s, \d, \p{…}, back-references, string alternatives: any character may start.
      return ANY;
  }
}

/** The UTF-16 code units any match of `re` starts with, or null when that cannot be known. */
export function firstCharCodes(re: RegExp): Set<number> | null {
  let pattern: AST.Pattern;
  try {
    pattern = new RegExpParser().parsePattern(re.source, 0, re.source.length, { unicode: re.flags.includes('u'), unicodeSets: re.flags.includes('v') });
  } catch {
    return null;
  }
  if (re.flags.includes('i')) return null;
  const f = ofAlternatives(pattern.alternatives);
  return f.nullable ? null : f.chars;
}

export interface PatternMatch {
  text: string;
  start: number;
  end: number;
}

export class PatternScanner {
  private readonly anchored: (RegExp | null)[];
  /** Global copies for the patterns scanned the ordinary way. */
  private readonly global: (RegExp | null)[];
  /** Code unit → the patterns that can start with it. */
  private readonly startersOf = new Map<number, number[]>();
  /** Scratch per scan, reused: candidate positions of pattern k are positions[from[k] .. from[k+1]). */
  private positions = new Int32Array(1024);
  private readonly from: Int32Array;
  private readonly fill: Int32Array;

  constructor(private readonly patterns: readonly RegExp[]) {
    this.anchored = patterns.map((re, k) => {
      const first = firstCharCodes(re);
      if (!first) return null;
      for (const c of first) {
        const list = this.startersOf.get(c);
        if (list) list.push(k);
        else this.startersOf.set(c, [k]);
      }
      return new RegExp(re.source, re.flags.replace('g', '') + 'y');
    });
    this.global = patterns.map((re, k) => (this.anchored[k] ? null : new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g')));
    this.from = new Int32Array(patterns.length + 1);
    this.fill = new Int32Array(patterns.length);
  }

  /** Whether the pattern at `index` is scanned through its first set (for tests and benchmarks). */
  isIndexed(index: number): boolean {
    return this.anchored[index] !== null;
  }

  /**
   * Reads `text` once and returns a scan: scan(k, onMatch) gives pattern k's matches from left
   * to right, exactly as repeated `exec` of a global regex would, until onMatch returns false.
   * The scan is valid until the next prepare (the classifier is synchronous).
   */
  prepare(text: string): (k: number, onMatch: (m: PatternMatch) => boolean) => void {
    // Two passes (count, then place) so that the candidates live in one reused array.
    const { from, fill, startersOf } = this;
    from.fill(0);
    for (let i = 0; i < text.length; i++) {
      const starters = startersOf.get(text.charCodeAt(i));
      if (starters) for (const k of starters) from[k + 1]++;
    }
    for (let k = 0; k < fill.length; k++) {
      from[k + 1] += from[k];
      fill[k] = from[k];
    }
    if (this.positions.length < from[fill.length]) this.positions = new Int32Array(from[fill.length] * 2);
    const positions = this.positions;
    for (let i = 0; i < text.length; i++) {
      const starters = startersOf.get(text.charCodeAt(i));
      if (starters) for (const k of starters) positions[fill[k]++] = i;
    }
    return (k, onMatch) => {
      const sticky = this.anchored[k];
      if (!sticky) {
        const global = this.global[k]!;
        global.lastIndex = 0;
        for (let m = global.exec(text); m !== null; m = global.exec(text)) {
          if (m[0] === '') {
            global.lastIndex++;
            continue;
          }
          if (!onMatch({ text: m[0], start: m.index, end: m.index + m[0].length })) break;
        }
        global.lastIndex = 0;
        return;
      }
      let next = 0;
      const end = from[k + 1];
      for (let c = from[k]; c < end; c++) {
        const at = positions[c];
        if (at < next) continue;
        sticky.lastIndex = at;
        const m = sticky.exec(text);
        if (m === null) continue;
        // Non-nullable patterns never match empty; the next search starts where this one ended.
        next = at + m[0].length;
        if (!onMatch({ text: m[0], start: at, end: next })) return;
      }
    };
  }
}
