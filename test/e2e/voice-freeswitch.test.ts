import t from 'tap';
import { testApp } from '../helpers/app.js';
import { FakeFreeSwitch } from '../fakes/fake-freeswitch.js';
import type { FreeSwitchVoiceProvider } from '../../adapters/freeswitch/voice.js';
import type { CallOutcome } from '../../src/application/ports/voice.js';
import { type OperatorCallEvent, type OperatorScreenPop } from '../../src/application/voice/index.js';
import { TOPIC } from '../../src/application/ports/events.js';

const IN_HOURS = '2026-11-26T02:00:00Z';
const AFTER_HOURS = '2026-11-26T14:00:00Z';

const fs = new FakeFreeSwitch();
await fs.listen();
t.teardown(() => fs.close());
const { ctx, clock } = await testApp(t, { now: IN_HOURS, env: { SUBAN_VOICE: 'freeswitch', SUBAN_FS_HOST: '127.0.0.1', SUBAN_FS_PORT: String(fs.port), SUBAN_FS_PASSWORD: 'ClueCon', SUBAN_FS_OUTBOUND_PORT: '0' } });
const provider = ctx.calls.activeProvider as FreeSwitchVoiceProvider;
await provider.esl.connect();
const port = provider.listening!.port;

t.test('a full call through hotline.yaml over ESL: 1 即办, no operator, recording, urgent ticket, SMS', async (t) => {
  clock.set(IN_HOURS);
  const pops: OperatorScreenPop[] = [];
  const off = ctx.bus.subscribe(TOPIC.screenPop, (p) => pops.push(p));
  t.teardown(off);
  const tr = await fs.placeCall(port, { callerNumber: '13800000000', destinationNumber: '12345', digits: ['1'], recordMs: 14_000 });
  await provider.settled();
  const apps = tr.executes.map((e) => e.app);
  t.same(apps.slice(0, 8), ['set', 'set', 'playback', 'play_and_get_digits', 'playback', 'set', 'set', 'callcenter']);
  t.match(tr.executes[2]!.arg, /^say:您好，欢迎致电12345/);
  t.match(tr.executes[4]!.arg, /119.*120.*110/, 'a 即办 caller hears the emergency numbers before the queue');
  t.equal(tr.executes[7]!.arg, 'urgent');
  t.ok(apps.includes('record'));
  t.equal(tr.hungUpBy, 'server');
  const ticket = (await ctx.ticketStore.list({ contact: '13800000000' }, { limit: 5 })).items[0]!;
  t.match(ticket, { channel: 'phone', contact: '13800000000', urgent: true, externalRef: tr.uuid });
  t.match(ticket.attachments, [{ kind: 'recording', url: new RegExp(`^/var/lib/freeswitch/recordings/suban/${tr.uuid}-\\d+\\.wav$`) }]);
  t.match(ctx.simSms!.sent.at(-1), { to: '13800000000', text: `【12345热线】您的诉求已登记，工单编号${ticket.number}。拨打12345按4可查询办理进度。` });
  const spoken = tr.executes.filter((e) => e.app === 'playback').map((e) => e.arg).join(' ');
  t.match(spoken, /工单编号是：二〇二六/);
  t.match(pops[0], { callId: tr.uuid, queue: 'urgent', caller: '13800000000' });
});

t.test("an operator (a mod_callcenter agent named after the operator's user) picks up: answered at the bridge, not at the end", async (t) => {
  clock.set(IN_HOURS);
  const agent = await ctx.auth.addUser({ name: 'agent1001', displayName: '李坐席', role: 'operator' });
  const states: OperatorCallEvent[] = [];
  const off = ctx.bus.subscribe(TOPIC.callState, (e) => states.push(e));
  t.teardown(off);
  const tr = await fs.placeCall(port, { callerNumber: '13900000009', digits: ['2'], callcenter: { agent: 'agent1001', pickupMs: 20, talkMs: 40 } });
  await provider.settled();
  const mine = states.filter((s) => s.callId === tr.uuid);
  t.same(mine.map((s) => s.state).slice(0, 2), ['queued', 'answered'], 'answered as the agent picks up');
  t.match(mine[1], { state: 'answered', queue: 'consult', operator: { id: agent.id, name: '李坐席' } });
  t.equal(mine.at(-1)!.state, 'hungup');
  t.same(ctx.operatorQueue.waitingCalls().filter((c) => c.callId === tr.uuid), []);
  t.equal((await ctx.ticketStore.list({ contact: '13900000009' }, { limit: 5 })).items.length, 0, 'a conversation, not a message: the operator makes the ticket');

  const other = await fs.placeCall(port, { callerNumber: '13900000010', digits: ['2'], callcenter: { agent: '1002' } });
  await provider.settled();
  t.match(states.find((s) => s.callId === other.uuid && s.state === 'answered'), { operator: { id: 'agent:1002', name: '1002' } }, 'an agent with no user of that name is still named');
});

