/**
 * 回访 of WeChat tickets (issue 18, item 4): the dialogue asks for an optional callback phone,
 * a closed 48 h window or failed sends fall back to that phone, a failed send is retried by the job
 * runner first, an answer with extra words is an answer plus a comment, and coverage is a figure.
 */
import t from 'tap';
import { testApp, type TestApp, attachChat } from '../../helpers/app.js';
import { CALLBACK_PHONE_SCOPE, createConversationEngine } from '../../../src/application/conversation/wiring.js';
import { T } from '../../../src/application/conversation/texts.js';
import type { FollowupChat } from '../../../src/application/followup/ports.js';
import type { ChatInput } from '../../../src/application/conversation/ports.js';

// 2026-11-26 is a Thursday; 02:00Z is 10:00 in Shanghai.
const START = '2026-11-26T02:00:00Z';

async function run(h: TestApp) {
  await h.ctx.runner.runDue();
  await h.ctx.simVoice!.settled();
  await h.ctx.runner.runDue();
}

function engineOf(h: TestApp) {
  return createConversationEngine({ tickets: h.ctx.tickets, state: h.ctx.state, bus: h.ctx.bus, clock: h.clock, calendar: h.ctx.calendar });
}

let seq = 0;
const text = (h: TestApp, contactId: string, s: string, channel: ChatInput['channel'] = 'wechat-mp'): ChatInput => ({ contactId, channel, kind: 'text', text: s, at: h.clock.now(), messageId: `m${++seq}` });

/** A WeChat ticket made through the dialogue, signed and replied by the unit. */
async function chatTicket(h: TestApp, contactId: string, phone: string | null, channel: ChatInput['channel'] = 'wechat-mp') {
  const engine = engineOf(h);
  await engine.handle(text(h, contactId, '象湖镇红都大道路灯不亮，晚上很黑', channel));
  const done = await engine.handle(text(h, contactId, '是', channel));
  const number = /工单号：(\S+?)。/.exec(done.join('\n'))![1];
  if (phone !== undefined) await engine.handle(text(h, contactId, phone ?? '跳过', channel));
  const tk = (await h.ctx.tickets.getByNumber(number))!;
  const d = await h.call('operator', 'POST', `/api/v1/tickets/${tk.id}/dispatch`, { unit: '市城管局' });
  if (d.status !== 200 && tk.unit !== '市城管局') throw new Error(d.body);
  return { id: tk.id, number, done, engine };
}

async function signAndReply(h: TestApp, id: string) {
  await h.call('unitA', 'POST', `/api/v1/tickets/${id}/sign`);
  const rep = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已更换灯泡，路灯恢复照明' });
  if (rep.json.ticket.state !== 'replied') throw new Error(rep.body);
}

t.test('the dialogue asks for an optional callback phone and keeps it masked', async (t) => {
  const h = await testApp(t, { now: START });
  const engine = engineOf(h);
  await engine.handle(text(h, 'o-ask-1', '象湖镇红都大道路灯不亮，晚上很黑'));
  const done = await engine.handle(text(h, 'o-ask-1', '是'));
  t.match(done.join('\n'), /工单号/);
  t.match(done.join('\n'), T.askCallbackPhone, 'asked together with the ticket number');
  const number = /工单号：(\S+?)。/.exec(done.join('\n'))![1];
  const saved = await engine.handle(text(h, 'o-ask-1', '138 0013 8000'));
  t.same(saved, [`已记录回访电话138****8000（工单${number}），仅用于回访。`]);
  const tk = (await h.ctx.tickets.getByNumber(number))!;
  t.same(await h.ctx.state.get(CALLBACK_PHONE_SCOPE, tk.id, h.clock.now()), { phone: '13800138000', givenAt: h.clock.now().toISOString() });
  const notes = (await h.ctx.ticketStore.events(tk.id)).filter((e) => e.data.type === 'note').map((e) => (e.data as { text: string }).text);
  t.ok(notes.some((n) => n.includes('138****8000')), 'the ticket shows the number masked');
  t.notOk(notes.some((n) => n.includes('13800138000')), 'never in full');
  t.notOk(h.logs.text.includes('13800138000'), 'nor in the logs');

  await engine.handle(text(h, 'o-ask-2', '象湖镇红都大道路灯不亮，晚上很黑'));
  await engine.handle(text(h, 'o-ask-2', '是'));
  t.match(await engine.handle(text(h, 'o-ask-2', '跳过')), [/不留电话/], 'skippable');
  t.equal((await h.ctx.state.list(CALLBACK_PHONE_SCOPE, h.clock.now())).length, 1);
});

