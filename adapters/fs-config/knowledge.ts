/**
 * The knowledge search's analyzer from files: the duty list and config/knowledge-synonyms.txt,
 * with jieba. Loading jieba takes ~0.2 s, so one analyzer per (duty list, synonym file) is kept
 * per process.
 */
import { readFileSync } from 'node:fs';
import { buildKnowledgeAnalyzer } from '../../src/application/knowledge/analyzer.js';
import type { Analyzer } from '../../src/application/knowledge/text-index.js';
import { jiebaSegmenter } from '../jieba/segmenter.js';
import { loadDutyList } from './routing.js';

export const DEFAULT_SYNONYMS_PATH = new URL('../../config/knowledge-synonyms.txt', import.meta.url);

const cache = new Map<string, Analyzer>();

export function knowledgeAnalyzer(dutyListPath: string | URL, synonymsPath: string | URL = DEFAULT_SYNONYMS_PATH): Analyzer {
  const key = `${String(dutyListPath)}|${String(synonymsPath)}`;
  let analyzer = cache.get(key);
  if (!analyzer) {
    analyzer = buildKnowledgeAnalyzer(loadDutyList(dutyListPath), readFileSync(synonymsPath, 'utf8'), jiebaSegmenter);
    cache.set(key, analyzer);
  }
  return analyzer;
}
