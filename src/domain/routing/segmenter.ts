/**
 * Word segmentation with jieba. The base dictionary takes about 0.2 s to load, so a segmenter is
 * built once per Classifier; the duty-list phrases and place names are added to it so that
 * 红都大道 or 占道经营 come out as one word instead of being split across words.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * Frequency for listed phrases the base dictionary lacks: enough for a phrase to beat its own
 * split into two common words, and low enough not to steal characters from a neighbouring
 * word. Phrases the base dictionary already has keep their own frequency; boosting them made
 * jieba cut 窗户口 as 窗/户口 and so read 户口 (公安) into an odour complaint.
 */
const CUSTOM_WORD_FREQ = 800;

/**
 * The words of `words` that jieba's base dictionary lacks. Only the asked-for words are looked up
 * while scanning the dictionary's lines: a Set of all its 349k words took half a second to build.
 */
function missingFromBaseDictionary(words: Set<string>): Set<string> {
  const missing = new Set(words);
  const text = Buffer.from(dict).toString('utf8');
  for (let start = 0; start < text.length && missing.size; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const space = text.indexOf(' ', start);
    if (space > start && space < end) missing.delete(text.slice(start, space));
    start = end + 1;
  }
  return missing;
}

export interface Token {
  word: string;
  start: number;
  end: number;
}

export class Segmenter {
  private readonly jieba: Jieba;

  constructor(extraWords: Iterable<string> = []) {
    this.jieba = Jieba.withDict(dict);
    const lines: string[] = [];
    // jieba's dictionary format is "word freq"; a space inside a word would break the line.
    const candidates = new Set([...extraWords].filter((w) => w.length >= 2 && !/\s/.test(w)));
    for (const w of missingFromBaseDictionary(candidates)) lines.push(`${w} ${CUSTOM_WORD_FREQ}`);
    if (lines.length > 0) this.jieba.loadDict(Buffer.from(lines.join('\n') + '\n'));
  }

  cut(text: string): string[] {
    return this.jieba.cut(text, true);
  }

  /** Tokens with their character offsets in `text`. */
  tokens(text: string): Token[] {
    const out: Token[] = [];
    let at = 0;
    for (const word of this.jieba.cut(text, true)) {
      // jieba returns the text piece by piece; search forward defensively in case it ever drops
      // a character (it does not today), so offsets stay correct.
      const start = text.startsWith(word, at) ? at : text.indexOf(word, at);
      if (start < 0) continue;
      out.push({ word, start, end: start + word.length });
      at = start + word.length;
    }
    return out;
  }
}

let plain: Segmenter | null = null;

/** A shared segmenter with only the base dictionary, for callers that have no duty list. */
export function plainSegmenter(): Segmenter {
  plain ??= new Segmenter();
  return plain;
}
