import t from 'tap';
import { sql } from 'drizzle-orm';
import { testApp, type TestApp, attachChat } from '../../helpers/app.js';
import { shanghaiParts } from '../../../src/domain/clock.js';
import { computeKpis } from '../../../src/domain/kpi/index.js';
import { conversationPorts, FOLLOWUP_PENDING_SCOPE } from '../../../src/application/conversation/wiring.js';
import type { FollowupChat } from '../../../src/application/followup/ports.js';
import { nextAttemptTime, slotOf } from '../../../src/application/followup/schedule.js';

// 2026-11-26 is a Thursday; 02:00Z is 10:00 in Shanghai.
const START = '2026-11-26T02:00:00Z';

async function repliedTicket(h: TestApp, body: Record<string, unknown>) {
  const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category: '求助', content: '象湖镇红都大道路灯不亮', ...body });
  if (r.status !== 201) throw new Error(r.body);
  const id = r.json.ticket.id as string;
  await h.call('unitA', 'POST', `/api/v1/tickets/${id}/sign`);
  const rep = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已更换灯泡，路灯恢复照明' });
  if (rep.json.ticket.state !== 'replied') throw new Error(rep.body);
  return id;
}

async function run(h: TestApp) {
  await h.ctx.runner.runDue();
  await h.ctx.simVoice!.settled();
  // a call outcome or IVR action may have enqueued more work due now
  await h.ctx.runner.runDue();
}

