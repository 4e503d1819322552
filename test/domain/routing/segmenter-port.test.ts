/**
 * The classifier reads words through the Segmenter port only: a classifier built with a
 * segmenter of this file (no jieba) works, is handed the duty list's words, and is built once
 * per duty list and factory.
 */
import t from 'tap';
import { Classifier } from '../../../src/domain/routing/classifier.js';
import { tokensOf, type Segmenter, type SegmenterFactory } from '../../../src/domain/routing/segmenter.js';
import { loadDutyList } from '../../../adapters/fs-config/routing.js';
import { JiebaSegmenter } from '../../../adapters/jieba/segmenter.js';

/** One word per character: a segmenter with no dictionary at all. */
const characters: Segmenter = { cut: (text) => [...text] };

t.test('tokensOf gives offsets, also when a segmenter drops a character', async (t) => {
  t.same(tokensOf({ cut: () => ['路灯', '坏', '了'] }, '路灯坏了'), [
    { word: '路灯', start: 0, end: 2 },
    { word: '坏', start: 2, end: 3 },
    { word: '了', start: 3, end: 4 },
  ]);
  t.same(tokensOf({ cut: () => ['路灯', '了'] }, '路灯坏了'), [
    { word: '路灯', start: 0, end: 2 },
    { word: '了', start: 3, end: 4 },
  ], 'the word after a gap is found where it stands');
  t.same(tokensOf({ cut: () => ['路灯', '水管'] }, '路灯坏了'), [{ word: '路灯', start: 0, end: 2 }], 'a word not in the text is skipped');
});

t.test('the classifier gets its words from the factory it is given', async (t) => {
  const dutyList = loadDutyList();
  const asked: string[][] = [];
  const cut: string[] = [];
  const factory: SegmenterFactory = (words) => {
    asked.push([...words]);
    return { cut: (text) => (cut.push(text), characters.cut(text)) };
  };
  const c = new Classifier(dutyList, { segmenter: factory, examples: null });
  t.equal(asked.length, 1, 'one segmenter for the classifier');
  t.ok(asked[0].includes('路灯坏了'), "the duty list's phrases are handed over as words");
  t.ok(asked[0].includes('红都大道'), 'and the place names');
  const r = c.classify('红都大道的路灯坏了好几盏');
  t.ok(cut.length > 0, 'the text was cut by that segmenter');
  t.equal(r.unit, '市城管局', 'phrases still decide with one word per character');
  t.equal(r.township, '象湖镇');

  new Classifier(dutyList, { segmenter: factory, examples: null });
  t.equal(asked.length, 1, 'a second classifier over the same list and factory shares the segmenter');
  const other: SegmenterFactory = () => characters;
  new Classifier(dutyList, { segmenter: other, examples: null });
  t.equal(asked.length, 1, 'another factory builds its own, not this one');
});

t.test('the jieba adapter keeps listed phrases whole', async (t) => {
  t.notOk(new JiebaSegmenter().cut('红都大道的路灯坏了').includes('红都大道'), 'the base dictionary splits the road name');
  t.ok(new JiebaSegmenter(['红都大道']).cut('红都大道的路灯坏了').includes('红都大道'), 'a listed place name is one word');
});
