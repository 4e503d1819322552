/**
 * What the learned models see of a request: character 1–3-grams of each run of Chinese letters
 * and digits, plus jieba's words. Character n-grams carry a request that uses words no list has
 * (起明火, 往外飘白烟 share 火/烟 with every fire the hotline has seen); words carry the longer
 * terms the duty list taught jieba (燃气热水器, 红都大道).
 */
import type { Token } from './segmenter.js';

const RUN = /[\u3400-\u9fffA-Z0-9]+/gu;
const WORD = /^[\u3400-\u9fffA-Z0-9]{2,}$/u;

/** Distinct features of one normalised text; a feature said twice is still one piece of evidence. */
export function textFeatures(text: string, tokens: readonly Token[]): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(RUN)) {
    const run = m[0];
    for (let i = 0; i < run.length; i++) {
      out.add(run[i]);
      if (i + 2 <= run.length) out.add(run.substr(i, 2));
      if (i + 3 <= run.length) out.add(run.substr(i, 3));
    }
  }
  for (const t of tokens) if (t.word.length >= 3 && WORD.test(t.word)) out.add(`词:${t.word}`);
  return [...out];
}

/** A feature as the operator reads it in evidence. */
export function showFeature(f: string): string {
  return f.startsWith('词:') ? f.slice(2) : f;
}
