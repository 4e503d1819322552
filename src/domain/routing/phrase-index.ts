/**
 * Finds every listed phrase in a text. Phrases are short (2–10 characters) and a request is a
 * few hundred characters at most, so looking up each (start, length) window in a Map is both
 * simpler and faster here than an automaton.
 */
export interface PhraseMatch<T> {
  phrase: string;
  start: number;
  end: number;
  payload: T[];
}

export class PhraseIndex<T> {
  private readonly map = new Map<string, T[]>();
  private minLen = Infinity;
  private maxLen = 0;

  add(phrase: string, payload: T): void {
    const list = this.map.get(phrase);
    if (list) list.push(payload);
    else this.map.set(phrase, [payload]);
    this.minLen = Math.min(this.minLen, phrase.length);
    this.maxLen = Math.max(this.maxLen, phrase.length);
  }

  phrases(): IterableIterator<string> {
    return this.map.keys();
  }

  findAll(text: string): PhraseMatch<T>[] {
    const out: PhraseMatch<T>[] = [];
    for (let i = 0; i < text.length; i++) {
      const longest = Math.min(this.maxLen, text.length - i);
      for (let len = this.minLen; len <= longest; len++) {
        const phrase = text.substr(i, len);
        const payload = this.map.get(phrase);
        if (payload) out.push({ phrase, start: i, end: i + len, payload });
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
