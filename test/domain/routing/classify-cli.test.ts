import { PassThrough, Readable } from 'node:stream';
import t from 'tap';
import { runClassify } from '../../../src/cli/classify.js';
import { createClassifier, loadDutyList } from '../../../adapters/fs-config/routing.js';

const classifier = createClassifier(loadDutyList());

async function run(input: string): Promise<Record<string, unknown>[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await runClassify(Readable.from([input]), out, classifier);
  out.end();
  const text = Buffer.concat(chunks).toString('utf8');
  t.ok(text === '' || text.endsWith('\n'), 'every line ends with a newline');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

t.test('one output line per request, same order, documented fields', async (t) => {
  const rows = await run(
    [
      JSON.stringify({ id: 'T1', text: '解放路上自来水管爆了,水冒得老高' }),
      '',
      '   ',
      JSON.stringify({ id: 'T2', text: '请问社保卡丢了怎么补办' }),
      JSON.stringify({ id: 'T3', text: '喂,你好' }),
    ].join('\r\n'),
  );
  t.equal(rows.length, 3, 'blank lines are skipped');
  t.same(Object.keys(rows[0]).sort(), ['category', 'confidence', 'id', 'needsManualDispatch', 'reasons', 'suggestions', 'township', 'unit', 'urgent', 'urgentCheck']);
  t.match(rows[0], { id: 'T1', unit: '润泉供水公司', urgent: true, township: '象湖镇', category: '求助' });
  t.match(rows[1], { id: 'T2', unit: '市人社局', urgent: false, category: '咨询', township: null });
  t.match(rows[2], { id: 'T3', unit: null, confidence: 0 });
  t.type(rows[0].confidence, 'number');
});

t.test('a recorded place (place or address) is read with the text, as intake reads it', async (t) => {
  const matter = '村委会开个证明拖了半个月，支书总说不在';
  const [alone, placed, addressed] = await run(
    [{ id: 'A', text: matter }, { id: 'B', text: matter, place: '黄柏乡中排村' }, { id: 'C', text: matter, address: '瑞金市黄柏乡中排村' }].map((r) => JSON.stringify(r)).join('\n'),
  );
  t.not(alone.unit, '黄柏乡', 'without a place no township can be chosen');
  t.equal(placed.unit, '黄柏乡', 'the place locates the village matter');
  t.equal(placed.township, '黄柏乡');
  t.equal(addressed.unit, '黄柏乡', 'address is the same field by its export name');
});

t.test('bad lines give an error line and the run goes on', async (t) => {
  const rows = await run(
    ['{"id": "A", "text": "小区停水了"}', 'not json', '{"id": "B"}', '{"id": "C", "text": "   "}', '[1,2]', '{"id": "D", "text": "家里停电了"}'].join('\n') + '\n',
  );
  t.equal(rows.length, 6);
  t.match(rows[0], { id: 'A', unit: '润泉供水公司' });
  t.match(rows[1], { id: null, error: /JSON/ });
  t.match(rows[2], { id: null, error: /text/ });
  t.match(rows[3], { id: null, error: /text/ });
  t.match(rows[4], { id: null, error: /对象/ });
  t.match(rows[5], { id: 'D', unit: '供电公司' });
});

t.test('empty input writes nothing', async (t) => {
  t.same(await run(''), []);
});
