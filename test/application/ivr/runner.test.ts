import t from 'tap';
import { MemoryCallSessionStore } from '../../fakes/call-session-store.js';
import type { FlowSource } from '../../../src/application/ivr/runner.js';
import { compileFlow, type CompiledFlow } from '../../../src/application/ivr/steps/index.js';
import { validateFlowSource } from '../../../src/application/ivr/validate.js';
import { AFTER_HOURS, Call, harness } from './harness.js';

function inlineFlows(sources: Record<string, string>): FlowSource & { map: Map<string, CompiledFlow> } {
  const map = new Map<string, CompiledFlow>();
  for (const [name, src] of Object.entries(sources)) {
    const r = validateFlowSource(src, `${name}.yaml`);
    if (!r.flow) throw new Error(JSON.stringify(r.errors));
    map.set(name, compileFlow(r.flow));
  }
  return { map, get: (n) => map.get(n) };
}

t.test('a webhook retry of the same turn gets the same Turn and creates no second ticket', async (t) => {
  const h = harness({ at: AFTER_HOURS });
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('2');
  const recordTurn = c.turn.turnId;
  const first = await h.runner.resume('CA1', { recordingUrl: 'https://rec.example/a.wav' }, recordTurn);
  const again = await h.runner.resume('CA1', { recordingUrl: 'https://rec.example/a.wav' }, recordTurn);
  t.same(again, first);
  t.equal(h.services.tickets.length, 1, 'one ticket');
  t.equal(h.services.sms.length, 1, 'one sms');
});

t.test('concurrent duplicates (retry while the first is still running) run the turn once', async (t) => {
  const h = harness({ at: AFTER_HOURS });
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('2');
  const input = { recordingUrl: 'https://rec.example/a.wav' };
  const [a, b] = await Promise.all([h.runner.resume('CA1', input, c.turn.turnId), h.runner.resume('CA1', input, c.turn.turnId)]);
  t.same(a, b);
  t.equal(h.services.tickets.length, 1);
});

t.test('start is idempotent for its first turn, then refuses', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  t.same(await h.runner.start(c.info), c.turn);
  await c.press('2');
  await t.rejects(h.runner.start(c.info), { kind: 'conflict', code: 'call_already_started' });
});

t.test('an old turn id is a conflict; an unknown call is not found', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('2');
  await c.queueResult('timeout');
  await t.rejects(h.runner.resume('CA1', { digits: '1' }, 1), { kind: 'conflict', code: 'ivr_stale_turn' });
  await t.rejects(h.runner.resume('nope', {}, 1), { kind: 'not_found', code: 'call_not_found' });
  await t.rejects(h.runner.start({ callId: 'X', flow: 'no-such-flow', caller: '1', called: '2' }), { kind: 'not_found', code: 'flow_not_found' });
});

t.test('a restarted process (new runner, same store) continues the call mid-way', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('1');
  c.runner = h.restart();
  await c.queueResult('timeout');
  t.equal(c.waitingFor(), 'record');
  c.runner = h.restart();
  await c.recorded('https://rec.example/u.wav');
  t.match(h.services.tickets[0].args, { urgent: true, ivrPath: '主菜单 1 即办/紧急' });
  t.match(c.last('hangup'), { result: 'completed' });
});

t.test('call state is saved after every turn and survives a JSON round trip', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  t.equal(h.store.saves, 1);
  await c.press('4');
  t.equal(h.store.saves, 2);
  const s = (await h.store.get('CA1'))!;
  t.same(JSON.parse(JSON.stringify(s)), s);
  t.match(s, { flow: 'hotline', step: 'lookup-enter', turn: 2, vars: { menuChoice: '4', caller: '13800000001' }, path: [{ step: 'menu', digits: '4', label: '查询' }], ended: null });
});

