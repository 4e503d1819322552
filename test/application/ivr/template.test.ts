import t from 'tap';
import { digitsFromSpeech, parseTemplate, renderTemplate, renderValue, spellDigits } from '../../../src/application/ivr/template.js';

t.test('digits are spelled one by one for TTS', async (t) => {
  t.equal(renderTemplate('{{n | digits}}', { n: '20261126' }), '二〇二六一一二六');
  t.equal(spellDigits('20261126-0012', 'zh'), '二〇二六一一二六，〇〇一二');
  t.equal(renderTemplate('{{n|spaced}}', { n: '2026-11' }), '2 0 2 6, 1 1');
  t.equal(renderTemplate('{{ n | digits }}', { n: 305 }), '三〇五');
  t.equal(spellDigits('rj12', 'zh'), 'RJ一二');
});

t.test('dotted paths, missing values and plain text', async (t) => {
  const vars = { ticket: { number: 'X1' }, a: true };
  t.equal(renderTemplate('编号{{ticket.number}}，{{a}}{{missing}}{{ticket.none.deeper}}。', vars), '编号X1，true。');
  t.equal(renderTemplate('没有变量', vars), '没有变量');
});

t.test('a lone variable keeps its type in action arguments', async (t) => {
  t.same(renderValue({ x: '{{o}}', y: '第{{n}}', z: ['{{b}}'], k: 5 }, { o: { a: 1 }, n: 2, b: false }), { x: { a: 1 }, y: '第2', z: [false], k: 5 });
});

t.test('syntax errors', async (t) => {
  t.throws(() => parseTemplate('{{a'), /unclosed/);
  t.throws(() => parseTemplate('a}}'), /without/);
  t.throws(() => parseTemplate('{{a | nope}}'), /unknown filter "nope"/);
  t.throws(() => parseTemplate('{{1a}}'), /not a variable name/);
  t.same(parseTemplate('a{{b.c | digits}}d'), ['a', { path: ['b', 'c'], filters: ['digits'] }, 'd']);
});

t.test('spoken digits become keys', async (t) => {
  t.equal(digitsFromSpeech('二零二六，幺两三 4'), '20261234');
});
