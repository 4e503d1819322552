/**
 * 即办 detection. Recall comes first: a missed fire or gas leak costs lives, a false alarm costs
 * a phone call. So triggers are plain substrings (no word-boundary test) and negation is NOT
 * honoured: "没有着火,但一直冒烟" and "好像没着火" must still page the duty person. The only
 * suppression is an explicit `except` phrase of the rule that contains the trigger (烟囱冒烟).
 */
import type { UrgentRule } from './duty-list.js';

export interface UrgentHit {
  rule: UrgentRule;
  /** The phrase or pattern text that fired, for the operator. */
  trigger: string;
}

export function detectUrgent(text: string, rules: readonly UrgentRule[]): UrgentHit[] {
  const hits: UrgentHit[] = [];
  for (const rule of rules) {
    const trigger = firstPhrase(text, rule) ?? firstPattern(text, rule);
    if (trigger !== null) hits.push({ rule, trigger });
  }
  return hits;
}

function firstPhrase(text: string, rule: UrgentRule): string | null {
  for (const phrase of rule.phrases) {
    for (let at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1)) {
      if (!insideException(text, at, at + phrase.length, rule.except)) return phrase;
    }
  }
  return null;
}

function firstPattern(text: string, rule: UrgentRule): string | null {
  for (const re of rule.patterns) {
    const m = re.exec(text);
    if (m) return m[0];
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
