/**
 * The Segmenter port (src/domain/routing/segmenter.ts) over jieba. The base dictionary takes about
 * 0.2 s to load, so callers build one per word list (the classifier keeps one per duty list); the
 * duty-list phrases and place names are added to it so that 红都大道 or 占道经营 come out as one
 * word instead of being split across words.
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import type { Segmenter, SegmenterFactory } from '../../src/domain/routing/segmenter.js';

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
  for (const w of baseDictionaryWords()) {
    missing.delete(w);
    if (missing.size === 0) break;
  }
  return missing;
}

/** Every word of jieba's base dictionary (349k), read from its text one line at a time. */
export function* baseDictionaryWords(): Generator<string> {
  const text = Buffer.from(dict).toString('utf8');
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const space = text.indexOf(' ', start);
    if (space > start && space < end) yield text.slice(start, space);
    start = end + 1;
  }
}

export class JiebaSegmenter implements Segmenter {
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
}

export const jiebaSegmenter: SegmenterFactory = (extraWords) => new JiebaSegmenter(extraWords);

let plain: JiebaSegmenter | null = null;

/**
 * The base dictionary only, for callers that have no duty list (duplicate signatures, the
 * first-contact to-do list). Loaded on the first cut, so a process that never cuts never pays.
 */
export const plainSegmenter: Segmenter = {
  cut: (text) => (plain ??= new JiebaSegmenter()).cut(text),
};
