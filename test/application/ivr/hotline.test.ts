import t from 'tap';
import { AFTER_HOURS, Call, harness } from './harness.js';

const NUMBER_SPOKEN = '二〇二六一一二六，〇〇〇一';

t.test('in hours: welcome, then the main menu', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  t.match(c.text(), /您好，欢迎致电12345政务服务便民热线/);
  const menu = c.last('gather');
  t.equal(menu.maxDigits, 1);
  t.match(spokenPrompt(menu), /紧急事项请按1.*咨询请按2.*投诉、求助、建议、举报请按3.*查询.*按4.*人工服务请按0/);
  t.equal(c.turn.instructions[0].kind, 'say');
  t.match(c.turn.instructions[0], { language: 'cmn-CN', voice: 'test-voice' });
  t.equal(c.turn.turnId, 1);
  t.equal(c.turn.done, false);
});

t.test('1 即办: queued with top priority, 30 s limit, screen pop with the IVR path', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('1');
  const q = c.last('queue');
  t.match(q, { name: 'urgent', priority: 1, timeLimitSec: 30 });
  t.match(q.screenPop, { caller: '13800000001', queue: 'urgent', ivrPath: '主菜单 1 即办/紧急', digits: ['1'] });
  const queued = h.events.find((e) => e.kind === 'queued');
  t.match(queued, { kind: 'queued', screenPop: { ivrPath: '主菜单 1 即办/紧急' } });
});

t.test('1 即办: the caller hears when to call 110, 119 or 120 as well, before the queue', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('1');
  const said = c.text();
  t.match(said, /119.*120.*110/, 'all three numbers: a key press does not say what happened');
  t.ok(c.turn.instructions.findIndex((i) => i.kind === 'say' && /119/.test(String((i as { text?: unknown }).text))) < c.turn.instructions.findIndex((i) => i.kind === 'queue'), 'before the queue');
});

t.test('danger said in words: the advice names the number for that matter', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.answer({ speech: '我家楼下着火了，有人被困在三楼' });
  t.match(c.text(), /火警及燃气泄漏请拨打119/);
  t.match(c.last('queue'), { name: 'urgent' });
});

t.test('1 即办 and nobody answers in 30 s: record, urgent ticket with the recording, number read back, sms', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('1');
  h.clock.advance(30_000);
  await c.queueResult('timeout');
  t.match(c.text(), /说明紧急情况、事发地点和联系方式/);
  t.match(c.last('record'), { beep: true, maxLengthSec: 180, finishOnKey: '#' });
  t.match(h.events.find((e) => e.kind === 'dequeued'), { result: 'timeout', waitedSec: 30 });

  await c.recorded('https://rec.example/r1.wav');
  t.equal(h.services.tickets.length, 1);
  t.match(h.services.tickets[0].args, { urgent: true, recordingUrl: 'https://rec.example/r1.wav', caller: '13800000001', menu: '1', ivrPath: '主菜单 1 即办/紧急' });
  const said = c.text();
  t.match(said, `工单编号是：${NUMBER_SPOKEN}`);
  t.match(said, `再说一遍，工单编号是：${NUMBER_SPOKEN}`);
  t.match(said, /已通过短信发送/);
  t.same(h.services.sms, [{ to: '13800000001', text: '【12345热线】您的诉求已登记，工单编号20261126-0001。拨打12345按4可查询办理进度。' }]);
  t.match(c.last('hangup'), { result: 'completed' });
  t.equal(c.turn.done, true);
  t.match(h.events.at(-1), { kind: 'ended', result: 'completed', reason: 'flow' });
});

t.test('1 即办 with a silent recording still makes an urgent ticket (operators call back)', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('1');
  await c.queueResult('timeout');
  await c.answer({});
  t.equal(h.services.tickets.length, 1);
  t.match(h.services.tickets[0].args, { urgent: true, recordingUrl: '' });
  t.match(c.last('hangup'), { result: 'completed' });
});

t.test('1 即办 answered by an operator: the call ends after the conversation, no ticket by the IVR', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('1');
  await c.queueResult('bridged');
  t.same(c.turn.instructions, [{ kind: 'hangup', result: 'answered' }]);
  t.equal(h.services.tickets.length, 0);
});

