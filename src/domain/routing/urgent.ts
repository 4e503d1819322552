/**
 * 即办 detection. Recall comes first: a missed fire or gas leak costs lives, a false alarm costs
 * a phone call. So triggers are plain substrings (no word-boundary test) and negation is NOT
 * honoured: "没有着火,但一直冒烟" and "好像没着火" must still page the duty person. The only
 * suppression is an explicit `except` phrase of the rule that contains the trigger (烟囱冒烟), and
 * it hides only that occurrence: 烟囱冒烟的厂, 后面仓库着火了 still fires.
 */
import type { UrgentRule } from './duty-list.js';
import { PhraseIndex } from './phrase-index.js';

export interface UrgentHit {
  rule: UrgentRule;
  /** The phrase or pattern text that fired, for the operator. */
  trigger: string;
}

export function detectUrgent(text: string, rules: readonly UrgentRule[]): UrgentHit[] {
  const byPhrase = phraseTriggers(text, rules);
  const hits: UrgentHit[] = [];
  rules.forEach((rule, i) => {
    const trigger = byPhrase.get(i) ?? firstPattern(text, rule);
    if (trigger !== undefined && trigger !== null) hits.push({ rule, trigger });
  });
  return hits;
}

/**
 * All rules' phrases in one index, built once per rule list: looking each of several hundred
 * phrases up with indexOf took most of the classifier's time.
 */
const phraseIndexes = new WeakMap<readonly UrgentRule[], PhraseIndex<number>>();

function phraseIndexFor(rules: readonly UrgentRule[]): PhraseIndex<number> {
  let index = phraseIndexes.get(rules);
  if (!index) {
    index = new PhraseIndex<number>();
    rules.forEach((rule, i) => {
      for (const phrase of new Set(rule.phrases)) index!.add(phrase, i);
    });
    phraseIndexes.set(rules, index);
  }
  return index;
}

/** Rule index → the first phrase of that rule found in the text outside the rule's exceptions. */
function phraseTriggers(text: string, rules: readonly UrgentRule[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of phraseIndexFor(rules).findAll(text)) {
    for (const i of m.payload) {
      if (!out.has(i) && !insideException(text, m.start, m.end, rules[i].except)) out.set(i, m.phrase);
    }
  }
  return out;
}

function firstPattern(text: string, rule: UrgentRule): string | null {
  for (const re of rule.patterns) {
    // The compiled pattern is shared (flag g), so its lastIndex is reset before every scan; the
    // scan is synchronous, so nothing else can observe it in between. matchAll would clone the
    // regex on every call, which cost a third of the classifier's time.
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0] === '') {
        re.lastIndex++;
        continue;
      }
      if (!insideException(text, m.index, m.index + m[0].length, rule.except)) {
        re.lastIndex = 0;
        return m[0];
      }
    }
  }
  return null;
}

function insideException(text: string, start: number, end: number, except: readonly string[]): boolean {
  for (const ex of except) {
    for (let at = text.indexOf(ex); at >= 0; at = text.indexOf(ex, at + 1)) {
      if (at <= start && end <= at + ex.length) return true;
    }
  }
  return false;
}
