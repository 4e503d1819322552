/**
 * The Phonetics port (src/domain/routing/homophones.ts) over pinyin-pro: each CJK character's
 * syllable without tone (its commonest reading), numbered. The table covers the CJK Unified
 * Ideographs block and is built on first use (about 0.1 s): pinyin-pro on a text costs some
 * 0.2 ms per sentence, a table lookup nothing, and the classifier asks for every character.
 */
import { pinyin } from 'pinyin-pro';
import type { HomophoneSource, Phonetics } from '../../src/domain/routing/homophones.js';
import { baseDictionaryWords } from '../jieba/segmenter.js';

const FIRST = 0x4e00;
const LAST = 0x9fff;

let table: Uint16Array | null = null;

function build(): Uint16Array {
  const chars: string[] = [];
  for (let c = FIRST; c <= LAST; c++) chars.push(String.fromCharCode(c));
  // One call over the block: the characters are read one by one (no word context between them).
  const readings = pinyin(chars.join(''), { toneType: 'none', type: 'array', v: true });
  const ids = new Map<string, number>();
  const t = new Uint16Array(LAST - FIRST + 1);
  readings.forEach((r, i) => {
    // pinyin-pro returns the character itself when it knows no reading.
    if (!/^[a-zv]+$/u.test(r)) return;
    let id = ids.get(r);
    if (id === undefined) ids.set(r, (id = ids.size + 1));
    t[i] = id;
  });
  return t;
}

export const pinyinPhonetics: Phonetics = (code) => {
  if (code < FIRST || code > LAST) return 0;
  table ??= build();
  return table[code - FIRST];
};

/** The homophone corrector's outside needs: pinyin-pro's syllables and jieba's words. */
export const pinyinHomophones: HomophoneSource = { phonetics: pinyinPhonetics, words: baseDictionaryWords };
