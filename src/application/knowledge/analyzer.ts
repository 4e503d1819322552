/**
 * Builds the knowledge search's analyzer: jieba (the routing segmenter, with the synonym phrases
 * added as words so 社会保障卡 stays one word) and the synonym groups — the hand-written list of
 * citizens' wordings (config/knowledge-synonyms.txt) and the phrases of each 职责清单 matter.
 * Loading jieba takes ~0.2 s, so one analyzer per (duty list, synonym file) is kept per process.
 */
import { readFileSync } from 'node:fs';
import { loadDutyList } from '../../domain/routing/duty-list.js';
import { Segmenter } from '../../domain/routing/segmenter.js';
import { Analyzer, Synonyms } from './text-index.js';

export const DEFAULT_SYNONYMS_PATH = new URL('../../../config/knowledge-synonyms.txt', import.meta.url);

/** One group per line, words separated by spaces, commas or 、; `#` starts a comment line. */
export function parseSynonyms(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/[\s,，、]+/).filter(Boolean))
    .filter((g) => g.length >= 2);
}

const cache = new Map<string, Analyzer>();

export function knowledgeAnalyzer(dutyListPath: string | URL, synonymsPath: string | URL = DEFAULT_SYNONYMS_PATH): Analyzer {
  const key = `${String(dutyListPath)}|${String(synonymsPath)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const synonyms = new Synonyms();
  const groups = parseSynonyms(readFileSync(synonymsPath, 'utf8'));
  for (const g of groups) synonyms.add(g);
  const dutyList = loadDutyList(dutyListPath);
  for (const m of dutyList.matters) synonyms.add([m.name, ...m.keywords]);
  const words = [...groups.flat(), ...dutyList.matters.flatMap((m) => m.keywords)];
  const analyzer = new Analyzer(new Segmenter(words), synonyms);
  cache.set(key, analyzer);
  return analyzer;
}