t.test('after hours over ESL: recording → ticket → SMS', async (t) => {
  clock.set(AFTER_HOURS);
  const tr = await fs.placeCall(port, { callerNumber: '13900000002', digits: ['2'], recordMs: 20_000 });
  await provider.settled();
  const ticket = (await ctx.ticketStore.list({ contact: '13900000002' }, { limit: 5 })).items[0]!;
  t.match(ticket, { channel: 'phone', attachments: [{ kind: 'recording' }], externalRef: tr.uuid });
  t.match(ctx.simSms!.sent.at(-1), { to: '13900000002', text: new RegExp(ticket.number) });
});

t.test('the caller hangs up while queued: abandoned for the operators, call ended, no ticket', async (t) => {
  clock.set(IN_HOURS);
  const states: OperatorCallEvent[] = [];
  const off = ctx.bus.subscribe(TOPIC.callState, (e) => states.push(e));
  t.teardown(off);
  const tr = await fs.placeCall(port, { callerNumber: '13900000003', digits: ['0'], hangupAtExecute: 7, executeMsByApp: { callcenter: 20 } });
  await provider.settled();
  t.equal(tr.executes[6]!.app, 'callcenter');
  t.equal(tr.hungUpBy, 'caller');
  t.same(states.filter((s) => s.callId === tr.uuid).map((s) => s.state), ['queued', 'abandoned', 'hungup']);
  const session = await ctx.calls.runner.getSession(tr.uuid);
  t.match(session?.ended, { reason: 'caller_hangup' });
  t.equal((await ctx.ticketStore.list({ contact: '13900000003' }, { limit: 5 })).items.length, 0);
  t.same(ctx.operatorQueue.waitingCalls(), []);
});

t.test('outbound over ESL: originate into our socket, the paging flow runs, outcomes from hangup causes', async (t) => {
  clock.set(IN_HOURS);
  ctx.ivrActions.pageAck = async () => ({ ok: true });
  ctx.ivrActions.pagePass = async () => ({ ok: true });
  ctx.calls.loadFlows();
  const outcomes: CallOutcome[] = [];
  const off = ctx.bus.subscribe(TOPIC.callOutcome, (o) => outcomes.push(o));
  t.teardown(off);
  const vars = { ticketNumber: '20261126-0007', category: '求助', place: '象湖镇', summary: '路面塌陷' };

  const { callId } = await ctx.voice.placeCall({ to: '13900000010', flow: 'paging', vars, ref: 'page:fs-a' });
  // FreeSWITCH runs `&socket(...)` on the answered leg: it dials our outbound server with that uuid.
  const tr = await fs.placeCall(port, { uuid: callId, callerNumber: '12345', destinationNumber: '13900000010', digits: ['1'] });
  fs.scriptOriginate('13900000011', { answer: false, cause: 'USER_BUSY' });
  fs.scriptOriginate('13900000012', { answer: false, cause: 'NO_ANSWER' });
  await ctx.voice.placeCall({ to: '13900000011', flow: 'paging', vars, ref: 'page:fs-b' });
  await ctx.voice.placeCall({ to: '13900000012', flow: 'paging', vars, ref: 'page:fs-c' });
  await provider.settled();
  const originate = fs.inboundCommands().find((c) => c.line.includes('originate') && c.line.includes(callId))!;
  t.match(originate.line, new RegExp(`origination_uuid=${callId}`));
  t.match(originate.line, new RegExp(`&socket\\(127\\.0\\.0\\.1:${port} async full\\)`));
  t.match(tr.executes.find((e) => e.app === 'play_and_get_digits')!.arg, /有一件即办工单/);
  t.same(
    outcomes.map((o) => [o.ref, o.outcome, o.result ?? null]).sort(),
    [
      ['page:fs-a', 'completed', 'acknowledged'],
      ['page:fs-b', 'busy', null],
      ['page:fs-c', 'no-answer', null],
    ],
  );
});
