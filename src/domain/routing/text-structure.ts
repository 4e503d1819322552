/**
 * How a long citizen's message is read before anything is scored: which sentences carry the
 * matter (a title or the first sentence), which only tell its history (earlier calls, agencies
 * that passed it on), and which characters are place names. A message-board post of 600
 * characters mentions a 派出所 it went to, a village called 石桥村 and last year's flood in
 * passing; none of those should decide where it goes.
 */
import type { Token } from './segmenter.js';

export interface Sentence {
  start: number;
  end: number;
  /** How much the words of this sentence count towards a unit. */
  weight: number;
}

/** Characters that end a sentence. Commas do not: a citizen's sentence runs on with commas. */
const SENTENCE_END = /[。!?;\n!?;…]+/gu;

/** A title or first sentence names the matter; message boards put the subject there. */
const TITLE_WEIGHT = 2;
const FIRST_SENTENCE_WEIGHT = 1.5;
/**
 * A sentence about earlier contacts (打过12345, 找过派出所, 说不归他们管, 推来推去) tells the
 * history of the matter, and the agencies it names are usually the wrong ones.
 */
const HISTORY_WEIGHT = 0.4;
const HISTORY = new RegExp(
  [
    '打(过|了)[^,。]{0,6}(电话|热线|12345|市长)',
    '(拨打|致电|反映|投诉|举报|找|问|去)过',
    '(多次|几次|好几次|一直)(反映|投诉|打电话|找)',
    '(说|称|答复|回复)[^,。]{0,6}(不归|不属于|不是他们|管不了|没权|不在职责)',
    '不归[^,。]{0,4}管',
    '推(来推去|给|到)',
    '踢皮球',
    '(让|叫|要)我(们)?(去)?找',
    '(没有|没)(人)?(下文|回音|答复|结果)',
  ].join('|'),
  'u',
);

/** Long enough that its structure matters: short requests are one sentence anyway. */
export const LONG_TEXT = 80;

export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  let start = 0;
  for (const m of text.matchAll(SENTENCE_END)) {
    const end = m.index + m[0].length;
    if (end > start) out.push({ start, end, weight: 1 });
    start = end;
  }
  if (start < text.length) out.push({ start, end: text.length, weight: 1 });
  if (out.length === 0) return out;
  const long = text.length >= LONG_TEXT;
  const firstLine = text.indexOf('\n');
  const hasTitle = firstLine > 0 && firstLine <= 40 && text.length > firstLine + 20;
  out.forEach((s, i) => {
    const body = text.slice(s.start, s.end);
    if (i === 0 && hasTitle) s.weight = TITLE_WEIGHT;
    else if (long && HISTORY.test(body)) s.weight = HISTORY_WEIGHT;
    else if (long && (i === 0 || (hasTitle && i === 1)) && !isGreeting(body)) s.weight = FIRST_SENTENCE_WEIGHT;
  });
  // A greeting as the first sentence (尊敬的领导:您好!) hands the first-sentence weight on.
  if (long && !hasTitle && out.length > 1 && isGreeting(text.slice(out[0].start, out[0].end)) && out[1].weight === 1) {
    out[1].weight = FIRST_SENTENCE_WEIGHT;
  }
  return out;
}

function isGreeting(s: string): boolean {
  return s.replace(/[^\u4e00-\u9fff]/gu, '').length <= 10 && /(尊敬|领导|您好|你好|在吗|同志|市长|书记)/u.test(s);
}

/** The weight at each character offset, for scoring matches found anywhere in the text. */
export function weightAt(sentences: readonly Sentence[]): (pos: number) => number {
  if (sentences.length <= 1) return () => 1;
  return (pos) => {
    let lo = 0;
    let hi = sentences.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sentences[mid].start <= pos) lo = mid;
      else hi = mid - 1;
    }
    return sentences[lo].weight;
  };
}

/** Stand-in for a masked place character: not a letter, so no phrase, pattern or n-gram runs over it. */
export const MASK = '\u25A1';

/**
 * Place names that may contain trigger characters (石桥村, 塘背村, 火车站路) replaced by MASK, offset
 * for offset. `spans` are the listed places found in the text; village and community names the
 * list does not know are taken from jieba's words.
 */
export function maskPlaces(text: string, spans: readonly { start: number; end: number }[], tokens: readonly Token[]): string {
  let chars: string[] | null = null;
  const mask = (s: number, e: number) => {
    chars ??= text.split('');
    for (let i = s; i < e; i++) chars[i] = MASK;
  };
  for (const s of spans) mask(s.start, s.end);
  for (const t of tokens) {
    if (t.word.length >= 3 && PLACE_WORD.test(t.word) && !NOT_A_PLACE.test(t.word)) mask(t.start, t.end);
  }
  for (const m of text.matchAll(VILLAGE)) {
    const name = m[1];
    if (!NOT_A_NAME.test(name)) mask(m.index, m.index + m[0].length);
  }
  return chars === null ? text : (chars as string[]).join('');
}

