import t from 'tap';
import { testApp } from '../helpers/app.js';
import type { CallOutcome } from '../../src/application/ports/voice.js';
import { type OperatorScreenPop } from '../../src/application/voice/index.js';
import { TOPIC } from '../../src/application/ports/events.js';

const IN_HOURS = '2026-11-26T02:00:00Z'; // Thursday 10:00 Shanghai
const AFTER_HOURS = '2026-11-26T14:00:00Z'; // Thursday 22:00 Shanghai
const SPOKEN = '二〇二六一一二六，〇〇〇一';

// One service for the whole file (building one costs seconds on a busy machine); each test uses
// its own caller numbers and sets the clock it needs.
const app = await testApp(t, { now: IN_HOURS });
const { ctx, call, clock } = app;

t.test('sim: 1 即办, nobody answers: urgent phone ticket with caller and recording, number read back and sent by SMS', async (t) => {
  clock.set(IN_HOURS);
  const pops: OperatorScreenPop[] = [];
  ctx.bus.subscribe(TOPIC.screenPop, (p) => pops.push(p));
  const call = await ctx.simVoice!.placeInbound({ from: '13800000000', press: ['1'], say: '红都大道有路面塌陷，有车辆被困' });
  await ctx.calls.idle();

  t.equal(call.ivrPath, '主菜单 1 即办/紧急');
  t.equal(call.result, 'completed');
  t.equal(call.ticketNumber, '20261126-0001');
  t.match(call.heard.join(' '), `工单编号是：${SPOKEN}`);
  const ticket = (await ctx.tickets.getByNumber('20261126-0001'))!;
  t.match(ticket, { channel: 'phone', contact: '13800000000', urgent: true, externalRef: call.callId });
  t.match(ticket.content, /路面塌陷/);
  t.same(ticket.attachments.map((a) => a.kind), ['recording']);
  t.match(ticket.attachments[0]!.url, /^sim:\/\/recordings\//);
  t.same(
    ctx.simSms!.sent.map((m) => [m.to, m.text]),
    [['13800000000', '【12345热线】您的诉求已登记，工单编号20261126-0001。拨打12345按4可查询办理进度。']],
  );
  t.equal(pops.length, 1);
  t.match(pops[0], { caller: '13800000000', queue: 'urgent', priority: 1, ivrPath: '主菜单 1 即办/紧急', digits: ['1'], draft: { urgent: true, channel: 'phone' } });
  t.same(ctx.operatorQueue.waitingCalls(), [], 'a call that left the queue is no longer waiting');
});

t.test('sim: after hours → message → ticket → SMS with the number', async (t) => {
  clock.set(AFTER_HOURS);
  const call = await ctx.simVoice!.placeInbound({ from: '+86 139 0000 0002', press: ['2'], say: '小区门口的路灯坏了好几天了' });
  t.equal(call.ivrPath, '非工作时间 2 留言');
  t.match(call.ticketNumber, /^20261126-\d{4}$/);
  const ticket = (await ctx.tickets.getByNumber(call.ticketNumber!))!;
  t.match(ticket, { channel: 'phone', contact: '13900000002' });
  // Not paged at once. Today's 即办 model asks about this request (待核实: 坏了好几天了 leans it
  // that way), a known false alarm the operator clears; the desk's tests cover that path.
  t.same(await ctx.paging.store.list({ ticketId: ticket.id }), [], 'nobody is paged at once');
  t.match(ticket.content, /路灯坏了/);
  t.equal(ticket.attachments.length, 1);
  t.match(ctx.simSms!.sent.at(-1), { to: '13900000002', text: `【12345热线】您的诉求已登记，工单编号${call.ticketNumber}。拨打12345按4可查询办理进度。` });
});

t.test('sim: after hours and silent: no ticket, no SMS', async (t) => {
  clock.set(AFTER_HOURS);
  const smsBefore = ctx.simSms!.sent.length;
  const call = await ctx.simVoice!.placeInbound({ from: '13900000003', press: ['2'] });
  t.equal(call.result, 'no_message');
  t.equal(call.ticketNumber, null);
  t.equal(ctx.simSms!.sent.length, smsBefore);
});

t.test('sim: a blocked caller can still leave a message for review', async (t) => {
  clock.set(IN_HOURS);
  await ctx.blockedCallers.block({ phone: '13900000004', reason: '恶意骚扰' }, { id: 'sup', role: 'supervisor', name: '值班长' });
  const call = await ctx.simVoice!.placeInbound({ from: '13900000004', press: [], say: '我要反映问题' });
  t.equal(call.ivrPath, '', 'never reached the menu');
  t.ok(call.ticketNumber);
});

t.test('sim: 4 查询 reads back the state of a ticket keyed in without the dash', async (t) => {
  clock.set(IN_HOURS);
  const first = await ctx.simVoice!.placeInbound({ from: '13800000000', press: ['3'], say: '楼下饭店油烟很大' });
  const digits = first.ticketNumber!.replace('-', '');
  const lookup = await ctx.simVoice!.placeInbound({ from: '13800000000', press: ['4', digits, ''] });
  t.match(lookup.heard.join(' '), /办理状态是：(已受理|已派单)/);
  t.match(lookup.ivrPath, /^主菜单 4 查询 > 查询 \d{12}$/);
});

t.test('sim: the same callId twice is one call and one ticket', async (t) => {
  clock.set(AFTER_HOURS);
  await ctx.simVoice!.placeInbound({ callId: 'SIM-FIXED', from: '13800000066', press: ['2'], say: '噪音扰民' });
  await t.rejects(ctx.simVoice!.placeInbound({ callId: 'SIM-FIXED', from: '13800000066', press: ['2'], say: '噪音扰民' }), { code: 'call_already_started' });
  const { items } = await ctx.ticketStore.list({ contact: '13800000066' }, { limit: 10 });
  t.equal(items.length, 1);
});

t.test('sim outbound: scripted answers become CallOutcomes on the bus', async (t) => {
  clock.set(IN_HOURS);
  const acks: unknown[] = [];
  ctx.ivrActions.pageAck = async (args) => {
    acks.push(args);
    return { ok: true };
  };
  ctx.ivrActions.pagePass = async () => ({ ok: true });
  ctx.calls.loadFlows();
  const outcomes: CallOutcome[] = [];
  ctx.bus.subscribe(TOPIC.callOutcome, (o) => outcomes.push(o));
  const sim = ctx.simVoice!;
  sim.script('13900000010', { answer: 'answer', press: ['1'] });
  sim.script('13900000011', { answer: 'no-answer' });
  sim.script('13900000012', { answer: 'busy' });
  sim.script('13900000013', { answer: 'machine' });
  sim.script('13900000014', { answer: 'answer', press: ['9'] });
  const vars = { ticketNumber: '20261126-0007', category: '求助', place: '象湖镇', summary: '路面塌陷' };
  const ids: Record<string, string> = {};
  for (const n of ['13900000010', '13900000011', '13900000012', '13900000013', '13900000014']) {
    ids[n] = (await ctx.voice.placeCall({ to: n, flow: 'paging', vars, ref: `page:${n}` })).callId;
  }
  await sim.settled();
  const by = Object.fromEntries(outcomes.map((o) => [o.ref, o]));
  t.match(by['page:13900000010'], { outcome: 'completed', result: 'acknowledged', callId: ids['13900000010'] });
  t.match(by['page:13900000011'], { outcome: 'no-answer', result: null });
  t.match(by['page:13900000012'], { outcome: 'busy' });
  t.match(by['page:13900000013'], { outcome: 'machine' });
  t.match(by['page:13900000014'], { outcome: 'completed', result: 'passed' });
  t.same(acks, [{ ticketNumber: '20261126-0007' }]);
  const outbox = sim.calls.filter((c) => c.direction === 'outbound');
  t.equal(outbox.length, 5);
  t.match(outbox[0]!.heard.join(''), /工单编号：二〇二六一一二六，〇〇〇七/);
});

t.test('sim console API: outbox and placing a call need an operator', async (t) => {
  clock.set(AFTER_HOURS);
  t.equal((await call(null, 'GET', '/api/v1/sim/outbox')).status, 401);
  t.equal((await call('unitA', 'GET', '/api/v1/sim/outbox')).status, 403);
  const placed = await call('operator', 'POST', '/api/v1/sim/calls', { from: '13800000088', press: '2', say: '噪音扰民' });
  t.equal(placed.status, 201);
  t.match(placed.json, { ticketNumber: /^20261126-\d{4}$/, direction: 'inbound', from: '13800000088' });
  const box = await call('operator', 'GET', '/api/v1/sim/outbox');
  t.equal(box.status, 200);
  t.match(box.json.calls[0], { callId: placed.json.callId });
  t.match(box.json.sms[0], { to: '13800000088' });
  // Only the caller's own number learns the state (issue 19).
  t.match((await call('operator', 'POST', '/api/v1/sim/sms', { from: '13800000001', text: `查询 ${placed.json.ticketNumber}` })).json, { kind: 'query', found: false });
  const sms = await call('operator', 'POST', '/api/v1/sim/sms', { from: '13800000088', text: `查询 ${placed.json.ticketNumber}` });
  t.match(sms.json, { kind: 'query', found: true });
  t.match(ctx.simSms!.sent.at(-1), { to: '13800000088', text: new RegExp(`^【12345热线】工单${placed.json.ticketNumber}的办理状态：(已受理|已派单)。$`) });
});
