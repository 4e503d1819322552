/**
 * 并单 suggestions at intake: the same caller about the same matter within 72 h, the same place and
 * matter from other callers within 24 h; nothing for other matters, other places, closed tickets or
 * tickets outside the window. Runs through the API on each engine.
 */
import t from 'tap';
import { ENGINES } from '../../helpers/db.js';
import { testApp, type TestApp } from '../../helpers/app.js';
import { textSimilarity } from '../../../src/application/tickets/duplicates.js';

const create = (a: TestApp, contact: string, content: string) => a.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact, content });
const HOUR = 3600_000;

t.test('bigram similarity', async (t) => {
  t.equal(textSimilarity('红都大道路灯不亮', '红都大道路灯不亮了'), 1);
  t.ok(textSimilarity('红都大道路灯不亮', '超市卖过期食品') < 0.1);
  t.equal(textSimilarity('', '路灯'), 0);
});

for (const engine of ENGINES) {
  t.test(`${engine}: suggestions`, async (t) => {
    const a = await testApp(t, { engine });
    const first = await create(a, '13800001111', '象湖镇红都大道的路灯不亮了,晚上很黑');
    t.equal(first.status, 201);
    t.same(first.json.duplicates, [], 'the first report has nothing to merge with');
    const firstId = first.json.ticket.id;

    a.clock.advance(2 * HOUR);
    const again = await create(a, '13800001111', '红都大道路灯还是不亮,晚上很黑');
    t.equal(again.status, 201);
    t.match(again.json.duplicates, [{ id: firstId, reason: 'same_caller' }], 'the same caller about the same matter');

    const other = await create(a, '13900002222', '红都大道的路灯坏了不亮');
    const reasons = Object.fromEntries(other.json.duplicates.map((d: { id: string; reason: string }) => [d.id, d.reason]));
    t.equal(reasons[firstId], 'same_place', 'another caller about the same place and matter');

    const unrelated = await create(a, '13800001111', '超市卖过期食品,要求处理');
    t.same(unrelated.json.duplicates, [], 'the same caller about another matter is not a duplicate');

    const elsewhere = await create(a, '13700003333', '八一路的路灯不亮');
    t.notOk(elsewhere.json.duplicates.some((d: { id: string }) => d.id === firstId), 'another place is not a duplicate');

    // Past the 24 h window for other callers, still inside the 72 h window for the same caller.
    a.clock.advance(30 * HOUR);
    const late = await create(a, '13600004444', '红都大道路灯不亮,晚上很黑');
    t.notOk(late.json.duplicates.some((d: { id: string }) => d.id === firstId), 'other callers only within 24 h');
    const sameLate = await create(a, '13800001111', '红都大道路灯一直不亮,晚上很黑');
    t.ok(sameLate.json.duplicates.some((d: { id: string; reason: string }) => d.id === firstId && d.reason === 'same_caller'), 'same caller within 72 h');

    a.clock.advance(48 * HOUR);
    const tooLate = await create(a, '13800001111', '红都大道路灯不亮,晚上很黑');
    t.notOk(tooLate.json.duplicates.some((d: { id: string }) => d.id === firstId), 'not after 72 h');
  });

  t.test(`${engine}: closed and merged tickets are not suggested`, async (t) => {
    const a = await testApp(t, { engine });
    const first = await create(a, '13800001111', '象湖镇红都大道的路灯不亮了');
    const second = await create(a, '13800001111', '红都大道路灯还是不亮');
    t.equal(second.json.duplicates.length, 1);
    const merged = await a.call('operator', 'POST', `/api/v1/tickets/${second.json.ticket.id}/merge`, { into: first.json.ticket.id });
    t.equal(merged.status, 200);
    const third = await create(a, '13800001111', '红都大道路灯不亮');
    t.same(third.json.duplicates.map((d: { id: string }) => d.id), [first.json.ticket.id], 'the merged ticket is not offered again');
  });
}