const localTime = (iso: string) => {
  const m = shanghaiParts(new Date(iso)).minutes;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

t.test('retry times: each try in another part of the day, inside the calling window', async (t) => {
  const plan = { window: { start: '08:30', end: '21:00' }, slotStarts: ['08:30', '14:30', '19:00'], minGapMinutes: 120 };
  const first = new Date('2026-11-26T02:00:00Z'); // 10:00
  t.equal(slotOf(first, plan), 0);
  const second = nextAttemptTime(first, [0], plan);
  t.equal(second.toISOString(), '2026-11-26T06:30:00.000Z', 'afternoon 14:30');
  const third = nextAttemptTime(second, [0, 1], plan);
  t.equal(third.toISOString(), '2026-11-26T11:00:00.000Z', 'evening 19:00');
  const late = nextAttemptTime(new Date('2026-11-26T12:30:00Z'), [2], plan); // tried at 20:30
  t.equal(late.toISOString(), '2026-11-27T00:30:00.000Z', 'next morning 08:30, never in quiet hours');
});

t.test('回访 through every path', async (t) => {
  const h = await testApp(t, { now: START, config: { cityDutyPhone: '0797-2345678' } });
  const sim = h.ctx.simVoice!;
  const sent = () => h.ctx.simSms!.sent;

  await t.test('answered call: 满意 + 已解决 closes the ticket', async (t) => {
    sim.script('13900000001', { answer: 'answer', press: ['1', '1', '#'] });
    const id = await repliedTicket(h, { contact: '13900000001' });
    await run(h);
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.state, 'closed');
    t.same(tk.followUp, { satisfaction: '满意', solved: true, via: 'phone' });
    const call = sim.calls.find((c) => c.to === '13900000001')!;
    t.equal(call.flow, 'followup');
    t.ok(call.heard.join('').includes('已更换灯泡'), 'the reply summary is read to the citizen');
    const doc = await h.ctx.followup.status(id);
    t.equal(doc!.stage, 'done');
    t.equal(doc!.attempts.length, 1);
    t.equal((await h.ctx.jobs.list({ status: 'pending', kindPrefix: 'followup.' })).filter((j) => j.key.includes(id)).length, 0, 'no retry left pending');
  });

  await t.test('不满意 + 未解决 → 重办 back to the same unit, counted against it', async (t) => {
    sim.script('13900000002', { answer: 'answer', press: ['3', '2', '#'] });
    const id = await repliedTicket(h, { contact: '13900000002' });
    await run(h);
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.state, 'dispatched');
    t.equal(tk.unit, '市城管局');
    t.equal(tk.reopenCount, 1);
    const types = (await h.ctx.ticketStore.events(id)).map((e) => e.data.type);
    t.same(types.slice(-2), ['followed_up', 'reopened']);
    const k = computeKpis([await h.ctx.ticketStore.events(id)], { from: new Date('2026-11-01T00:00:00Z'), to: new Date(h.clock.now().getTime() + 1) }).get('全市')!;
    t.equal(k.reopened, 1);
    t.equal(k.satisfaction.dissatisfied, 1);
  });

  await t.test('no answer: three calls at different times of day, then SMS; the SMS answer in two steps', async (t) => {
    sim.script('13900000003', { answer: 'no-answer' });
    const id = await repliedTicket(h, { contact: '13900000003' });
    await run(h); // 10:00
    h.clock.set('2026-11-26T06:30:00Z');
    await run(h); // 14:30
    h.clock.set('2026-11-26T11:00:00Z');
    await run(h); // 19:00
    const calls = sim.calls.filter((c) => c.to === '13900000003');
    t.same(calls.map((c) => localTime(c.startedAt)), ['10:00', '14:30', '19:00']);
    t.ok(calls.every((c) => c.outcome === 'no-answer'));
    const doc = await h.ctx.followup.status(id);
    t.same(doc!.attempts.map((a) => a.outcome), ['no-answer', 'no-answer', 'no-answer'], 'outcomes are kept on the attempts');
    t.notOk(sent().some((m) => m.to === '13900000003'), 'no SMS before the last call had its chance');

    h.clock.set('2026-11-26T11:30:00Z');
    await run(h);
    const q = sent().filter((m) => m.to === '13900000003');
    t.equal(q.length, 1);
    t.match(q[0].text, /1 满意，2 基本满意，3 不满意/);
    t.match(q[0].text, /已更换灯泡/);

    const first = await h.ctx.smsInbox.receive({ id: 'in-1', from: '+8613900000003', to: '12345', text: '2', at: h.clock.now(), provider: 'sim' });
    t.same(first, { kind: 'hooked' });
    t.match(sent().at(-1)!.text, /1 已解决，2 未解决/, 'asks whether it is solved');
    t.equal((await h.ctx.ticketStore.get(id))!.state, 'replied', 'one answer is not the whole 回访');
    await h.ctx.smsInbox.receive({ id: 'in-2', from: '13900000003', to: '12345', text: '1', at: h.clock.now(), provider: 'sim' });
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.state, 'closed');
    t.same({ s: tk.followUp!.satisfaction, solved: tk.followUp!.solved, via: tk.followUp!.via }, { s: '基本满意', solved: true, via: 'sms' });
    t.match(sent().at(-1)!.text, /感谢/);
    const after = await h.ctx.smsInbox.receive({ id: 'in-3', from: '13900000003', to: '12345', text: '停车场收费太贵了，希望有关部门管管', at: h.clock.now(), provider: 'sim' });
    t.equal(after.kind, 'ticket', 'once answered, the next SMS is an ordinary new request');
  });

  await t.test('quiet hours: a reply at 22:00 is followed up at 08:30; silence everywhere → 未回访, not counted as satisfied', async (t) => {
    h.clock.set('2026-11-27T14:00:00Z'); // Friday 22:00
    sim.script('13900000004', { answer: 'no-answer' });
    const id = await repliedTicket(h, { contact: '13900000004' });
    await run(h);
    t.equal(sim.calls.filter((c) => c.to === '13900000004').length, 0, 'nobody is called at night');
    for (const at of ['2026-11-28T00:30:00Z', '2026-11-28T06:30:00Z', '2026-11-28T11:00:00Z', '2026-11-28T11:30:00Z']) {
      h.clock.set(at);
      await run(h);
    }
    const calls = sim.calls.filter((c) => c.to === '13900000004');
    t.same(calls.map((c) => localTime(c.startedAt)), ['08:30', '14:30', '19:00']);
    t.equal(sent().filter((m) => m.to === '13900000004').length, 1, 'then the SMS');
    h.clock.set('2026-11-29T11:30:00Z');
    await run(h);
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.state, 'closed');
    t.equal(tk.followUp!.satisfaction, '未回访');
    t.match(tk.followUp!.reason, /电话3次.*短信未回复/);
    const k = computeKpis([await h.ctx.ticketStore.events(id)], { from: new Date('2026-11-01T00:00:00Z'), to: new Date(h.clock.now().getTime() + 1) }).get('全市')!;
    t.equal(k.satisfaction.denominator, 0, '未回访 is not a valid answer');
    t.equal(k.closing.numerator, 1, 'but the ticket is closed');
  });

  await t.test('noCallback: never called, never texted; recorded as 未回访', async (t) => {
    h.clock.set('2026-11-30T02:00:00Z');
    const before = sent().length;
    const id = await repliedTicket(h, { contact: '13900000005', noCallback: true });
    await run(h);
    t.equal(sim.calls.filter((c) => c.to === '13900000005').length, 0);
    t.equal(sent().length, before);
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.followUp!.satisfaction, '未回访');
    t.equal(tk.followUp!.reason, '群众要求不回访');
  });

  await t.test('WeChat ticket: the question goes to the chat and the chat answer is recorded', async (t) => {
    const chatSent: { channel: string; contactId: string; text: string }[] = [];
    const chat: FollowupChat = { send: async (channel, contactId, text) => void chatSent.push({ channel, contactId, text }) };
    attachChat(h.ctx, chat);
    const id = await repliedTicket(h, { channel: 'wechat', contact: 'wx-citizen-1' });
    await run(h);
    t.equal(chatSent.length, 1);
    t.match(chatSent[0].text, /1 满意/);
    t.ok(await h.ctx.state.get(FOLLOWUP_PENDING_SCOPE, 'wechat:wx-citizen-1', h.clock.now()), 'the conversation knows an answer is expected');
    const ports = conversationPorts({ tickets: h.ctx.tickets, state: h.ctx.state, bus: h.ctx.bus, clock: h.clock, calendar: h.ctx.calendar });
    const number = (await h.ctx.ticketStore.get(id))!.number;
    await ports.recordFollowup({ ticketNumber: number, contactId: 'wx-citizen-1', channel: 'wechat', satisfaction: '满意', solved: true, answer: '1 已解决', at: h.clock.now() });
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.state, 'closed');
    t.equal(tk.followUp!.via, 'wechat');
    h.clock.advance(25 * 3600_000);
    await run(h);
    t.equal((await h.ctx.ticketStore.get(id))!.followUp!.satisfaction, '满意', 'the expiry does not overwrite the answer');
    t.equal((await h.ctx.followup.status(id))!.stage, 'done');
  });

  await t.test('Official Account ticket outside the 48 h window: 未回访 with the reason', async (t) => {
    h.clock.set('2026-12-01T02:00:00Z');
    const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit: '市城管局', category: '求助', channel: 'wechat-mp', contact: 'o-openid-9', content: '象湖镇绵江路井盖缺失' });
    const id = r.json.ticket.id;
    await h.call('unitA', 'POST', `/api/v1/tickets/${id}/sign`);
    h.clock.set('2026-12-04T02:00:00Z');
    await h.call('unitA', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已补装井盖' });
    await run(h);
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.followUp!.satisfaction, '未回访');
    t.match(tk.followUp!.reason, /48小时/);
  });

  await t.test('即办: followed up at once after the reply; the result archived and reported to 市政府值班室', async (t) => {
    h.clock.set('2026-12-07T03:00:00Z'); // Monday 11:00
    sim.script('13900000007', { answer: 'answer', press: ['1', '1', '#'] });
    const id = await repliedTicket(h, { contact: '13900000007', urgent: true, content: '象湖镇红都大道燃气管道泄漏' });
    await run(h);
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.state, 'closed');
    const call = sim.calls.find((c) => c.to === '13900000007')!;
    t.equal(call.startedAt, '2026-12-07T03:00:00.000Z', 'called the moment the unit replied');
    const report = sent().find((m) => m.to === '07972345678' && m.text.includes(tk.number) && m.text.includes('即办结果报告'));
    t.ok(report, 'SMS to the city duty office');
    t.match(report!.text, /回访：满意，已解决/);
    const notes = (await h.ctx.ticketStore.events(id)).filter((e) => e.data.type === 'note').map((e) => (e.data as { text: string }).text);
    t.ok(notes.some((n) => n.includes('已归档备查')), 'archived on the ticket');
    t.equal((await h.ctx.audit.list(id)).filter((a) => a.kind === 'urgent.result_report').length, 1);
  });
});

