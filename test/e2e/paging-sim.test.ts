/**
 * Paging end to end on the simulated provider: the real paging flow runs on each call, SMS go
 * to the sim outbox and replies come in through the sim's inbound-SMS endpoint.
 */
import t from 'tap';
import { testApp, type TestApp } from '../helpers/app.js';

const UNIT = '市城管局';
const A = '13800000001';
const B = '13800000002';
const HOTLINE_DUTY = '13800009999';
const env = { SUBAN_HOTLINE_DUTY_PHONE: HOTLINE_DUTY, SUBAN_CITY_DUTY_PHONE: '13800008888' };
const roster = {
  members: [
    { id: 'a', name: '张伟', phone: A },
    { id: 'b', name: '李娜', phone: B },
  ],
  rotation: { period: 'daily', handoff: '08:30', start: '2026-11-25', order: ['a', 'b'], holidays: 'pass' },
  leave: [],
  overrides: [],
};

async function urgentTicket(h: TestApp) {
  const r = await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', content: '红都大道路面塌陷，有车辆被困', place: '象湖镇红都大道', category: '求助', urgent: true, unit: UNIT });
  return r.json.ticket as { id: string; number: string };
}

async function settle(h: TestApp) {
  for (let i = 0; i < 10; i++) {
    const n = await h.ctx.runner.runDue();
    await h.ctx.simVoice!.settled();
    await h.ctx.pagingIdle();
    if (n === 0) break;
  }
}

t.test('sim: the duty person answers and presses 1; the ticket is signed by call', async (t) => {
  // 2026-11-26 02:00 Shanghai: 张伟 (a) is on duty since 11-25 08:30
  const h = await testApp(t, { now: '2026-11-25T18:00:00Z', env });
  t.equal((await h.call('admin', 'PUT', `/api/v1/duty/rosters/${encodeURIComponent(UNIT)}`, roster)).status, 200);
  h.ctx.simVoice!.script(A, { answer: 'answer', press: ['2', '1'] });
  const tk = await urgentTicket(h);
  await settle(h);
  const call = h.ctx.simVoice!.calls.find((c) => c.direction === 'outbound')!;
  t.match(call, { to: A, flow: 'paging', result: 'acknowledged', outcome: 'completed' });
  t.match(call.heard.join(''), /类别：求助。地点：象湖镇红都大道/);
  const ticket = (await h.call('operator', 'GET', `/api/v1/tickets/${tk.id}`)).json.ticket;
  t.equal(ticket.state, 'handling');
  const pages = await h.call('operator', 'GET', `/api/v1/duty/pages?ticketId=${tk.id}`);
  t.match(pages.json.items, [{ status: 'acked', ack: { by: '张伟', via: 'call' }, current: { outcome: 'completed', result: 'acknowledged' } }]);
});

t.test('sim: no answer twice, then the SMS; the reply through the sim inbox acknowledges', async (t) => {
  const h = await testApp(t, { now: '2026-11-25T18:00:00Z', env });
  await h.call('admin', 'PUT', `/api/v1/duty/rosters/${encodeURIComponent(UNIT)}`, roster);
  h.ctx.simVoice!.script(A, { answer: 'no-answer' });
  const tk = await urgentTicket(h);
  await settle(h);
  h.clock.advance(60_000);
  await settle(h);
  const calls = h.ctx.simVoice!.calls.filter((c) => c.direction === 'outbound');
  t.same(
    calls.map((c) => [c.to, c.outcome]),
    [
      [A, 'no-answer'],
      [A, 'no-answer'],
    ],
  );
  const sms = h.ctx.simSms!.sent.filter((m) => m.to === A);
  t.equal(sms.length, 1);
  const code = /回复 (\d{4}) 确认接单/.exec(sms[0].text)![1];
  const running = await h.call('operator', 'GET', '/api/v1/duty/pages');
  t.match(running.json.items, [{ ticketId: tk.id, status: 'running', step: 2, current: { channel: 'sms', targetName: '张伟' } }]);

  const r = await h.call('operator', 'POST', '/api/v1/sim/sms', { from: A, text: `确认${code}` });
  t.equal(r.status, 201);
  t.match(r.json, { kind: 'hooked' });
  t.match(h.ctx.simSms!.sent.at(-1), { to: A, text: /已确认接单/ });
  t.equal((await h.call('operator', 'GET', `/api/v1/tickets/${tk.id}`)).json.ticket.state, 'handling');
  const again = await h.call('operator', 'POST', '/api/v1/sim/sms', { from: A, text: code });
  t.match(again.json, { kind: 'hooked' });
  t.match(h.ctx.simSms!.sent.at(-1), { to: A, text: `【12345即办】工单${tk.number}已由张伟确认` });
  const unknown = await h.call('operator', 'POST', '/api/v1/sim/sms', { from: '13911112222', text: code });
  t.match(unknown.json, { kind: 'ticket' }, 'a stranger texting digits is an ordinary request, not an ack');
});