for (const [key, queue, label] of [
  ['2', 'consult', '咨询'],
  ['3', 'complaint', '投诉/求助/建议/举报'],
  ['0', 'general', '人工'],
] as const) {
  t.test(`${key} ${label}: queue ${queue}; waiting too long → message → ticket → number + sms`, async (t) => {
    const h = harness();
    const c = await Call.start(h.runner, { flow: 'hotline' });
    await c.press(key);
    t.match(c.last('queue'), { name: queue, priority: queue === 'general' ? 6 : 5, timeLimitSec: 180, screenPop: { ivrPath: `主菜单 ${key} ${label}` } });
    await c.queueResult('timeout');
    t.match(c.text(), /坐席繁忙。请在提示音后留言/);
    t.equal(c.waitingFor(), 'record');
    await c.recorded(`https://rec.example/${queue}.wav`);
    t.equal(h.services.tickets.length, 1);
    t.match(h.services.tickets[0].args, { recordingUrl: `https://rec.example/${queue}.wav`, menu: key, source: 'queue_timeout' });
    t.notOk(h.services.tickets[0].args.urgent, 'not urgent');
    t.match(c.text(), NUMBER_SPOKEN);
    t.equal(h.services.sms.length, 1);
    t.match(c.last('hangup'), { result: 'completed' });
  });
}

t.test('queue timeout and the caller leaves no message: no ticket, polite goodbye', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('2');
  await c.queueResult('timeout');
  await c.recorded('', 0);
  t.equal(h.services.tickets.length, 0);
  t.match(c.text(), /没有收到您的留言/);
  t.match(c.last('hangup'), { result: 'no_message' });
});

t.test('no input: the menu is repeated twice, then an operator takes the call', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.silence();
  t.match(c.text(), /^对不起，没有收到您的按键。 紧急事项请按1/);
  await c.silence();
  t.equal(c.waitingFor(), 'gather');
  await c.silence();
  t.match(c.last('queue'), { name: 'general', screenPop: { ivrPath: '', digits: [] } });
  t.equal(c.turns.length, 4);
});

t.test('invalid keys: re-prompt with the error, then an operator', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('7');
  t.match(c.text(), /^对不起，您的按键有误。 紧急事项请按1/);
  await c.press('9');
  await c.press('8');
  t.match(c.last('queue'), { name: 'general' });
});

t.test('a wrong key then a good one still counts as one menu visit', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('7');
  await c.press('2');
  t.match(c.last('queue'), { name: 'consult', screenPop: { digits: ['2'] } });
});

t.test('4 查询: ticket number and #, the status is read out, * back to the menu', async (t) => {
  const h = harness();
  h.services.known.set('202611260012', { found: true, stateLabel: '办理中', summary: '已转市城管局办理。' });
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('4');
  t.match(c.last('gather'), { minDigits: 12, maxDigits: 16, finishOnKey: '#' });
  t.match(c.text(), /请输入工单编号/);
  await c.press('202611260012#');
  t.same(h.services.lookups, ['202611260012']);
  t.match(c.text(), '工单二〇二六一一二六〇〇一二的办理状态是：办理中。已转市城管局办理。');
  t.match(c.text(), /返回主菜单请按星号键/);
  await c.press('*');
  t.match(c.text(), /紧急事项请按1/);
  t.equal(h.services.tickets.length, 0);
});

t.test('4 查询: unknown number, too short a number, lookup down', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('4');
  await c.press('12345');
  t.match(c.text(), /^工单编号的位数不对。 请输入工单编号/);
  await c.press('202611269999');
  t.match(c.text(), '没有查到编号为二〇二六一一二六九九九九的工单');
  await c.press('1');
  h.services.failing.add('lookupTicket');
  await c.press('202611260001');
  t.match(c.text(), /查询服务暂时无法使用/);
  await c.press('0');
  t.match(c.last('queue'), { name: 'general', screenPop: { ivrPath: '主菜单 4 查询 > 查询 202611269999 > 查询结果 1 继续查询 > 查询 202611260001 > 查询结果 0 人工' } });
});

t.test('after hours: silence means a message → ticket → number read back → sms → hangup', async (t) => {
  const h = harness({ at: AFTER_HOURS });
  const c = await Call.start(h.runner, { flow: 'hotline' });
  t.match(c.text(), /现在是非工作时间/);
  await c.silence();
  await c.silence();
  t.match(c.text(), /请在提示音后说明您的诉求/);
  t.equal(c.waitingFor(), 'record');
  await c.recorded('https://rec.example/night.wav');
  t.match(h.services.tickets[0].args, { recordingUrl: 'https://rec.example/night.wav', source: 'after_hours' });
  t.match(c.text(), NUMBER_SPOKEN);
  t.equal(h.services.sms[0].to, '13800000001');
  t.match(c.last('hangup'), { result: 'completed' });
});

t.test('after hours: 2 leaves a message right away; 1 reaches the duty queue', async (t) => {
  const h = harness({ at: AFTER_HOURS });
  const a = await Call.start(h.runner, { flow: 'hotline', callId: 'night-2' });
  await a.press('2');
  t.equal(a.waitingFor(), 'record');
  const b = await Call.start(h.runner, { flow: 'hotline', callId: 'night-1' });
  await b.press('1');
  t.match(b.last('queue'), { name: 'urgent', priority: 1, screenPop: { ivrPath: '非工作时间 1 即办/紧急' } });
});

