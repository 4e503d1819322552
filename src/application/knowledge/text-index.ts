/**
 * The knowledge base's in-process Chinese search index. Neither SQLite nor PostgreSQL ships a
 * Chinese tokenizer, so both engines search here: jieba words plus character bigrams (bigrams find
 * what jieba cuts differently in a question and an answer: 社保卡 / 社保 卡), synonym groups (社保卡 =
 * 社会保障卡; phrases of one 职责清单 matter), ranked by BM25F over title (weighted), question
 * variants and answer. `confidence` turns the top score's margin and the share of the question's
 * weight it covers into 0..1 (parameters fitted on the labelled set's dev half, scripts/bench/knowledge.ts).
 */
import type { Segmenter } from '../../domain/routing/segmenter.js';

export interface IndexedDoc {
  id: string;
  title: string;
  variants: string[];
  answer: string;
}

/** Tunable weights (see scripts/bench/knowledge.ts; values chosen on the dev half). */
export interface RankParams {
  k1: number;
  b: number;
  /** field weights */
  title: number;
  variants: number;
  answer: number;
  /**
   * How much an entry that has a term only in its answer counts toward the term's document
   * frequency (1 = plain BM25). Answers repeat procedure words (携带身份证), which made 身份证 look
   * common although few entries are about it.
   */
  answerDf: number;
  /** query term weights by kind */
  word: number;
  bigram: number;
  synonym: number;
  /**
   * logistic confidence: bias + coverage·wCoverage + questionCoverage·wQuestion + margin·wMargin +
   * strength·wStrength (coverage: share of the question's weight found anywhere in the entry;
   * questionCoverage: found in its title or variants, i.e. in the questions it answers)
   */
  bias: number;
  wCoverage: number;
  wQuestion: number;
  wMargin: number;
  wStrength: number;
}

export const DEFAULT_RANK: RankParams = {
  k1: 1.2,
  b: 0.6,
  title: 3,
  variants: 1.5,
  answer: 0.4,
  answerDf: 0.1,
  word: 1,
  bigram: 0.5,
  synonym: 0.6,
  bias: -0.26,
  wCoverage: 2.94,
  wQuestion: 2.9,
  wMargin: 0,
  wStrength: 2.46,
};

/** Fillers of spoken questions that say nothing about the matter. */
const STOP_WORDS = new Set(
  '请问 你好 您好 喂 嗯 哎 哦 啊 呀 吧 呢 吗 嘛 啦 哈 的 了 着 过 地 得 我 我们 你 你们 您 他 她 它 他们 想 想问 想要 问 问下 问一下 请教 一下 咨询 那个 这个 这样 那样 就是 然后 还有 还是 谢谢 麻烦 一个 个 是 的话 现在 今天 一般 应该 需要 可以 能 能不能 可不可以 怎么 怎么样 怎样 如何 什么 啥 哪里 哪儿 哪 多少 要 有 没有 在 去 到 给 跟 和 与 及 或 都 也 又 还 就 才 呗 请 帮 帮忙 告诉 知道 这 那 里 吧 哟 呃 诶 嗨 好 对 不 没 会 把 被 让 对于 关于 如果 因为 所以 但是 自己 家里 一些 有点 有些 比较 已经 多久 几天 时候'.split(' '),
);
const STOP_CHARS = new Set('的了吗呢啊吧呀嘛啦哈喂嗯哎哦我你您他她它这那是在有要想问请'.split(''));

const CJK = /[\u3400-\u9fff]/u;

/** NFKC (full-width → half-width), lower case, everything but CJK letters and digits to spaces. */
export function normalizeQuery(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{Script=Han}a-z0-9]+/gu, ' ')
    .trim();
}

export type TermKind = 'word' | 'bigram' | 'synonym';

/** A synonym table: phrase → group id. Phrases are matched as substrings of the normalised text. */
export class Synonyms {
  private readonly groups = new Map<string, number>();
  private readonly names: string[][] = [];
  private readonly byStart = new Map<string, string[]>();

  /** Adds a group of phrases that mean the same (or nearly: the phrases of one 职责清单 matter). */
  add(group: Iterable<string>) {
    const id = this.names.length;
    const members: string[] = [];
    for (const raw of group) {
      const p = normalizeQuery(raw).replace(/ /g, '');
      if (p.length < 2) continue;
      const prev = this.groups.get(p);
      if (prev !== undefined) continue;
      this.groups.set(p, id);
      members.push(p);
    }
    this.names.push(members);
    this.byStart.clear();
    for (const p of [...this.groups.keys()].sort((a, b) => b.length - a.length)) {
      const k = p.slice(0, 2);
      const list = this.byStart.get(k);
      if (list) list.push(p);
      else this.byStart.set(k, [p]);
    }
  }

  get size() {
    return this.groups.size;
  }

