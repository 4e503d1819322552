/**
 * 并单 (issue 18, item 5): when the ticket a group was merged into closes, every citizen of the
 * group hears the result and gets their own 回访; `merge` takes the target's ticket number too.
 */
import t from 'tap';
import { testApp, type TestApp, attachChat } from '../../helpers/app.js';
import type { FollowupChat } from '../../../src/application/followup/ports.js';

// 2026-11-26 is a Thursday; 02:00Z is 10:00 in Shanghai.
const START = '2026-11-26T02:00:00Z';

async function run(h: TestApp) {
  await h.ctx.runner.runDue();
  await h.ctx.simVoice!.settled();
  await h.ctx.runner.runDue();
}

async function ticket(h: TestApp, body: Record<string, unknown>) {
  const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category: '求助', content: '象湖镇红都大道路灯不亮', ...body });
  if (r.status !== 201) throw new Error(r.body);
  return r.json.ticket as { id: string; number: string };
}

t.test('every citizen of a merged group gets the result and their own 回访', async (t) => {
  const h = await testApp(t, { now: START });
  const sim = h.ctx.simVoice!;
  const chatSent: { contactId: string; text: string }[] = [];
  const chat: FollowupChat = { send: async (_c, contactId, text) => void chatSent.push({ contactId, text }) };
  attachChat(h.ctx, chat);
  sim.script('13900000051', { answer: 'answer', press: ['1', '1', '#'] });
  sim.script('13900000052', { answer: 'answer', press: ['3', '2', '#'] });
  const target = await ticket(h, { contact: '13900000051' });
  const byPhone = await ticket(h, { contact: '13900000052' });
  const byChat = await ticket(h, { channel: 'wechat', contact: 'wx-merged-1' });

  // merge accepts the target's number as well as its id
  const m1 = await h.call('operator', 'POST', `/api/v1/tickets/${byPhone.id}/merge`, { into: target.number });
  t.equal(m1.status, 200, m1.body);
  t.equal(m1.json.ticket.mergedInto, target.id, 'by ticket number');
  const m2 = await h.call('operator', 'POST', `/api/v1/tickets/${byChat.id}/merge`, { into: target.id });
  t.equal(m2.status, 200, m2.body);
  const self = await h.call('operator', 'POST', `/api/v1/tickets/${target.id}/merge`, { into: target.number });
  t.equal(self.status, 400, 'merging into itself by number is refused like by id');

  await h.call('unitA', 'POST', `/api/v1/tickets/${target.id}/sign`);
  await h.call('unitA', 'POST', `/api/v1/tickets/${target.id}/reply`, { reply: '已更换灯泡，路灯恢复照明' });
  await run(h); // the target's own 回访: 满意, closed
  t.equal((await h.ctx.ticketStore.get(target.id))!.state, 'closed');
  await run(h); // the group: results and 回访

  const smsToPhone = h.ctx.simSms!.sent.filter((m) => m.to === '13900000052');
  t.ok(smsToPhone.some((m) => m.text.includes(target.number) && m.text.includes('已更换灯泡')), 'the phone citizen is told the result');
  t.ok(chatSent.some((m) => m.contactId === 'wx-merged-1' && m.text.includes('合并办理')), 'the WeChat citizen is told the result');
  t.ok(chatSent.some((m) => m.contactId === 'wx-merged-1' && /1 满意/.test(m.text)), 'and asked their own 回访 question');
  t.ok(sim.calls.some((c) => c.to === '13900000052' && c.flow === 'followup'), 'the phone citizen gets their own 回访 call');

  const p = (await h.ctx.ticketStore.get(byPhone.id))!;
  t.equal(p.state, 'merged', 'a merged ticket stays merged');
  t.match(p.followUp, { satisfaction: '不满意', solved: false, via: 'phone' }, 'their own answer is on their own ticket');
  await run(h);
  const after = (await h.ctx.ticketStore.get(target.id))!;
  t.equal(after.state, 'dispatched', 'their 不满意 reopens the group’s ticket (重办)');
  t.equal(after.reopenCount, 1);

  // The chat citizen answers; the round of this closing is theirs alone.
  const ports = (await import('../../../src/application/conversation/wiring.js')).conversationPorts({ tickets: h.ctx.tickets, state: h.ctx.state, bus: h.ctx.bus, clock: h.clock, calendar: h.ctx.calendar });
  await ports.recordFollowup({ ticketNumber: byChat.number, contactId: 'wx-merged-1', channel: 'wechat', satisfaction: '满意', solved: true, answer: '1 已解决', at: h.clock.now() });
  t.match((await h.ctx.ticketStore.get(byChat.id))!.followUp, { satisfaction: '满意', via: 'wechat' });

  // The reopened target closes again: everyone hears the new result and is asked again.
  await h.call('unitA', 'POST', `/api/v1/tickets/${target.id}/sign`);
  sim.script('13900000052', { answer: 'answer', press: ['1', '1', '#'] });
  h.clock.advance(3600_000);
  await h.call('unitA', 'POST', `/api/v1/tickets/${target.id}/reply`, { reply: '已重新更换整条线路' });
  await run(h);
  await run(h);
  t.equal((await h.ctx.ticketStore.get(target.id))!.state, 'closed');
  t.match((await h.ctx.ticketStore.get(byPhone.id))!.followUp, { satisfaction: '满意', solved: true }, 'a second round for the merged citizen');
  t.ok(h.ctx.simSms!.sent.some((m) => m.to === '13900000052' && m.text.includes('已重新更换整条线路')), 'with the new result');
});
