/**
 * The honest estimate of the classifier on requests it never saw: k-fold cross-validation over
 * the hotline's labelled examples (config/routing-examples.jsonl). Each fold's models are
 * trained on the other folds only. The phrase rules-only classifier is measured on the same
 * folds for comparison (the rules were written while reading many of these examples, so its
 * figure is partly fit).
 *
 *   npx tsx scripts/bench/classify-cv.ts [k] [--eval test/fixtures/classify/blind3.jsonl] [--misses]
 *
 * --eval also trains on all the examples and measures a never-trained-on file once.
 */
import { readFileSync } from 'node:fs';
import { createClassifier, loadDutyList, loadRoutingExamples } from '../../adapters/fs-config/routing.js';
import { jiebaSegmenter } from '../../adapters/jieba/segmenter.js';
import { pinyinHomophones } from '../../adapters/pinyin/phonetics.js';
import { crossValidate, scoreClassifier, type Scores } from '../../src/domain/routing/evaluation.js';
import { parseRoutingExamples } from '../../src/domain/routing/examples.js';

const args = process.argv.slice(2);
const k = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
const evalPath = args.includes('--eval') ? args[args.indexOf('--eval') + 1] : null;
const showMisses = args.includes('--misses');
const learned = args.includes('--params') ? JSON.parse(args[args.indexOf('--params') + 1]) : {};

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const row = (name: string, s: Scores) =>
  `| ${name} | ${s.n} | ${pct(s.unit)} | ${pct(s.urgentRecall)} (${s.urgentCases}) | ${pct(s.urgentPrecision)} (${s.flagged} flagged, ${s.flaggedByModelOnly} by model only) |`;

const dutyList = loadDutyList();
const examples = loadRoutingExamples();
const t0 = performance.now();
const cv = crossValidate(dutyList, examples, k, { segmenter: jiebaSegmenter, homophones: pinyinHomophones, learned });
const rulesOnly = scoreClassifier(examples, createClassifier(dutyList, { examples: null }));
console.log(`${k}-fold cross-validation over ${examples.length} examples (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
console.log('| set | n | unit (acceptable) | 即办 recall (cases) | 即办 precision |');
console.log('|---|---:|---:|---:|---:|');
cv.folds.forEach((s, i) => console.log(row(`fold ${i + 1}`, s)));
console.log(row(`**${k}-fold pooled: rules + models**`, cv.pooled));
console.log(row('same requests: phrase rules only', rulesOnly));
if (showMisses) for (const m of cv.pooled.misses) console.log(`${m.kind === 'urgent' ? '即办漏报' : `unit→${m.got}`} ${m.id}: ${m.text}`);

if (evalPath) {
  const rows = parseRoutingExamples(readFileSync(evalPath, 'utf8'), evalPath);
  const seen = new Set(examples.map((e) => e.text));
  const leaked = rows.filter((r) => seen.has(r.text)).length;
  const full = scoreClassifier(rows, createClassifier(dutyList, { learned }));
  const rules = scoreClassifier(rows, createClassifier(dutyList, { examples: null }));
  console.log(`\n${evalPath}: ${rows.length} requests, ${leaked} of them in the training examples`);
  console.log(row('rules + models (trained on all examples)', full));
  console.log(row('phrase rules only', rules));
  if (showMisses) for (const m of full.misses) console.log(`${m.kind === 'urgent' ? '即办漏报' : `unit→${m.got}`} ${m.id}: ${m.text}`);
}