t.test('speech at the main menu: danger said in words reaches the 即办 queue, and what was said is kept', async (t) => {
  const h = harness();
  const c = await Call.start(h.runner, { flow: 'hotline' });
  t.match(c.last('gather'), { speech: { language: 'cmn-CN' } }, 'the menu listens for speech too');
  t.match(spokenPrompt(c.last('gather')), /也可以直接说出您要反映的问题/);
  await c.answer({ speech: '我家楼下着火了，有人被困在三楼' });
  t.match(c.last('queue'), { name: 'urgent', priority: 1, screenPop: { ivrPath: '主菜单 语音' } });
  t.match(h.services.calls.find((x) => x.name === 'assessSpeech'), { args: { text: '我家楼下着火了，有人被困在三楼' } });
  t.match(h.events.find((e) => e.kind === 'gathered'), { speech: '我家楼下着火了，有人被困在三楼', label: '语音' });
});

t.test('speech at the main menu: a question goes to 咨询, anything else to 投诉/求助, short words pick their branch', async (t) => {
  const h = harness();
  const q = await Call.start(h.runner, { flow: 'hotline', callId: 'ask' });
  await q.answer({ speech: '请问居住证怎么办理' });
  t.match(q.last('queue'), { name: 'consult' });
  const p = await Call.start(h.runner, { flow: 'hotline', callId: 'report' });
  await p.answer({ speech: '小区门口的路灯坏了一个星期' });
  t.match(p.last('queue'), { name: 'complaint' });
  const human = await Call.start(h.runner, { flow: 'hotline', callId: 'human' });
  await human.answer({ speech: '转人工' });
  t.match(human.last('queue'), { name: 'general', screenPop: { ivrPath: '主菜单 0 人工' } });
  const keys = await Call.start(h.runner, { flow: 'hotline', callId: 'keys' });
  await keys.answer({ digits: '3', speech: '请问' });
  t.match(keys.last('queue'), { name: 'complaint' }, 'a key pressed wins over words heard');
});

t.test('speech at the main menu: when the assessment fails the caller still reaches a person', async (t) => {
  const h = harness();
  h.services.failing.add('assessSpeech');
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.answer({ speech: '我想反映一个问题' });
  t.match(c.last('queue'), { name: 'general' });
});

t.test('after hours: an emergency said in words reaches the duty queue; anything else is a message', async (t) => {
  const h = harness({ at: AFTER_HOURS });
  const a = await Call.start(h.runner, { flow: 'hotline', callId: 'night-fire' });
  await a.answer({ speech: '救命，煤气泄漏了' });
  t.match(a.last('queue'), { name: 'urgent', screenPop: { ivrPath: '非工作时间 语音' } });
  const b = await Call.start(h.runner, { flow: 'hotline', callId: 'night-road' });
  await b.answer({ speech: '路上有个坑' });
  t.equal(b.waitingFor(), 'record');
});

t.test('Saturday morning is outside working hours', async (t) => {
  const h = harness({ at: '2026-11-28T02:00:00Z' });
  const c = await Call.start(h.runner, { flow: 'hotline' });
  t.match(c.text(), /现在是非工作时间/);
});

t.test('a blocked caller is not queued but may leave a message that becomes a ticket', async (t) => {
  const h = harness();
  h.services.blocked.add('13800000001');
  const c = await Call.start(h.runner, { flow: 'hotline' });
  t.equal(c.waitingFor(), 'record');
  t.notMatch(c.text(), /按1/);
  await c.recorded('https://rec.example/b.wav');
  t.match(h.services.tickets[0].args, { source: 'blocked_caller' });
  t.notOk(h.events.some((e) => e.kind === 'queued'));
});

t.test('ticket creation fails: apology, no number, no sms', async (t) => {
  const h = harness({ at: AFTER_HOURS });
  h.services.failing.add('createTicket');
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('2');
  await c.recorded('https://rec.example/x.wav');
  t.match(c.text(), /工单登记暂时失败/);
  t.equal(h.services.sms.length, 0);
  t.match(c.last('hangup'), { result: 'ticket_failed' });
  t.match(h.events.find((e) => e.kind === 'action'), { name: 'createTicket', ok: false });
});

t.test('sms fails: the number was read out, no claim that an sms was sent', async (t) => {
  const h = harness({ at: AFTER_HOURS });
  h.services.failing.add('sendSms');
  const c = await Call.start(h.runner, { flow: 'hotline' });
  await c.press('2');
  await c.recorded('https://rec.example/x.wav');
  t.match(c.text(), NUMBER_SPOKEN);
  t.notMatch(c.text(), /短信/);
  t.match(c.text(), /感谢您的来电，再见/);
  t.match(h.events.find((e) => e.kind === 'sms'), { ok: false });
});

function spokenPrompt(g: { prompt: { kind: string; text?: string }[] }): string {
  return g.prompt.map((p) => p.text ?? '').join(' ');
}
