import t from 'tap';
import { createClassifier, loadDutyList } from '../../../adapters/fs-config/routing.js';
import { plainSegmenter } from '../../../adapters/jieba/segmenter.js';
import { matterSignature, SAME_MATTER_THRESHOLD, similarity } from '../../../src/domain/routing/similarity.js';

const classifier = createClassifier(loadDutyList());
const sig = (text: string) => matterSignature(text, classifier.classify(text), plainSegmenter);

t.test('the same matter in other words is similar', async (t) => {
  const a = sig('解放路上自来水管爆了,水冒得老高');
  const b = sig('解放路那边水管爆裂,整条路都是水');
  t.equal(a.unit, '润泉供水公司');
  t.equal(a.place, '解放路');
  t.ok(a.keywords.length > 0);
  const s = similarity(a, b);
  t.ok(s >= SAME_MATTER_THRESHOLD, `same burst main: ${s}`);
  t.equal(similarity(b, a), s, 'symmetric');
  t.equal(similarity(a, a), 1, 'identical signature with unit and place scores 1');
});

t.test('the same complaint at another place is not the same matter', async (t) => {
  const s = similarity(sig('红都大道的路灯坏了好几盏'), sig('中山路的路灯坏了好几盏'));
  t.ok(s < SAME_MATTER_THRESHOLD && s <= 0.45, `different streets: ${s}`);
});

t.test('different matters are not similar', async (t) => {
  const s = similarity(sig('红都大道的路灯坏了'), sig('红都大道有人占道经营卖水果'));
  t.ok(s < SAME_MATTER_THRESHOLD, `same street, different matter: ${s}`);
  const u = similarity(sig('小区停水了'), sig('小区停电了'));
  t.ok(u <= 0.4, `different units cap the score: ${u}`);
});

t.test('unknown unit and place neither match nor mismatch', async (t) => {
  const a = { unit: null, keywords: ['喂', '你好'], place: null };
  const b = { unit: null, keywords: [], place: null };
  const s = similarity(a, b);
  t.ok(s > 0 && s < SAME_MATTER_THRESHOLD, `${s}`);
  t.equal(similarity(b, b), Math.round((0.3 * 0.3 + 0.25 * 0.3) * 1000) / 1000, 'no words, nothing known');
  t.ok(s <= 0.45, 'nothing in common caps the score');
});
