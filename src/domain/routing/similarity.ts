/**
 * "Same matter?" for 并单. Two tickets are one matter when they are about the same thing (words),
 * handled by the same unit, at the same place. A different place or unit caps the score, so the
 * same complaint about two different streets is never merged.
 */
import type { Classification } from './classifier.js';
import { normalizeText } from './normalize.js';
import type { Segmenter } from './segmenter.js';

export interface MatterSignature {
  unit: string | null;
  /** Duty-list phrases first, then other content words; unique. */
  keywords: string[];
  place: string | null;
}

/** Suggested cut-off for "probably the same matter"; the lead's 并单 view can use its own. */
export const SAME_MATTER_THRESHOLD = 0.6;

const STOPWORDS = new Set([
  '我们', '你们', '他们', '我家', '这个', '那个', '这里', '那里', '一个', '一下', '现在', '已经', '还是', '就是', '但是', '因为',
  '所以', '可以', '没有', '不是', '什么', '怎么', '为什么', '请问', '你好', '您好', '谢谢', '麻烦', '希望', '尽快', '处理', '反映',
  '问题', '情况', '时候', '一直', '每天', '天天', '这样', '那样', '自己', '有人', '他们', '她们', '今天', '昨天', '晚上', '早上',
  '上午', '下午', '一些', '很多', '非常', '特别', '真的', '的话', '还有', '而且', '然后', '如果', '这边', '那边', '里面', '旁边',
  '附近', '门口', '好几', '几天', '能不能', '是不是', '有没有', '帮忙', '解决', '市民', '热线', '12345',
]);

/** `segmenter` needs only the base dictionary: the duty-list phrases come from `c.keywords`. */
export function matterSignature(text: string, c: Classification, segmenter: Segmenter): MatterSignature {
  const duty = c.keywords.map(normalizeText);
  const dutySet = new Set(duty);
  const place = c.place ?? c.township;
  // The place is compared on its own; its pieces (大道 of 红都大道) must not count as shared words.
  const notPlace = (w: string) => !place || !place.includes(w);
  const content = segmenter
    .cut(normalizeText(text))
    .filter((w) => w.length >= 2 && /^[\u4e00-\u9fa5A-Z0-9]+$/u.test(w) && !STOPWORDS.has(w) && !dutySet.has(w));
  return { unit: c.unit, keywords: [...new Set([...duty, ...content])].filter(notPlace), place };
}

/**
 * 0..1; symmetric; 1 for identical signatures that name a unit and a place. Nothing said in
 * common, another place or another unit each cap the score below SAME_MATTER_THRESHOLD.
 */
export function similarity(a: MatterSignature, b: MatterSignature): number {
  const words = jaccard(bigrams(a.keywords), bigrams(b.keywords));
  const unit = compare(a.unit, b.unit, (x, y) => (x === y ? 1 : 0));
  const place = compare(a.place, b.place, (x, y) => (x === y ? 1 : x.includes(y) || y.includes(x) ? 0.8 : 0));
  let s = 0.45 * words + 0.3 * unit + 0.25 * place;
  if (words === 0) s = Math.min(s, 0.45);
  if (a.place && b.place && place === 0) s = Math.min(s, 0.45);
  if (a.unit && b.unit && unit === 0) s = Math.min(s, 0.4);
  return Math.round(s * 1000) / 1000;
}

/** Unknown on either side is neither a match nor a mismatch. */
function compare(x: string | null, y: string | null, same: (x: string, y: string) => number): number {
  if (!x || !y) return 0.3;
  return same(x, y);
}

/**
 * Words are compared by their two-character pieces, so 水管爆了 and 水管爆裂 share 水管/管爆:
 * callers rarely use the same words for the same burst main.
 */
function bigrams(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    if (w.length <= 2) out.push(w);
    else for (let i = 0; i + 2 <= w.length; i++) out.push(w.slice(i, i + 2));
  }
  return out;
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  let inter = 0;
  for (const w of sa) if (sb.has(w)) inter++;
  const union = sa.size + sb.size - inter;
  return union === 0 ? 0 : inter / union;
}