  /**
   * Group ids of the phrases inside `normalized` (a phrase inside a longer listed phrase found there
   * does not count). Phrases are looked up by their first two characters at each position, so the
   * cost follows the text's length, not the size of the list.
   */
  find(normalized: string): number[] {
    const text = normalized.replace(/ /g, '');
    const out = new Set<number>();
    let coveredTo = 0;
    for (let at = 0; at + 1 < text.length; at++) {
      const candidates = this.byStart.get(text.slice(at, at + 2));
      if (!candidates) continue;
      // candidates are longest first: the first that matches is the longest phrase starting here
      for (const p of candidates) {
        if (!text.startsWith(p, at)) continue;
        const end = at + p.length;
        if (end > coveredTo) {
          out.add(this.groups.get(p)!);
          coveredTo = end;
        }
        break;
      }
    }
    return [...out];
  }

  words(id: number): string[] {
    return this.names[id] ?? [];
  }
}

export interface Term {
  term: string;
  kind: TermKind;
}

/** The terms of a text: jieba words (2+ characters, fillers dropped), CJK bigrams, synonym groups. */
export class Analyzer {
  constructor(
    private readonly segmenter: Segmenter,
    readonly synonyms: Synonyms,
  ) {}

  /** Terms of texts already analysed (entries' fields): a rebuild after one change re-reads only that entry. */
  private readonly cache = new Map<string, Term[]>();
  private static readonly CACHE_MAX = 200_000;

  /** `terms`, remembered: for the indexed fields, which come back unchanged on every rebuild. */
  cachedTerms(text: string): Term[] {
    let t = this.cache.get(text);
    if (!t) {
      if (this.cache.size >= Analyzer.CACHE_MAX) this.cache.clear();
      t = this.terms(text);
      this.cache.set(text, t);
    }
    return t;
  }

  terms(text: string): Term[] {
    const norm = normalizeQuery(text);
    const out: Term[] = [];
    if (!norm) return out;
    for (const piece of norm.split(' ')) {
      for (const w of this.segmenter.cut(piece)) {
        if (w.length < 2 && !/^[a-z0-9]$/.test(w)) continue;
        if (STOP_WORDS.has(w)) continue;
        if (!CJK.test(w) && w.length < 2) continue;
        out.push({ term: w, kind: 'word' });
      }
      // Bigrams of each CJK run, skipping pairs made of fillers only.
      const chars = [...piece];
      for (let i = 0; i + 1 < chars.length; i++) {
        const a = chars[i]!;
        const b = chars[i + 1]!;
        if (!CJK.test(a) || !CJK.test(b)) continue;
        if (STOP_CHARS.has(a) && STOP_CHARS.has(b)) continue;
        out.push({ term: `#${a}${b}`, kind: 'bigram' });
      }
    }
    for (const g of this.synonyms.find(norm)) out.push({ term: `@${g}`, kind: 'synonym' });
    return out;
  }
}

export interface RawHit {
  id: string;
  score: number;
  confidence: number;
  /** words of the question found in the entry */
  matched: string[];
  coverage: number;
  questionCoverage: number;
  margin: number;
  strength: number;
}

const FIELDS = ['title', 'variants', 'answer'] as const;
type Field = (typeof FIELDS)[number];

/** An immutable index over a set of documents (rebuilt when the entries change). */
export class KnowledgeTextIndex {
  private readonly ids: string[] = [];
  /** term → the entries that have it: entry numbers, saturated BM25 term frequency, in title/variants */
  private readonly postings = new Map<string, { docs: Int32Array; sat: Float64Array; q: Uint8Array }>();
  private readonly idf = new Map<string, number>();
  private scratch: { scores: Float64Array; covered: Float64Array; qCovered: Float64Array } | null = null;

  constructor(
    private readonly analyzer: Analyzer,
    docs: IndexedDoc[],
    readonly params: RankParams = DEFAULT_RANK,
  ) {
    const p = params;
    const n = docs.length;
    const texts = (d: IndexedDoc): Record<Field, string[]> => ({ title: [d.title], variants: d.variants, answer: [d.answer] });
    // Pass 1: field lengths (in terms), for BM25's length normalisation.
    const lens: Record<Field, Float64Array> = { title: new Float64Array(n), variants: new Float64Array(n), answer: new Float64Array(n) };
    const avg: Record<Field, number> = { title: 1, variants: 1, answer: 1 };
    docs.forEach((d, doc) => {
      const tx = texts(d);
      for (const f of FIELDS) for (const t of tx[f]) lens[f][doc]! += analyzer.cachedTerms(t).length;
    });
    for (const f of FIELDS) avg[f] = lens[f].reduce((a, b) => a + b, 0) / Math.max(1, n) || 1;
    const weight: Record<Field, number> = { title: p.title, variants: p.variants, answer: p.answer };
    // Pass 2: weighted, length-normalised term frequencies straight into per-term lists (in entry order).
    const lists = new Map<string, { docs: number[]; tf: number[]; q: number[] }>();
    const tf = new Map<string, number>();
    const inQuestion = new Set<string>();
    docs.forEach((d, doc) => {
      tf.clear();
      inQuestion.clear();
      const tx = texts(d);
      for (const f of FIELDS) {
        const w = weight[f] / (1 - p.b + (p.b * lens[f][doc]!) / avg[f]);
        for (const t of tx[f]) {
          for (const term of analyzer.cachedTerms(t)) {
            tf.set(term.term, (tf.get(term.term) ?? 0) + w);
            if (f !== 'answer') inQuestion.add(term.term);
          }
        }
      }
      for (const [term, v] of tf) {
        let list = lists.get(term);
        if (!list) lists.set(term, (list = { docs: [], tf: [], q: [] }));
        list.docs.push(doc);
        list.tf.push(v);
        list.q.push(inQuestion.has(term) ? 1 : 0);
      }
      this.ids.push(d.id);
    });
    for (const [term, list] of lists) {
      let df = 0;
      for (const q of list.q) df += q ? 1 : p.answerDf;
      this.idf.set(term, Math.log(1 + (n - df + 0.5) / (df + 0.5)));
      this.postings.set(term, {
        docs: Int32Array.from(list.docs),
        sat: Float64Array.from(list.tf, (x) => (x * (p.k1 + 1)) / (x + p.k1)),
        q: Uint8Array.from(list.q),
      });
    }
  }

