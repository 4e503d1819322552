/**
 * Classifier throughput over the labelled fixture texts, with jieba segmentation alone over the
 * same texts as the baseline in the same run (same machine, same moment), and the ratio. The
 * load time includes the duty list, jieba's dictionary and training the models on
 * config/routing-examples.jsonl; the phrase-rules-only classifier is measured alongside.
 *
 *   npx tsx scripts/bench/classify.ts [rounds]
 */
import { readFileSync } from 'node:fs';
import { createClassifier, loadDutyList } from '../../adapters/fs-config/routing.js';
import { JiebaSegmenter } from '../../adapters/jieba/segmenter.js';

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
const classifier = createClassifier(dutyList);
const loadMs = performance.now() - t0;
const loadCpuMs = cpuMs() - c0;
const rulesOnly = createClassifier(dutyList, { examples: null });
const segmenter = new JiebaSegmenter();

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

// Latency by length band (issue #16: p99 <= 2 ms up to 1,500 characters). Long texts are the
// development set's message-board posts; the longest band also joins two or three of them, as a
// citizen who pastes a whole exchange would.
const longTexts = ['dev-long-a.jsonl', 'dev-long-b.jsonl'].flatMap((f) =>
  readFileSync(new URL(`../../test/fixtures/classify/${f}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text),
);
const joined = longTexts.map((t, i) => `${t}\n${longTexts[(i + 7) % longTexts.length]}\n${longTexts[(i + 13) % longTexts.length]}`.slice(0, 1500));
const bands: [string, string[]][] = [
  ['< 100', [...texts, ...longTexts].filter((t) => t.length < 100)],
  ['100–500', [...texts, ...longTexts].filter((t) => t.length >= 100 && t.length <= 500)],
  ['> 500 (to 1,500)', [...longTexts, ...joined].filter((t) => t.length > 500)],
];
const quantile = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];
console.log('\n| length band | texts | avg chars | p50 ms | p99 ms | baseline p50 ms (jieba cut) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, band] of bands) {
  const lat: number[] = [];
  const base: number[] = [];
  for (const t of band) classifier.classify(t); // warm-up
  for (let r = 0; r < Math.max(3, Math.round(rounds / 4)); r++) {
    for (const t of band) {
      const a = performance.now();
      classifier.classify(t);
      lat.push(performance.now() - a);
      const b = performance.now();
      segmenter.cut(t);
      base.push(performance.now() - b);
    }
  }
  lat.sort((a, b) => a - b);
  base.sort((a, b) => a - b);
  const avg = band.reduce((n, t) => n + t.length, 0) / band.length;
  console.log(`| ${name} | ${band.length} | ${avg.toFixed(0)} | ${quantile(lat, 0.5).toFixed(2)} | ${quantile(lat, 0.99).toFixed(2)} | ${quantile(base, 0.5).toFixed(2)} |`);
}