t.test('outside the 48 h window the 回访 goes to the callback phone; without one it is 未回访', async (t) => {
  const h = await testApp(t, { now: START });
  const chatSent: string[] = [];
  const chat: FollowupChat = { send: async (_c, id) => void chatSent.push(id), lastInboundAt: async () => null };
  attachChat(h.ctx, chat);
  const sim = h.ctx.simVoice!;
  sim.script('13900000041', { answer: 'answer', press: ['1', '1', '#'] });
  const withPhone = await chatTicket(h, 'o-late-1', '13900000041');
  const without = await chatTicket(h, 'o-late-2', null);
  h.clock.set('2026-11-30T02:00:00Z'); // Monday 10:00, four days after the citizen's last message
  await signAndReply(h, withPhone.id);
  await signAndReply(h, without.id);
  await run(h);
  t.same(chatSent, [], 'no WeChat message outside the window');
  const call = sim.calls.find((c) => c.to === '13900000041');
  t.ok(call, 'the citizen is called on the number they left');
  const a = (await h.ctx.ticketStore.get(withPhone.id))!;
  t.equal(a.state, 'closed');
  t.same({ s: a.followUp!.satisfaction, via: a.followUp!.via }, { s: '满意', via: 'phone' });
  const status = (await h.ctx.followup.status(withPhone.id))!;
  t.equal(status.phone, '139****0041', 'the console sees the number masked');
  t.match(status.fallbackReason, /48小时/);
  const b = (await h.ctx.ticketStore.get(without.id))!;
  t.equal(b.followUp!.satisfaction, '未回访');
  t.match(b.followUp!.reason, /48小时.*未留回访电话/);
  t.notOk(h.logs.text.includes('13900000041'), 'the number is never logged in full');
});

t.test('a failed WeChat send is retried with backoff before the fallback', async (t) => {
  const h = await testApp(t, { now: START });
  let failuresLeft = 2;
  const chatSent: string[] = [];
  const chat: FollowupChat = {
    send: async (_c, id) => {
      if (failuresLeft-- > 0) throw new Error('WeChat API 45015');
      chatSent.push(id);
    },
  };
  attachChat(h.ctx, chat);
  const a = await chatTicket(h, 'o-retry-1', undefined as unknown as null, 'wechat');
  await signAndReply(h, a.id);
  await run(h);
  t.equal((await h.ctx.ticketStore.get(a.id))!.state, 'replied', 'one failed send does not close the ticket');
  t.same(chatSent, []);
  h.clock.advance(60_000);
  await run(h);
  t.same(chatSent, [], 'second try fails too');
  h.clock.advance(5 * 60_000);
  await run(h);
  t.same(chatSent, ['o-retry-1'], 'the third try gets through');
  t.equal((await h.ctx.followup.status(a.id))!.stage, 'chat');

  // Every try fails: the phone the citizen left takes over (called first, as for a phone ticket).
  failuresLeft = 100;
  h.ctx.simVoice!.script('13900000042', { answer: 'no-answer' });
  const b = await chatTicket(h, 'o-retry-2', '13900000042', 'wechat');
  await signAndReply(h, b.id);
  for (const wait of [0, 1, 5, 30]) {
    h.clock.advance(wait * 60_000);
    await run(h);
  }
  const doc = (await h.ctx.followup.status(b.id))!;
  t.equal(doc.chatFailures, 4, 'the first send and three retries');
  t.match(doc.fallbackReason, /4次发送失败/);
  t.ok(h.ctx.simVoice!.calls.some((c) => c.to === '13900000042'), 'then the callback phone is called');
  t.equal((await h.ctx.ticketStore.get(b.id))!.state, 'replied', 'still waiting for the citizen, not 未回访');
});