t.test('the caller hangs up in the queue: abandoned is reported, later input gets a hangup', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('3');
  h.clock.advance(12_000);
  await h.runner.hangup('CA1');
  t.match(h.events.filter((e) => e.kind === 'dequeued'), [{ result: 'hangup', waitedSec: 12, queue: 'complaint' }]);
  t.match(h.events.at(-1), { kind: 'ended', reason: 'caller_hangup', ivrPath: '主菜单 3 投诉/求助/建议/举报' });
  t.same((await h.runner.resume('CA1', { queueResult: 'hangup' }, c.turn.turnId)).instructions, [{ kind: 'hangup' }]);
  await h.runner.hangup('CA1');
  t.equal(h.events.filter((e) => e.kind === 'ended').length, 1, 'a second hangup is a no-op');
});

t.test('queueResult hangup from the provider ends the call as abandoned', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('2');
  await c.queueResult('hangup');
  t.equal(c.turn.done, true);
  t.match((await h.store.get('CA1'))!.ended, { result: 'abandoned', reason: 'caller_hangup' });
});

t.test('speech: words pick a branch; spoken digits fill a free entry', async (t) => {
  const flows = inlineFlows({
    voice: `
start: menu
steps:
  menu:
    gather:
      prompt: 请说出或按键选择
      speech: true
      onNoInput: bye
      branches:
        "1": { to: number, label: 紧急, words: [紧急, 救命] }
  number:
    gather:
      prompt: 请说出工单编号
      speech: true
      minDigits: 4
      maxDigits: 16
      storeAs: n
      onNoInput: bye
  said:
    say: 您说的是{{n | spaced}}
  bye:
    hangup: done
`,
  });
  const h = harness({ flows });
  const c = await Call.start(h.runner, { flow: 'voice' });
  t.same(c.last('gather').speech, { language: 'cmn-CN', hints: ['紧急', '救命'] });
  await c.answer({ speech: '这里很紧急' });
  t.equal(c.waitingFor(), 'gather');
  await c.answer({ speech: '二零二六幺二' });
  t.match(c.text(), '您说的是2 0 2 6 1 2');
});

t.test('an action without onError that fails: apology, hangup, error event', async (t) => {
  const flows = inlineFlows({
    f: `
start: act
steps:
  act:
    action: { name: setFlag, args: { flag: vip } }
  bye:
    hangup: done
`,
  });
  const h = harness({ flows });
  h.services.failing.add('setFlag');
  const c = await Call.start(h.runner, { flow: 'f' });
  t.match(c.text(), /系统暂时无法处理您的来电/);
  t.match(c.last('hangup'), { result: 'error' });
  t.match(h.events.find((e) => e.kind === 'error'), { step: 'act', message: 'setFlag is down' });
  t.match((await h.store.get('CA1'))!.ended, { result: 'error', reason: 'error' });
});

t.test('a flow that loops without waiting is stopped', async (t) => {
  const flows = inlineFlows({
    loop: `
start: a
steps:
  a:
    goto: b
  b:
    say: 又来了
    next: a
`,
  });
  const h = harness({ flows });
  const c = await Call.start(h.runner, { flow: 'loop' });
  t.match(c.last('hangup'), { result: 'error' });
  t.match(h.events.find((e) => e.kind === 'error'), { message: /loop/ });
});

t.test('a step that vanished after a flow reload ends the call politely', async (t) => {
  const flows = inlineFlows({ f: `start: g\nsteps:\n  g:\n    gather: { prompt: 请按1, onNoInput: bye, branches: { "1": bye } }\n  bye:\n    hangup: done\n` });
  const h = harness({ flows });
  const c = await Call.start(h.runner, { flow: 'f' });
  const replaced = inlineFlows({ f: `start: h\nsteps:\n  h:\n    hangup: done\n` });
  flows.map.set('f', replaced.map.get('f')!);
  await c.press('1');
  t.match(c.last('hangup'), { result: 'error' });
  t.match(h.events.find((e) => e.kind === 'error'), { step: 'g', message: /not in flow/ });
});

