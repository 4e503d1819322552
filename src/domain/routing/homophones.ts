/**
 * Homophone typos put right before a text is read. Callers type with pinyin input methods and
 * speech-to-text writes what it hears, so 社保卡 arrives as 设保卡 or 社宝卡 and 公积金 as 公基金:
 * the same syllables, other characters. A duty-list phrase found again by its sound, with one
 * character in three at most written differently, is written back as the phrase, so the rules,
 * the models and the 即办 check all read what the caller meant.
 *
 * What is not corrected (each was a false correction once): a span that is a word of the language
 * (楼上方 is not 上访: 上方 is in the dictionary) or another listed phrase, a function character
 * (说是政府 is not 市政府), a character that makes a word with the text next to the span (好多学生 is
 * not 好多血), a place name, and two-character phrases. Segmentation cannot decide it: jieba glues
 * a typo into a word of its own (社宝卡, 传消).
 */
import { PhraseIndex } from './phrase-index.js';

/**
 * The port: a character's syllable without tone, as a small positive number (0 = unknown, e.g.
 * not a Chinese character). adapters/pinyin implements it with pinyin-pro.
 */
export type Phonetics = (charCode: number) => number;

export interface Correction {
  start: number;
  end: number;
  /** What the caller wrote. */
  from: string;
  /** The listed phrase it sounds like. */
  to: string;
}

/** What the corrector needs from outside: the port and the language's words. */
export interface HomophoneSource {
  phonetics: Phonetics;
  /** Words of the language (a segmenter's dictionary): a span that is one is not a typo. */
  words: () => Iterable<string>;
}

/** Syllable ids are carried as private-use characters, so phonetic strings walk the same trie. */
const SYLLABLE_BASE = 0xe000;
const MAX_SYLLABLE = 0x18ff;
const MIN_PHRASE = 3;
const FUNCTION_CHARS = new Set('的地得了是在有和与及我你他她它们这那哪就都也还又要到说会能可把被对给向从跟为让叫着过去来上下里个一不没很吗呢吧啊');

export class HomophoneCorrector {
  private readonly index = new PhraseIndex<string>();
  private readonly phrases: Set<string>;
  private readonly phonetics: Phonetics;
  private readonly lexicon: Lexicon;
  /** Words of the language that sound like a listed phrase (上方 for 上访). */
  private readonly realWords = new Set<string>();

  constructor(phrases: Iterable<string>, source: HomophoneSource) {
    this.phonetics = source.phonetics;
    this.lexicon = lexiconOf(source);
    this.phrases = new Set(phrases);
    for (const p of this.phrases) {
      // Two-character phrases are left alone: half of all character pairs sound like some other
      // pair, and across a word boundary (的时候 → 的士) no dictionary can tell.
      if (p.length < MIN_PHRASE) continue;
      const key = soundOf(this.phonetics, p, false);
      if (key === null) continue;
      this.index.add(key, p);
      for (const w of this.lexicon.bySound.get(key) ?? []) if (!this.phrases.has(w)) this.realWords.add(w);
    }
  }

  /**
   * The corrections to make in `text`: non-overlapping, longest first. `protectedSpans` are place
   * names.
   */
  find(text: string, protectedSpans: readonly { start: number; end: number }[]): Correction[] {
    if (!/[\u4e00-\u9fff]/u.test(text)) return [];
    const matches = this.index.findAll(soundOf(this.phonetics, text, true)!);
    if (matches.length === 0) return [];
    const out: Correction[] = [];
    const taken = (s: number, e: number) => out.some((c) => s < c.end && c.start < e) || protectedSpans.some((p) => s < p.end && p.start < e);
    // Longest first: 社保卡 before 社保.
    matches.sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
    for (const m of matches) {
      const from = text.slice(m.start, m.end);
      if (this.phrases.has(from) || this.realWords.has(from) || taken(m.start, m.end)) continue;
      for (const to of m.payload) {
        if (!plausible(from, to) || this.bindsOutside(text, m.start, m.end, to)) continue;
        out.push({ start: m.start, end: m.end, from, to });
        break;
      }
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /**
   * Whether a character to be changed makes a word with the text just outside the span: in
   * 好多学生 the 学 of 好多学 belongs to 学生, so 好多学 is not a mistyped 好多血.
   */
  private bindsOutside(text: string, start: number, end: number, to: string): boolean {
    for (let p = start; p < end; p++) {
      if (text[p] === to[p - start]) continue;
      for (let a = Math.max(0, p - 2); a <= p; a++) {
        for (let b = p + 1; b <= Math.min(text.length, a + 3); b++) {
          if (b - a < 2 || (a >= start && b <= end)) continue;
          if (this.lexicon.shortWords.has(text.slice(a, b))) return true;
        }
      }
    }
    return false;
  }

  /** The text with the corrections applied (same length, so offsets stay the caller's). */
  static apply(text: string, corrections: readonly Correction[]): string {
    if (corrections.length === 0) return text;
    let out = '';
    let at = 0;
    for (const c of corrections) {
      out += text.slice(at, c.start) + c.to;
      at = c.end;
    }
    return out + text.slice(at);
  }
}

/**
 * The phonetic string of a text, offset for offset. A character with no known syllable stays as it
 * is when `keepUnknown` (a citizen's text), and makes the result null otherwise (a phrase or word).
 */
function soundOf(phonetics: Phonetics, text: string, keepUnknown: boolean): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const s = phonetics(text.charCodeAt(i));
    if (s > 0 && s <= MAX_SYLLABLE) out += String.fromCharCode(SYLLABLE_BASE + s);
    else if (keepUnknown) out += text[i];
    else return null;
  }
  return out;
}

/** What the corrector keeps of the language's words, read once per source (0.3 s for jieba's). */
interface Lexicon {
  /** Two- and three-character words, for telling a typo from a word boundary. */
  shortWords: Set<string>;
  /** Words of three to MAX_PHRASE characters by their sound. */
  bySound: Map<string, string[]>;
}

const MAX_PHRASE = 8;
const lexicons = new WeakMap<HomophoneSource, Lexicon>();

function lexiconOf(source: HomophoneSource): Lexicon {
  let lexicon = lexicons.get(source);
  if (lexicon) return lexicon;
  lexicon = { shortWords: new Set(), bySound: new Map() };
  for (const w of source.words()) {
    if (w.length === 2 || w.length === 3) lexicon.shortWords.add(w);
    if (w.length < MIN_PHRASE || w.length > MAX_PHRASE) continue;
    const key = soundOf(source.phonetics, w, false);
    if (key === null) continue;
    const same = lexicon.bySound.get(key);
    if (same) same.push(w);
    else lexicon.bySound.set(key, [w]);
  }
  lexicons.set(source, lexicon);
  return lexicon;
}

/**
 * One character in three at most written differently: a whole word of other characters that
 * sounds the same (公式 for 公事) is another word, not a typo.
 */
function plausible(from: string, to: string): boolean {
  let changed = 0;
  for (let i = 0; i < from.length; i++) {
    if (from[i] === to[i]) continue;
    // The commonest characters are written on purpose: 说是政府 is not 市政府, 我家电视 not 沃家电视.
    if (FUNCTION_CHARS.has(from[i])) return false;
    changed++;
  }
  return changed > 0 && changed <= Math.max(1, Math.floor(from.length / 3));
}
