/**
 * Builds the knowledge search's analyzer: a segmenter (jieba, with the synonym phrases added as
 * words so 社会保障卡 stays one word) and the synonym groups — the hand-written list of citizens'
 * wordings (config/knowledge-synonyms.txt) and the phrases of each 职责清单 matter. The files are
 * read, and one analyzer kept per process, by adapters/fs-config/knowledge.ts.
 */
import type { DutyList } from '../../domain/routing/duty-list.js';
import type { SegmenterFactory } from '../../domain/routing/segmenter.js';
import { Analyzer, Synonyms } from './text-index.js';

/** One group per line, words separated by spaces, commas or 、; `#` starts a comment line. */
export function parseSynonyms(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/[\s,，、]+/).filter(Boolean))
    .filter((g) => g.length >= 2);
}

export function buildKnowledgeAnalyzer(dutyList: DutyList, synonymsText: string, segmenter: SegmenterFactory): Analyzer {
  const synonyms = new Synonyms();
  const groups = parseSynonyms(synonymsText);
  for (const g of groups) synonyms.add(g);
  for (const m of dutyList.matters) synonyms.add([m.name, ...m.keywords]);
  const words = [...groups.flat(), ...dutyList.matters.flatMap((m) => m.keywords)];
  return new Analyzer(segmenter(words), synonyms);
}
