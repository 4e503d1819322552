import t from 'tap';
import { requestText } from '../../../src/domain/routing/request-text.js';

t.test('the classifier reads a title first, the content, then the recorded place', async (t) => {
  t.equal(requestText({ content: '村里的路灯坏了' }), '村里的路灯坏了');
  t.equal(requestText({ content: ' 村里的路灯坏了 ', place: ' 叶坪镇洋溪村 ' }), '村里的路灯坏了 叶坪镇洋溪村');
  t.equal(requestText({ content: '路灯坏了一个月', title: '关于路灯的问题' }), '关于路灯的问题\n路灯坏了一个月');
  t.equal(requestText({ content: '路灯坏了', title: '路灯坏了', place: '八一路' }), '路灯坏了 八一路', 'a title repeated as the content is not doubled');
  t.equal(requestText({ content: '', title: '路灯坏了' }), '路灯坏了', 'a title alone still says what it was about');
  t.equal(requestText({ content: '', place: '八一路' }), '', 'a place alone is no request');
  t.equal(requestText({ content: '路灯坏了', place: null, title: null }), '路灯坏了');
});
