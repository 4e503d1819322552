/**
 * Homophone typos (设保卡 for 社保卡) are put right before a text is read, and only those: a
 * word of the language, a function character, a place name or a character that belongs to the
 * next word stays as typed. The domain is tested with a toy syllable table; the last tests use
 * the real port (pinyin-pro and jieba's words) through the classifier the service runs.
 */
import t from 'tap';
import { HomophoneCorrector, type HomophoneSource } from '../../../src/domain/routing/homophones.js';
import { createClassifier, loadDutyList } from '../../../adapters/fs-config/routing.js';

/** A toy table: characters on one line share a syllable. */
const SOUNDS = ['社设', '保宝', '卡', '公', '积基', '金', '上', '访方', '便', '是市', '政', '府', '学', '生', '血', '好', '多'];
const syllable = new Map<number, number>();
SOUNDS.forEach((chars, i) => {
  for (const c of chars) syllable.set(c.charCodeAt(0), i + 1);
});
const toy = (words: string[]): HomophoneSource => ({ phonetics: (c) => syllable.get(c) ?? 0, words: () => words });

t.test('a listed phrase typed with a same-sounding character is corrected, offsets kept', async (t) => {
  const c = new HomophoneCorrector(['社保卡', '公积金'], toy([]));
  const found = c.find('我的设保卡和公基金', []);
  t.same(found, [
    { start: 2, end: 5, from: '设保卡', to: '社保卡' },
    { start: 6, end: 9, from: '公基金', to: '公积金' },
  ]);
  t.equal(HomophoneCorrector.apply('我的设保卡和公基金', found), '我的社保卡和公积金');
  t.same(c.find('我的社保卡', []), [], 'the phrase as written needs nothing');
});

t.test('what is not a typo stays as typed', async (t) => {
  const c = new HomophoneCorrector(['社保卡', '市政府', '上访便', '好多血'], toy(['上方便', '学生']));
  t.same(c.find('设宝卡', []), [], 'two characters of three changed is another word, not a typo');
  t.same(c.find('说是政府的', []), [], 'a function character (是) is written on purpose');
  t.same(c.find('楼上方便', []), [], 'a word of the language (上方便) that sounds like a phrase');
  t.same(c.find('好多学生', []), [], 'the changed character belongs to the next word (学生)');
  t.same(c.find('设保卡', [{ start: 0, end: 2 }]), [], 'a place name is never corrected');
  t.same(new HomophoneCorrector(['社保'], toy([])).find('设保', []), [], 'two-character phrases are not sounded out');
  t.same(new HomophoneCorrector(['社保卡'], toy([])).find('hello 123', []), [], 'a text with no Chinese');
});

t.test('the service classifier corrects with pinyin and shows it as evidence', async (t) => {
  const dutyList = loadDutyList();
  const c = createClassifier(dutyList, { examples: null });
  const typed = c.classify('社宝卡丢了去哪里补办');
  t.equal(typed.unit, '市人社局');
  t.ok(typed.evidence.includes('同音纠正:社宝卡→社保卡'), typed.evidence.join(' | '));
  t.equal(c.read('公基金提取要什么材料').text, '公积金提取要什么材料');
  t.same(c.read('钱是政府发的,楼上方便不方便').corrections, [], 'no correction of ordinary words');
  const plain = createClassifier(dutyList, { examples: null, homophones: null });
  t.same(plain.read('社宝卡丢了').corrections, [], 'without the port, texts are read as typed');
});
