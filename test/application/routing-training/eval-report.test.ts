import t from 'tap';
import { evaluateDispatch, formatEvalReport, type DispatchItem } from '../../../src/application/routing-training/eval-report.js';

const item = (gold: string[], predicted: string | null, top3: string[] = predicted ? [predicted] : [], manual = false): DispatchItem => ({ gold, predicted, top3, manual });

t.test('accuracy counts the owner and the acceptable units', async (t) => {
  const r = evaluateDispatch([
    item(['市城管局'], '市城管局'),
    item(['市城管局', '市住建局'], '市住建局'), // acceptable: right
    item(['市住建局'], '市城管局', ['市城管局', '市住建局']), // wrong, but in the top three
    item(['市公安局'], null, [], true),
  ]);
  t.equal(r.n, 4);
  t.equal(r.accuracy, 0.5);
  t.equal(r.top3, 0.75);
  t.equal(r.manualShare, 0.25);
  t.equal(r.accuracyAuto, 2 / 3);
  t.equal(r.accuracyManual, 0);
  t.equal(r.unpredicted, 1);
  t.equal(r.withoutGold, 0);
});

t.test('per unit: recall against the owner, precision against every acceptable unit', async (t) => {
  const r = evaluateDispatch([
    item(['市城管局'], '市城管局'),
    item(['市城管局'], '市城管局'),
    item(['市城管局'], '市住建局'),
    item(['市住建局', '市城管局'], '市城管局'), // right: 城管局 was acceptable
    item(['市教体局'], '市城管局'),
  ]);
  const by = Object.fromEntries(r.perUnit.map((u) => [u.unit, u]));
  t.same(by['市城管局'], { unit: '市城管局', precision: 3 / 4, recall: 2 / 3, support: 3 });
  t.same(by['市住建局'], { unit: '市住建局', precision: 0, recall: 1, support: 1 });
  t.same(by['市教体局'], { unit: '市教体局', precision: null, recall: 0, support: 1 });
  t.same(r.perUnit.map((u) => u.unit)[0], '市城管局', 'most support first');
  t.same(r.confusedPairs, [
    { gold: '市城管局', predicted: '市住建局', count: 1 },
    { gold: '市教体局', predicted: '市城管局', count: 1 },
  ]);
});

t.test('confused pairs: most frequent first, at most 15', async (t) => {
  const items: DispatchItem[] = [];
  for (let i = 0; i < 20; i++) for (let k = 0; k <= i; k++) items.push(item([`单位${i}`], `单位${i + 100}`));
  const r = evaluateDispatch(items);
  t.equal(r.confusedPairs.length, 15);
  t.same(r.confusedPairs[0], { gold: '单位19', predicted: '单位119', count: 20 });
  t.equal(r.confusedPairs[14].count, 6);
  t.equal(r.accuracy, 0);
});

t.test('empty input and groups', async (t) => {
  const r = evaluateDispatch([]);
  t.same(r, { n: 0, accuracy: 0, top3: 0, manualShare: 0, accuracyAuto: null, accuracyManual: null, perUnit: [], confusedPairs: [], unpredicted: 0, withoutGold: 0 });
  const g = evaluateDispatch([item([], '市城管局'), item(['市城管局'], '市城管局', ['市城管局'], true)]);
  t.equal(g.n, 1);
  t.equal(g.withoutGold, 1);
  t.equal(g.accuracyAuto, null);
  t.equal(g.accuracyManual, 1);
  t.equal(g.manualShare, 1);
  t.ok(formatEvalReport(r).includes('样本数'));
});

t.test('formatEvalReport: a readable table', async (t) => {
  const r = evaluateDispatch([
    item(['市城管局'], '市城管局'),
    item(['市城管局', '市住建局'], '市住建局'),
    item(['市住建局'], '市城管局', ['市城管局', '市住建局']),
    item(['市公安局交管大队'], null, [], true),
    item([], null),
  ]);
  const text = formatEvalReport(r);
  t.match(text, /样本数\s+4\(另有 1 条无承办单位,未计入\)/);
  t.match(text, /准确率\s+50\.0%/);
  t.match(text, /前三命中率\s+75\.0%/);
  t.match(text, /转人工比例\s+25\.0%/);
  t.match(text, /自动派单准确率\s+66\.7%/);
  t.match(text, /转人工部分准确率\s+0\.0%/);
  t.match(text, /无预测\s+1/);
  t.match(text, /最常见的错分/);
  t.match(text, /市住建局\s+市城管局\s+1/);
  // columns line up when CJK counts two wide
  const lines = text.split('\n');
  const head = lines.indexOf('各单位');
  const rows = lines.slice(head + 3, lines.indexOf('', head));
  const width = (s: string) => [...s].reduce((w, c) => w + (/[\u2E80-\uFFEF]/.test(c) ? 2 : 1), 0);
  const ends = new Set(rows.map((l) => width(l)));
  t.equal(ends.size, 1, `per-unit rows end in the same column:\n${rows.join('\n')}`);
  t.match(text, /市公安局交管大队\s+1\s+0\.0%\s+-/);
  t.ok(text.endsWith('\n'));
});
