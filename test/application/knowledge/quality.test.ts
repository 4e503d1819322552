/**
 * A floor under the knowledge search's quality on the labelled questions (dev half; the figures of
 * both halves are in BENCHMARKS.md, from npm run bench:knowledge): a ranking regression fails here.
 */
import t from 'tap';
import { knowledgeAnalyzer } from '../../../adapters/fs-config/knowledge.js';
import { KnowledgeTextIndex, Synonyms, normalizeQuery } from '../../../src/application/knowledge/text-index.js';
import { CONFIDENT_AT } from '../../../src/application/knowledge/service.js';
import { evaluate, loadDemoDocs, loadQuestions } from '../../../scripts/bench/knowledge.js';

const analyzer = knowledgeAnalyzer('config/duty-list.yaml');

t.test('dev half: top-5 and top-1 floors, miss detection', async (t) => {
  const index = new KnowledgeTextIndex(analyzer, loadDemoDocs());
  const qs = loadQuestions();
  t.ok(qs.length >= 300, `${qs.length} questions`);
  t.ok(qs.filter((q) => q.expected.length === 0).length >= 30, 'about 30 without an entry');
  const dev = evaluate(index, qs.filter((q) => q.split === 'dev'), CONFIDENT_AT);
  t.ok(dev.top5 >= 0.97, `dev top-5 ${dev.top5}`);
  t.ok(dev.top1 >= 0.9, `dev top-1 ${dev.top1}`);
  t.ok(dev.missRecall >= 0.75, `dev miss recall ${dev.missRecall}`);
  t.ok(dev.confidentWrong / (dev.confidentWrong + dev.confidentRight) <= 0.05, 'few confident wrong answers on dev');
  const test = evaluate(index, qs.filter((q) => q.split === 'test'), CONFIDENT_AT);
  t.ok(test.top5 >= 0.9, `test top-5 ${test.top5}`);
});

t.test('synonyms and normalisation', async (t) => {
  t.equal(normalizeQuery('ＡＢＣ１２３，社保卡！'), 'abc123 社保卡');
  const s = new Synonyms();
  s.add(['社保卡', '社会保障卡']);
  s.add(['社保', '社会保险']);
  t.same(s.find('社会保障卡丢了'), [0], '社会保障卡 is found');
  t.same(s.find('社保卡和社会保险'), [0, 1]);
  t.same(s.find('社保卡'), [0], '社保 inside 社保卡 does not count');
  const terms = analyzer.terms('请问社会保障卡掉了怎么补办');
  t.ok(terms.some((x) => x.kind === 'synonym'), 'a synonym group term');
  t.notOk(terms.some((x) => x.term === '请问' || x.term === '怎么'), 'fillers dropped');
  // The synonym list makes a citizen's wording find the official title.
  const index = new KnowledgeTextIndex(analyzer, [
    { id: 'a', title: '社会保障卡挂失补办', variants: [], answer: '到窗口办理。' },
    { id: 'b', title: '住房公积金提取', variants: [], answer: '到窗口办理。' },
    { id: 'c', title: '户籍登记', variants: [], answer: '到派出所办理。' },
  ]);
  t.equal(index.search('社保卡丢了')[0]?.id, 'a');
  t.equal(index.search('公积金怎么取出来')[0]?.id, 'b');
  t.equal(index.search('小孩上户口')[0]?.id, 'c');
  t.same(index.search('的了吗'), [], 'only fillers: nothing');
  const hits = index.search('社保卡丢了', 3);
  for (let i = 1; i < hits.length; i++) t.ok(hits[i]!.confidence <= hits[i - 1]!.confidence, 'confidence falls with rank');
});
