/**
 * Classifier throughput over the labelled fixture texts, with jieba segmentation alone over the
 * same texts as the baseline in the same run (same machine, same moment), and the ratio. The
 * load time includes the duty list, jieba's dictionary and training the models on
 * config/routing-examples.jsonl; the phrase-rules-only classifier is measured alongside.
 *
 *   npx tsx scripts/bench/classify.ts [rounds]
 */
import { readFileSync } from 'node:fs';
import { Classifier } from '../../src/domain/routing/classifier.js';
import { loadDutyList } from '../../src/domain/routing/duty-list.js';
import { plainSegmenter } from '../../src/domain/routing/segmenter.js';

const rounds = Number(process.argv[2] ?? 20);
const texts = ['labelled.jsonl', 'holdout.jsonl'].flatMap((f) =>
  readFileSync(new URL(`../../test/fixtures/classify/${f}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text),
);

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const t0 = performance.now();
const c0 = cpuMs();
const dutyList = loadDutyList();
const classifier = new Classifier(dutyList);
const loadMs = performance.now() - t0;
const loadCpuMs = cpuMs() - c0;
const rulesOnly = new Classifier(dutyList, { examples: null });
const segmenter = plainSegmenter();

function perSecond(fn: (text: string) => unknown): number {
  for (const t of texts) fn(t); // warm-up
  const start = performance.now();
  for (let r = 0; r < rounds; r++) for (const t of texts) fn(t);
  return (rounds * texts.length) / ((performance.now() - start) / 1000);
}

const baseline = perSecond((t) => segmenter.cut(t));
const classify = perSecond((t) => classifier.classify(t));
const classifyRules = perSecond((t) => rulesOnly.classify(t));
const avgChars = texts.reduce((n, t) => n + t.length, 0) / texts.length;

console.log(
  `${texts.length} texts (avg ${avgChars.toFixed(0)} chars) × ${rounds} rounds; ` +
    `load (duty list + jieba + model training) ${loadMs.toFixed(0)} ms wall, ${loadCpuMs.toFixed(0)} ms CPU`,
);
console.log('| benchmark | requests/s | baseline: jieba cut alone (req/s) | ratio |');
console.log('|---|---:|---:|---:|');
console.log(`| classify, rules + models (Node ${process.version}) | ${classify.toFixed(0)} | ${baseline.toFixed(0)} | ${(classify / baseline).toFixed(3)} |`);
console.log(`| classify, phrase rules only | ${classifyRules.toFixed(0)} | ${baseline.toFixed(0)} | ${(classifyRules / baseline).toFixed(3)} |`);