t.test('actions get a stable idempotency key; a throwing listener does not break the call', async (t) => {
  const flows = inlineFlows({
    f: `
start: act
steps:
  act:
    action: { name: setFlag, args: { who: "{{caller}}", n: 3, on: true }, storeAs: r }
  said:
    say: 结果{{r.ok}}
  bye:
    hangup: done
`,
  });
  const store = new MemoryCallSessionStore();
  const h = harness({ flows, store });
  const calls: unknown[] = [];
  h.services.actions.setFlag = async (args, ctx) => {
    calls.push({ args, key: ctx.idempotencyKey });
    return { ok: '是' };
  };
  const { IvrRunner } = await import('../../../src/application/ivr/runner.js');
  const runner = new IvrRunner({ flows, sessions: store, services: h.services, clock: h.clock, listener: () => { throw new Error('subscriber down'); } });
  const c = await Call.start(runner, { flow: 'f' });
  t.same(calls, [{ args: { who: '13800000001', n: 3, on: true }, key: 'CA1:1:act:1' }]);
  t.match(c.text(), '结果是');
  t.equal(c.turn.done, true);
});

t.test('play and dial instructions; a failed dial goes to onFailed', async (t) => {
  const flows = inlineFlows({
    f: `
start: music
steps:
  music:
    play: { url: "https://audio.example/{{called}}.mp3", loop: 2 }
  transfer:
    dial: { number: "{{caller}}", timeout: 20, onFailed: sorry }
  ok:
    hangup: transferred
  sorry:
    say: 转接失败
  bye:
    hangup: failed
`,
  });
  const h = harness({ flows });
  const c = await Call.start(h.runner, { flow: 'f' });
  t.same(c.turn.instructions, [
    { kind: 'play', url: 'https://audio.example/12345.mp3', loop: 2 },
    { kind: 'dial', number: '13800000001', timeoutSec: 20 },
  ]);
  await c.answer({ dialResult: 'busy' });
  t.match(c.last('hangup'), { result: 'failed' });
  const d = await Call.start(h.runner, { flow: 'f', callId: 'CA2' });
  await d.answer({ dialResult: 'answered' });
  t.match(d.last('hangup'), { result: 'transferred' });
});

t.test('queue with hold music and onAnswered; digits / in conditions; sms to the caller by default', async (t) => {
  const flows = inlineFlows({
    f: `
start: pick
steps:
  pick:
    gather: { prompt: 请选择, maxDigits: 2, onNoInput: bye, storeAs: choice }
  is-one:
    branch:
      if: { digits: "1" }
      then: wait
      else: is-vip
  is-vip:
    branch:
      if: { var: choice, in: [88, 99] }
      then: text
      else: bye
  wait:
    queue: { name: vip, priority: 2, holdMusic: https://audio.example/hold.mp3, timeLimit: 45, onAnswered: survey, onTimeout: bye }
  survey:
    say: 请对刚才的服务评价
    next: bye
  text:
    sms: { text: "您选择了{{choice}}" }
  bye:
    hangup: done
`,
  });
  const h = harness({ flows });
  const a = await Call.start(h.runner, { flow: 'f', callId: 'A' });
  await a.press('1');
  t.match(a.last('queue'), { name: 'vip', priority: 2, holdMusic: 'https://audio.example/hold.mp3', timeLimitSec: 45 });
  await a.queueResult('bridged');
  t.match(a.text(), '请对刚才的服务评价');
  t.match(a.last('hangup'), { result: 'done' });

  const b = await Call.start(h.runner, { flow: 'f', callId: 'B' });
  await b.press('99');
  t.same(h.services.sms, [{ to: '13800000001', text: '您选择了99' }]);

  const c = await Call.start(h.runner, { flow: 'f', callId: 'C' });
  await c.press('5');
  t.equal(h.services.sms.length, 1);
  t.match(c.last('hangup'), { result: 'done' });
});
