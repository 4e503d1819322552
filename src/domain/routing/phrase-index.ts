/**
 * Finds every listed phrase in a text: a trie over UTF-16 code units, walked from each position of
 * the text for as long as some phrase continues. Phrases are short (2–10 characters), so a walk
 * ends after a character or two; unlike cutting every (start, length) window out of the text and
 * looking it up, it allocates nothing but the matches (the classifier's hottest loop).
 */
export interface PhraseMatch<T> {
  phrase: string;
  start: number;
  end: number;
  payload: T[];
}

interface TrieNode<T> {
  next: Map<number, TrieNode<T>> | null;
  /** Set when a phrase ends here. */
  phrase: string | null;
  payload: T[] | null;
}

const node = <T>(): TrieNode<T> => ({ next: null, phrase: null, payload: null });

export class PhraseIndex<T> {
  private readonly root: TrieNode<T> = node();
  private readonly ends = new Map<string, TrieNode<T>>();

  add(phrase: string, payload: T): void {
    if (!phrase) return;
    let n = this.ends.get(phrase);
    if (!n) {
      n = this.root;
      for (let i = 0; i < phrase.length; i++) {
        const c = phrase.charCodeAt(i);
        n.next ??= new Map();
        let child = n.next.get(c);
        if (!child) n.next.set(c, (child = node()));
        n = child;
      }
      n.phrase = phrase;
      n.payload = [];
      this.ends.set(phrase, n);
    }
    n.payload!.push(payload);
  }

  phrases(): IterableIterator<string> {
    return this.ends.keys();
  }

  /** Every occurrence, by start and then by length (shortest first), overlaps included. */
  findAll(text: string): PhraseMatch<T>[] {
    const out: PhraseMatch<T>[] = [];
    const root = this.root.next;
    if (!root) return out;
    for (let i = 0; i < text.length; i++) {
      let n = root.get(text.charCodeAt(i));
      for (let j = i + 1; n; j++) {
        if (n.payload) out.push({ phrase: n.phrase!, start: i, end: j, payload: n.payload });
        if (!n.next || j >= text.length) break;
        n = n.next.get(text.charCodeAt(j));
      }
    }
    return out;
  }
}

/**
 * Drops matches that lie strictly inside a longer match, so the most specific phrase speaks:
 * 燃气热水器 hides 燃气, 红都社区 hides 红都. Matches of equal span are all kept.
 */
export function keepMostSpecific<T>(matches: PhraseMatch<T>[]): PhraseMatch<T>[] {
  const byLength = [...matches].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: PhraseMatch<T>[] = [];
  for (const m of byLength) {
    const inside = kept.some((k) => k.start <= m.start && m.end <= k.end && k.end - k.start > m.end - m.start);
    if (!inside) kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start || b.end - a.end);
}
