/**
 * The port through which routing (and the knowledge search) splits Chinese text into words. The
 * domain names it because the classifier reads a text by its words; jieba implements it in
 * adapters/jieba, so nothing here loads a dictionary.
 */

export interface Segmenter {
  /** The words of `text`, in order; together they spell the text. */
  cut(text: string): string[];
}

/**
 * Builds a segmenter that also knows `extraWords` (the duty list's phrases, place names) as whole
 * words, so that 红都大道 or 占道经营 come out as one word instead of being split across words.
 */
export type SegmenterFactory = (extraWords: Iterable<string>) => Segmenter;

export interface Token {
  word: string;
  start: number;
  end: number;
}

/** The words of `text` with their character offsets. */
export function tokensOf(segmenter: Segmenter, text: string): Token[] {
  const out: Token[] = [];
  let at = 0;
  for (const word of segmenter.cut(text)) {
    // A segmenter returns the text piece by piece; search forward defensively in case one ever
    // drops a character (jieba does not today), so offsets stay correct.
    const start = text.startsWith(word, at) ? at : text.indexOf(word, at);
    if (start < 0) continue;
    out.push({ word, start, end: start + word.length });
    at = start + word.length;
  }
  return out;
}