t.test('a call job re-run after a crash between saving its attempt and setting the next one: not dialled again, the next call is set', async (t) => {
  const h = await testApp(t, { now: START });
  const sim = h.ctx.simVoice!;
  sim.script('13900000077', { answer: 'no-answer' });
  const id = await repliedTicket(h, { contact: '13900000077' });
  await run(h);
  const doc = (await h.ctx.followup.status(id))!;
  t.equal(doc.attempts.length, 1);
  const next = `followup:${id}:${doc.round}:call:2`;
  const pendingNext = async () => (await h.ctx.jobs.list({ status: 'pending', kindPrefix: 'followup.' })).filter((j) => j.key === next).length;
  t.equal(await pendingNext(), 1, 'normally the next call is set at once');
  // The process died after saving attempt 1 and before setting call 2; its job runs again.
  h.ctx.db.db.run(sql`DELETE FROM jobs WHERE key = ${next}`);
  await h.ctx.jobs.enqueue([{ kind: 'followup.call', key: `rerun:${id}`, runAt: h.clock.now(), payload: { ticketId: id, round: doc.round, n: 1 } }]);
  await run(h);
  t.equal(sim.calls.filter((c) => c.to === '13900000077').length, 1, 'attempt 1 is not dialled again');
  t.equal(await pendingNext(), 1, 'the next call is set, so the 回访 goes on');
  t.equal((await h.ctx.followup.status(id))!.attempts.length, 1);
});