  /** Whether entry number `doc` has `term` (postings are in entry order: binary search). */
  private has(term: string, doc: number): boolean {
    const list = this.postings.get(term);
    if (!list) return false;
    let lo = 0;
    let hi = list.docs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = list.docs[mid]!;
      if (v === doc) return true;
      if (v < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  get size() {
    return this.ids.length;
  }

  search(text: string, limit = 5, allow?: (id: string) => boolean): RawHit[] {
    const p = this.params;
    const qTerms = new Map<string, number>();
    const kinds = new Map<string, TermKind>();
    for (const t of this.analyzer.terms(text)) {
      const w = t.kind === 'word' ? p.word : t.kind === 'bigram' ? p.bigram : p.synonym;
      qTerms.set(t.term, Math.max(qTerms.get(t.term) ?? 0, w));
      kinds.set(t.term, t.kind);
    }
    if (qTerms.size === 0 || this.ids.length === 0) return [];
    // Scratch arrays reused by every search (search is synchronous): no garbage per question.
    this.scratch ??= { scores: new Float64Array(this.ids.length), covered: new Float64Array(this.ids.length), qCovered: new Float64Array(this.ids.length) };
    const { scores, covered, qCovered } = this.scratch;
    scores.fill(0);
    covered.fill(0);
    qCovered.fill(0);
    // The question's total weight: what a document containing every term would cover.
    let total = 0;
    for (const [term, qw] of qTerms) {
      const idf = this.idf.get(term) ?? Math.log(1 + (this.ids.length + 0.5) / 0.5);
      total += qw * idf;
      const list = this.postings.get(term);
      if (!list) continue;
      const w = qw * idf;
      const { docs, sat, q } = list;
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        scores[doc] += w * sat[i]!;
        covered[doc] += w;
        if (q[i]) qCovered[doc] += w;
      }
    }
    const top: number[] = [];
    const want = limit + 1;
    for (let doc = 0; doc < scores.length; doc++) {
      const s = scores[doc]!;
      if (s <= 0) continue;
      if (allow && !allow(this.ids[doc]!)) continue;
      if (top.length < want) {
        top.push(doc);
        if (top.length === want) top.sort((a, b) => scores[b]! - scores[a]!);
      } else if (s > scores[top[want - 1]!]!) {
        let i = want - 1;
        while (i > 0 && scores[top[i - 1]!]! < s) {
          top[i] = top[i - 1]!;
          i--;
        }
        top[i] = doc;
      }
    }
    if (top.length < want) top.sort((a, b) => scores[b]! - scores[a]!);
    const s1 = top.length ? scores[top[0]!]! : 0;
    const s2 = top.length > 1 ? scores[top[1]!]! : 0;
    const queryWords = [...qTerms.keys()].filter((t) => kinds.get(t) === 'word');
    let cap = 1;
    return top.slice(0, limit).map((doc, i) => {
      const s = scores[doc]!;
      const coverage = total > 0 ? covered[doc]! / total : 0;
      const questionCoverage = total > 0 ? qCovered[doc]! / total : 0;
      const margin = s1 > 0 ? (i === 0 ? (s1 - s2) / s1 : (s - s1) / s1) : 0;
      // Strength: the score against what a perfect, saturated match of every term would give.
      const strength = total > 0 ? s / (total * (p.k1 + 1)) : 0;
      const z = p.bias + p.wCoverage * coverage + p.wQuestion * questionCoverage + p.wMargin * margin + p.wStrength * strength;
      // A lower hit is never more confident than the one above it.
      const confidence = Math.min(cap, 1 / (1 + Math.exp(-z)));
      cap = confidence;
      return { id: this.ids[doc]!, score: s, confidence, matched: queryWords.filter((w) => this.has(w, doc)), coverage, questionCoverage, margin, strength };
    });
  }
}