t.test('an answer with extra words is the answer plus the citizen’s comment, not a new request', async (t) => {
  const h = await testApp(t, { now: START });
  const chat: FollowupChat = { send: async () => undefined };
  attachChat(h.ctx, chat);
  const a = await chatTicket(h, 'o-comment-1', null);
  await signAndReply(h, a.id);
  await run(h);
  const before = (await h.call('supervisor', 'GET', '/api/v1/tickets?limit=50')).json.items.length;
  const replies = await a.engine.handle(text(h, 'o-comment-1', '3 未解决，坑还在'));
  t.match(replies, [/重新办理/]);
  const tk = (await h.ctx.ticketStore.get(a.id))!;
  t.equal(tk.state, 'dispatched', '不满意 + 未解决 → 重办');
  const fu = (await h.ctx.ticketStore.events(a.id)).filter((e) => e.data.type === 'followed_up').at(-1)!.data as { result: { satisfaction: string; solved: boolean; comment: string } };
  t.match(fu.result, { satisfaction: '不满意', solved: false, comment: '坑还在' });
  t.equal((await h.call('supervisor', 'GET', '/api/v1/tickets?limit=50')).json.items.length, before, 'no new ticket');

  // The same by SMS.
  const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category: '求助', content: '象湖镇井盖缺失', contact: '13900000043' });
  const id = r.json.ticket.id as string;
  await signAndReply(h, id);
  h.ctx.simVoice!.script('13900000043', { answer: 'no-answer' });
  for (const at of ['2026-11-26T02:00:00Z', '2026-11-26T06:30:00Z', '2026-11-26T11:00:00Z', '2026-11-26T11:30:00Z']) {
    if (h.clock.now() < new Date(at)) h.clock.set(at);
    await run(h);
  }
  const got = await h.ctx.smsInbox.receive({ id: 'c-1', from: '13900000043', to: '12345', text: '2 已解决，就是慢了点', at: h.clock.now(), provider: 'sim' });
  t.same(got, { kind: 'hooked' });
  const s = (await h.ctx.ticketStore.get(id))!;
  t.match(s.followUp, { satisfaction: '基本满意', solved: true, comment: '就是慢了点', via: 'sms' });
});

t.test('回访 coverage: followed up / due, on the stats API', async (t) => {
  const h = await testApp(t, { now: START });
  attachChat(h.ctx, { send: async () => undefined });
  const answered = await chatTicket(h, 'o-cov-1', null);
  const silent = await chatTicket(h, 'o-cov-2', null);
  await signAndReply(h, answered.id);
  await signAndReply(h, silent.id);
  await run(h);
  await answered.engine.handle(text(h, 'o-cov-1', '1 已解决'));
  const mid = await h.call('supervisor', 'GET', '/api/v1/stats/followup-coverage');
  t.equal(mid.status, 200, mid.body);
  t.match(mid.json.city, { due: 2, followedUp: 1, pending: 1, unreached: 0, rate: 0.5 });
  t.match(mid.json.units.find((u: { key: string }) => u.key === '市城管局'), { due: 2, followedUp: 1 });
  h.clock.advance(25 * 3600_000);
  await run(h);
  const after = await h.call('supervisor', 'GET', '/api/v1/stats/followup-coverage');
  t.match(after.json.city, { due: 2, followedUp: 1, pending: 0, unreached: 1 });
  const unit = await h.call('unitB', 'GET', '/api/v1/stats/followup-coverage');
  t.equal(unit.json.city, null, 'a unit sees its own row only');
  t.same(unit.json.units, []);
});
