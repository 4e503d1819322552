import t from 'tap';
import { Call, harness } from './harness.js';

const PAGE = {
  flow: 'paging',
  callId: 'PG1',
  caller: '12345',
  called: '13900000009',
  direction: 'outbound' as const,
  vars: { ticketNumber: '20261126-0007', category: '求助', place: '象湖镇红都大道', summary: '路面塌陷，有车辆被困' },
};

t.test('reads the ticket number digit by digit, category, place and summary', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, PAGE);
  const g = c.last('gather');
  t.equal(g.maxDigits, 1);
  t.match(c.text(), '工单编号：二〇二六一一二六，〇〇〇七。类别：求助。地点：象湖镇红都大道。内容：路面塌陷，有车辆被困。');
  t.match(c.text(), /确认接单请按1，重听请按2，转下一位值班人员请按9/);
});

t.test('1 acknowledges through pageAck and ends with result acknowledged', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, PAGE);
  await c.press('1');
  t.same(h.services.calls, [{ name: 'pageAck', args: { ticketNumber: '20261126-0007' } }]);
  t.match(c.text(), /已确认接单，工单已签收/);
  t.match(c.last('hangup'), { result: 'acknowledged' });
  t.match(h.events.at(-1), { kind: 'ended', result: 'acknowledged', ivrPath: '值班呼叫 1 确认接单' });
  t.match((await h.runner.getSession('PG1'))?.ended, { result: 'acknowledged', reason: 'flow' });
});

t.test('1 from a hotline-office duty officer: told the unit has not signed yet', async (t) => {
  const h = harness();
  h.services.pageAckResult = { status: 'acked', side: 'office' };
  const c = await Call.start(h.runner, PAGE);
  await c.press('1');
  t.match(c.text(), /已确认由您接手。承办单位尚未签收/);
  t.notMatch(c.text(), /工单已签收/);
  t.match(c.last('hangup'), { result: 'acknowledged' });
});

t.test('2 repeats the message, then 1 acknowledges', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, PAGE);
  const first = c.text();
  await c.press('2');
  t.equal(c.text(), first, 'same reading again');
  t.equal(h.services.calls.length, 0);
  await c.press('1');
  t.match(c.last('hangup'), { result: 'acknowledged' });
});

t.test('9 passes to the next duty person through pagePass', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, PAGE);
  await c.press('9');
  t.same(h.services.calls, [{ name: 'pagePass', args: { ticketNumber: '20261126-0007' } }]);
  t.match(c.text(), /已转下一位值班人员/);
  t.match(c.last('hangup'), { result: 'passed' });
});

t.test('no input: read three times in all, then hang up with not_reached', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, PAGE);
  await c.silence();
  t.match(c.text(), /工单编号/);
  await c.silence();
  t.match(c.text(), /工单编号/);
  await c.silence();
  t.same(c.turn.instructions, [{ kind: 'hangup', result: 'not_reached' }]);
  t.equal(c.turns.filter((x) => x.instructions.at(-1)?.kind === 'gather').length, 3);
  t.equal(h.services.calls.length, 0);
});

t.test('wrong keys three times: not_confirmed', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, PAGE);
  await c.press('5');
  await c.press('5');
  await c.press('5');
  t.match(c.last('hangup'), { result: 'not_confirmed' });
});

t.test('pageAck failing: told to sign in the system, result ack_failed', async (t) => {
  const h = harness();
  h.services.failing.add('pageAck');
  const c = await Call.start(h.runner, PAGE);
  await c.press('1');
  t.match(c.text(), /请登录系统签收该工单/);
  t.match(c.last('hangup'), { result: 'ack_failed' });
});

t.test('a page without the ticket details is refused before dialling', async (t) => {
  const h = harness();
  await t.rejects(h.runner.start({ ...PAGE, vars: { ticketNumber: '20261126-0007' } }), { kind: 'invalid', code: 'ivr_inputs_missing', details: { missing: ['category', 'place', 'summary'] } });
  t.equal(await h.store.get('PG1'), null);
});