const PLACE_WORD = /^[\u4e00-\u9fff]+(村|镇|乡|圩|社区|小区|花园|家园|华庭|名城|苑)$/u;
const NOT_A_PLACE = /^(我们|你们|他们|这个|那个|本|全|各|隔壁|邻|农|乡|新农|整个|附近|旁边|同|外|老)(村|镇|乡|圩|社区|小区)$|村村|城乡|下乡|回乡|老乡|家乡|故乡|返乡|农村|乡村/u;
/** An unknown village (石桥村, 塘背村): two or three letters before 村 that are not ordinary words. */
const VILLAGE = /([\u4e00-\u9fff]{2})村(?![民委里子庄级组干务集道路口头部])/gu;
const NOT_A_NAME = /^(我们|你们|他们|这个|那个|整个|附近|旁边|隔壁|邻近|全体|本地|农村|乡村|新农|各个|每个|一个|几个|两个|哪个|别的|其他|周边|我的|我家|老家|回到|来到|到了|住在|在本|的新|小山)$|^[的了在是和与跟到从给把被对为]|[的了在是和与跟到从给把被对农]$/u;

/**
 * What the learned models see of a text: character 1–3-grams of each run of letters and digits
 * and jieba's longer words, each counted with the weight of the sentence it stands in. Masked
 * places break runs, so a village name adds no n-grams.
 *
 * An n-gram's key is a number, its UTF-16 code units packed with its length (exact below 2^53):
 * a 1,500-character text has some 4,500 n-grams, and building and hashing that many strings was
 * most of the classifier's time. Words keep string keys ('词:' + word).
 */
export type FeatureKey = number | string;

/** How much of a text the learned models read (see eachFeature). */
export const MODEL_CHARS = 600;

const RUN = /[\u3400-\u9fffA-Z0-9]+/gu;
const WORD = /^[\u3400-\u9fffA-Z0-9]{3,}$/u;
const P16 = 65536;
const P32 = P16 * P16;
const P48 = P32 * P16;

/** The key of an n-gram (1–3 characters) or of a word feature ('词:…'). */
export function featureKey(name: string): FeatureKey {
  if (name.startsWith('词:') || name.length > 3) return name;
  let k = 0;
  for (let i = 0; i < name.length; i++) k = k * P16 + name.charCodeAt(i);
  return name.length * P48 + k;
}

/** The readable name of a feature key. */
export function featureName(key: FeatureKey): string {
  if (typeof key === 'string') return key;
  const len = Math.floor(key / P48);
  let k = key - len * P48;
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    out.unshift(k % P16);
    k = Math.floor(k / P16);
  }
  return String.fromCharCode(...out);
}

export function weightedFeatures(text: string, tokens: readonly Token[], sentences: readonly Sentence[]): Map<FeatureKey, number> {
  const out = new Map<FeatureKey, number>();
  eachFeature(text, tokens, sentences, (f, w) => out.set(f, (out.get(f) ?? 0) + w));
  return out;
}

/** The packed key of an n-gram of 1–3 UTF-16 code units (c2/c3 ignored beyond its length). */
export function packNgram(len: number, c1: number, c2: number, c3: number): number {
  return len === 1 ? P48 + c1 : len === 2 ? 2 * P48 + c1 * P16 + c2 : 3 * P48 + c1 * P32 + c2 * P16 + c3;
}

/** Receives a text's features one by one (see walkFeatures). */
export interface FeatureSink {
  /** The weight of the n-grams that follow (their sentence's), given once per sentence. */
  weight(w: number): void;
  /**
   * An n-gram by its code units: no key is built and no double passed, so a long text's thousands
   * of n-grams allocate nothing (V8 boxes a double argument of a call it does not inline).
   */
  ngram(len: number, c1: number, c2: number, c3: number): void;
  word(key: string, w: number): void;
}

/**
 * Every feature occurrence of a text with its sentence's weight, without collecting them: the
 * classifier looks each up in its models' tables directly (feature-table.ts).
 */
export function eachFeature(text: string, tokens: readonly Token[], sentences: readonly Sentence[], add: (f: FeatureKey, w: number) => void): void {
  let weight = 1;
  walkFeatures(text, tokens, sentences, {
    weight: (w) => (weight = w),
    ngram: (len, c1, c2, c3) => add(packNgram(len, c1, c2, c3), weight),
    word: add,
  });
}

export function walkFeatures(text: string, tokens: readonly Token[], sentences: readonly Sentence[], sink: FeatureSink): void {
  const all = sentences.length > 0 ? sentences : [{ start: 0, end: text.length, weight: 1 }];
  // The models read the first MODEL_CHARS characters: the matter is told in the title and first
  // sentences; the rest of a long post is its history, and reading it cost time, not accuracy.
  const spans = all.filter((s) => s.start < MODEL_CHARS).map((s) => (s.end > MODEL_CHARS ? { ...s, end: MODEL_CHARS } : s));
  // Sentence by sentence: n-grams do not cross a sentence end, and each has its sentence's weight.
  for (const s of spans) {
    sink.weight(s.weight);
    RUN.lastIndex = 0;
    const part = text.slice(s.start, s.end);
    for (let m = RUN.exec(part); m !== null; m = RUN.exec(part)) {
      const run = m[0];
      for (let i = 0; i < run.length; i++) {
        const c1 = run.charCodeAt(i);
        sink.ngram(1, c1, 0, 0);
        if (i + 1 < run.length) {
          const c2 = run.charCodeAt(i + 1);
          sink.ngram(2, c1, c2, 0);
          if (i + 2 < run.length) sink.ngram(3, c1, c2, run.charCodeAt(i + 2));
        }
      }
    }
  }
  const at = weightAt(spans);
  for (const t of tokens) if (t.end <= MODEL_CHARS && WORD.test(t.word) && text.startsWith(t.word, t.start)) sink.word(`词:${t.word}`, at(t.start));
}
