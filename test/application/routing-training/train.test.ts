/**
 * `suban train` / `suban eval` / SUBAN_ROUTING_MODEL (issue #16): a city's own history becomes a
 * model file that changes dispatch; training is deterministic; the import report names what it
 * could not use.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import t from 'tap';
import { runEval, runTrain } from '../../../src/cli/routing-model.js';
import { loadConfig } from '../../../src/config.js';
import { DEFAULT_DUTY_LIST_PATH, builtinTrainingExamples, loadClassifier } from '../../../adapters/fs-config/routing.js';

// The first training learns from built-in examples too: a fixed eighth of the shipped ones (all
// 11,000 take two minutes on a busy two-core host and test the same code). The others learn from
// the city's file alone.
t.setTimeout(600_000);
const SAMPLE = () => builtinTrainingExamples().filter((_, i) => i % 8 === 0);

const HISTORY = new URL('../../fixtures/history/city-history.csv', import.meta.url).pathname;
const DUTY = DEFAULT_DUTY_LIST_PATH.pathname;
const NEW_MATTER = '商场的共享充电宝还了以后还在扣钱，押金也不退';

function sink() {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { out, text: () => Buffer.concat(chunks).toString('utf8') };
}

const dir = mkdtempSync(join(tmpdir(), 'suban-train-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const modelA = join(dir, 'a.json');
const modelB = join(dir, 'b.json');
const modelC = join(dir, 'c.json');

t.test('train: a CSV export with Chinese headers becomes a model file, and the report says what was left out', async (t) => {
  const s = sink();
  await runTrain({ in: HISTORY, out: modelA, builtinExamples: true }, { dutyListPath: DUTY, threshold: 0.45, configuredModel: '', out: s.out, builtinExamples: SAMPLE });
  const report = s.text();
  t.match(report, /列 text=诉求内容 title=标题 unit=承办单位 category=一级分类/, 'the headers it used');
  t.match(report, /某某物业管理处 × 2/, 'a unit name that matches no unit is listed with its count');
  t.match(report, /跳过 \d+ 行:内容为空/, 'a row without content is skipped with its reason');
  t.match(report, /1 行只有类别、没有单位/, 'a row with only a category does not train the unit model');
  t.match(report, /模型已写入/);
  const file = JSON.parse(readFileSync(modelA, 'utf8'));
  t.equal(file.meta.format, 'suban-routing-model');
  t.equal(file.meta.version, 1);
  t.match(file.meta.sourceHash, /^[0-9a-f]{64}$/);
  t.ok(file.meta.classCounts['市城投集团公司'] >= 20, '瑞金市城投集团公司 and 市城投集团公司 are one unit');
  t.ok(file.meta.classCounts['乡镇人民政府'] >= 1, '壬田镇人民政府 is a township');
  t.match(file.meta.params, { seed: Number, epochs: Number });
});

t.test('training is deterministic: the same file gives the same weights', async (t) => {
  await runTrain({ in: HISTORY, out: modelB, builtinExamples: false }, { dutyListPath: DUTY, threshold: 0.45, configuredModel: '', out: sink().out });
  await runTrain({ in: HISTORY, out: modelC, builtinExamples: false }, { dutyListPath: DUTY, threshold: 0.45, configuredModel: '', out: sink().out });
  const b = JSON.parse(readFileSync(modelB, 'utf8'));
  const c = JSON.parse(readFileSync(modelC, 'utf8'));
  t.same(c.unit, b.unit, 'weights, vocabulary and calibration');
  t.equal(c.meta.sourceHash, b.meta.sourceHash);
  const a = JSON.parse(readFileSync(modelA, 'utf8'));
  t.ok(a.unit.features.length > b.unit.features.length, 'the built-in examples give a larger vocabulary');
});

t.test('the trained model changes dispatch, through the loader the server and `classify --model` use', async (t) => {
  const builtin = loadClassifier(DUTY, 0.45, '');
  const city = loadClassifier(DUTY, 0.45, modelA);
  t.not(builtin.classify(NEW_MATTER).unit, '市城投集团公司', 'the built-in list does not send it there');
  const c = city.classify(NEW_MATTER);
  t.equal(c.unit, '市城投集团公司', `the city's history does: ${JSON.stringify(c.suggestions.map((s) => [s.unit, s.score]))}`);
  t.ok(c.evidence.some((e) => /模型\d+%/.test(e)), 'the model says its share');
  t.equal(city.classify('小区门口路灯不亮了').unit, '市城管局', 'the duty list still speaks for matters the history barely has');
  t.equal(loadConfig({ SUBAN_ROUTING_MODEL: modelA }).routingModel, modelA, 'SUBAN_ROUTING_MODEL is read by the one config loader');
  t.throws(() => loadClassifier(DUTY, 0.45, join(dir, 'missing.json')), { code: 'routing_model_unreadable' });
});

t.test('eval: accuracy, top-3, manual share, per unit, confused pairs; --folds trains like train', async (t) => {
  const s = sink();
  await runEval({ in: HISTORY, model: modelA, json: true, builtinExamples: true }, { dutyListPath: DUTY, threshold: 0.45, configuredModel: '', out: s.out, builtinExamples: SAMPLE });
  const result = JSON.parse(s.text().trim().split('\n').at(-1)!);
  t.equal(result.n, 30);
  t.ok(result.accuracy >= 0.9, `fit on its own history: ${result.accuracy}`);
  t.ok(Array.isArray(result.perUnit) && result.perUnit.some((u: { unit: string }) => u.unit === '市城投集团公司'));
  t.ok('manualShare' in result && 'top3' in result && Array.isArray(result.confusedPairs));

  const cv = sink();
  await runEval({ in: HISTORY, folds: 3, json: false, builtinExamples: false }, { dutyListPath: DUTY, threshold: 0.45, configuredModel: '', out: cv.out });
  t.match(cv.text(), /3 折交叉验证/);
  t.match(cv.text(), /准确率/);
});
