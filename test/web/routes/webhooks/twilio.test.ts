import t from 'tap';
import twilio from 'twilio';
import type { CallOutcome } from '../../../../src/application/ports/voice.js';
import { type OperatorScreenPop } from '../../../../src/application/voice/index.js';
import { TOPIC } from '../../../../src/application/ports/events.js';
import { signatureValid } from '../../../../adapters/twilio/signature.js';
import { HOTLINE, sayText, twilioApp, twimlUrls } from '../../../adapters/twilio/helpers.js';

const IN_HOURS = '2026-11-26T02:00:00Z';
const AFTER_HOURS = '2026-11-26T14:00:00Z';
const sid = (n: number, p = 'CA') => `${p}${String(n).padStart(32, '0')}`;

t.test('the signature vector of protocol-vectors.md, checked the way the routes check it', async (t) => {
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  for (const check of [twilio.validateRequest, signatureValid]) {
    t.ok(check('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'https://mycompany.com/myapp.php?foo=1&bar=2', params));
    t.notOk(check('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'https://mycompany.com/myapp.php?foo=1&bar=3', params));
    t.notOk(check('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'https://mycompany.com/myapp.php?foo=1&bar=2', { ...params, Digits: '1235' }));
    t.notOk(check('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8', 'https://mycompany.com/myapp.php?foo=1&bar=2', params), 'a signature of another length');
  }
  // What only the SDK's other spellings of the URL accept still passes: a signature over the URL with its default port.
  const withPort = twilio.getExpectedTwilioSignature('12345', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params);
  t.ok(signatureValid('12345', withPort, 'https://mycompany.com/myapp.php?foo=1&bar=2', params));
  t.equal(signatureValid('12345', withPort, 'https://mycompany.com/myapp.php?foo=1&bar=2', params), twilio.validateRequest('12345', withPort, 'https://mycompany.com/myapp.php?foo=1&bar=2', params));
});

const h = await twilioApp(t, { now: IN_HOURS });
const { ctx, hooks, twilio: fake } = h;

t.test('a full call through hotline.yaml over signed webhooks: 1 即办, queue timeout, recording, ticket, SMS', async (t) => {
  h.clock.set(IN_HOURS);
  const pops: OperatorScreenPop[] = [];
  ctx.bus.subscribe(TOPIC.screenPop, (p) => pops.push(p));
  const CallSid = sid(1);
  const base = { CallSid, From: '+8613800000000', To: HOTLINE, AccountSid: 'AC0123456789abcdef0123456789abcdef' };

  const welcome = await hooks.post('/twilio/voice', { ...base, CallStatus: 'ringing', Direction: 'inbound' });
  t.equal(welcome.status, 200);
  t.match(welcome.type, /xml/);
  t.match(welcome.body, /<Say language="cmn-CN"[^>]*>您好，欢迎致电12345/);
  t.match(welcome.body, /<Gather input="dtmf speech" numDigits="1" timeout="6"/);
  t.match(welcome.body, /language="cmn-Hans-CN" speechTimeout="auto" hints="[^"]*人工/, 'the menu also listens for Mandarin');
  t.match(welcome.body, /actionOnEmptyResult="true"/);
  const gatherUrl = twimlUrls(welcome.body).gather!;
  t.equal(gatherUrl, `https://hotline.example.cn/twilio/gather?callSid=${CallSid}&turn=1`);

  const queued = await hooks.post(gatherUrl, { ...base, Digits: '1' });
  t.equal(queued.status, 200);
  t.match(queued.body, /<Enqueue [^>]*>urgent<\/Enqueue>/);
  const { enqueue, wait } = twimlUrls(queued.body);
  await ctx.calls.idle();
  t.match(pops.at(-1), { callId: CallSid, caller: '13800000000', queue: 'urgent', ivrPath: '主菜单 1 即办/紧急', draft: { urgent: true } });
  t.same(ctx.operatorQueue.waitingCalls().map((c) => c.callId), [CallSid]);

  const hold = await hooks.post(wait!, { ...base, QueueTime: '0', QueueSid: 'QU' + '0'.repeat(32) });
  t.match(hold.body, /<Pause length="10"\/>/);
  const leave = await hooks.post(wait!, { ...base, QueueTime: '30' });
  t.match(leave.body, /<Leave\/>/);

  const record = await hooks.post(enqueue!, { ...base, QueueResult: 'leave', QueueTime: '30' });
  t.match(sayText(record.body), /说明紧急情况/);
  t.match(record.body, /<Record [^>]*maxLength="180"[^>]*playBeep="true"/);
  const urls = twimlUrls(record.body);
  t.match(urls.redirect, /empty=1/, 'an empty recording still reaches the flow');
  t.same(ctx.operatorQueue.waitingCalls(), []);

  const recordingUrl = 'https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/RE00000000000000000000000000000001';
  const recParams = { ...base, RecordingUrl: recordingUrl, RecordingDuration: '14', RecordingSid: 'RE' + '0'.repeat(31) + '1' };
  const done = await hooks.post(urls.record!, recParams);
  t.equal(done.status, 200);
  t.match(sayText(done.body), /工单编号是：二〇二六一一二六，〇〇〇一/);
  t.match(done.body, /<Hangup\/>/);

  const ticket = (await ctx.tickets.getByNumber('20261126-0001'))!;
  t.match(ticket, { channel: 'phone', contact: '13800000000', urgent: true, externalRef: CallSid });
  t.same(ticket.attachments.map((a) => [a.kind, a.url]), [['recording', recordingUrl]]);
  t.equal(fake.messages.length, 1, 'SMS through the SDK to the fake REST API');
  t.match(fake.messages[0], { to: '+8613800000000', from: HOTLINE, body: /工单编号20261126-0001/ });

  // Twilio retries the record callback (timeout on its side): same TwiML, nothing twice.
  const again = await hooks.post(urls.record!, recParams);
  t.equal(again.body, done.body);
  t.equal(fake.messages.length, 1);
  t.equal((await ctx.ticketStore.list({ contact: '13800000000' }, { limit: 10 })).items.length, 1);

  // A retried first webhook after the call moved on: the current answer, not a restart.
  const lateRetry = await hooks.post('/twilio/voice', { ...base, CallStatus: 'ringing' });
  t.equal(lateRetry.status, 200);
  t.match(lateRetry.body, /<Hangup\/>/);

  const status = await hooks.post('/twilio/status', { ...base, CallStatus: 'completed', CallDuration: '75' });
  t.equal(status.status, 200);
});

t.test('a caller who describes the matter instead of pressing a key: SpeechResult sorted, the words on the screen pop', async (t) => {
  h.clock.set(IN_HOURS);
  const pops: OperatorScreenPop[] = [];
  const off = ctx.bus.subscribe(TOPIC.screenPop, (p) => pops.push(p));
  t.teardown(off);
  const CallSid = sid(40);
  const base = { CallSid, From: '+8613800000040', To: HOTLINE, AccountSid: 'AC0123456789abcdef0123456789abcdef' };
  const welcome = await hooks.post('/twilio/voice', { ...base, CallStatus: 'ringing', Direction: 'inbound' });
  const said = '我们小区三号楼着火了，楼上还有老人';
  const queued = await hooks.post(twimlUrls(welcome.body).gather!, { ...base, SpeechResult: said, Confidence: '0.91' });
  t.equal(queued.status, 200);
  t.match(queued.body, /<Enqueue [^>]*>urgent<\/Enqueue>/, 'danger said in words reaches the 即办 queue');
  await ctx.calls.idle();
  t.match(pops.at(-1), { callId: CallSid, queue: 'urgent', ivrPath: '主菜单 语音', draft: { urgent: true, content: said } });
  await hooks.post('/twilio/status', { ...base, CallStatus: 'completed' });
  await ctx.calls.idle();
  t.same(ctx.operatorQueue.waitingCalls(), [], 'hung up: no longer waiting');
});

t.test("an operator's phone line takes the first waiting caller by priority; the console hears who took it", async (t) => {
  h.clock.set(IN_HOURS);
  const agent = await ctx.auth.addUser({ name: 'op-line', displayName: '王坐席', role: 'operator', phone: '13700000077' });
  const states: { callId: string; state: string; operator?: { id: string; name: string } }[] = [];
  const off = ctx.bus.subscribe(TOPIC.callState, (e) => states.push(e));
  t.teardown(off);
  const idle = await hooks.post('/twilio/agent', { CallSid: sid(59), From: '+8613700000077', To: HOTLINE });
  t.match(sayText(idle.body), /目前没有等待接听的来电/, 'nobody waits: the line stays open');
  t.match(idle.body, /<Pause length="3"\/><Redirect method="POST">https:\/\/hotline.example.cn\/twilio\/agent\?idle=1<\/Redirect>/);
  const again = await hooks.post('https://hotline.example.cn/twilio/agent?idle=1', { CallSid: sid(59), From: '+8613700000077', To: HOTLINE });
  t.equal(sayText(again.body), '', 'and asks again without repeating the notice');
  const queue = async (n: number, key: string) => {
    const base = { CallSid: sid(n), From: `+86138000000${n}`, To: HOTLINE };
    const welcome = await hooks.post('/twilio/voice', { ...base, CallStatus: 'ringing', Direction: 'inbound' });
    await hooks.post(twimlUrls(welcome.body).gather!, { ...base, Digits: key });
  };
  await queue(51, '3');
  await queue(52, '1');
  await ctx.calls.idle();
  t.same(ctx.operatorQueue.waitingCalls().map((c) => c.callId), [sid(52), sid(51)], '即办 first');

  const stranger = await hooks.post('/twilio/agent', { CallSid: sid(60), From: '+8613900000001', To: HOTLINE });
  t.match(sayText(stranger.body), /未登记为坐席/);
  t.notMatch(stranger.body, /<Dial/, 'a number that is not an operator reaches no caller');

  const line = await hooks.post('/twilio/agent', { CallSid: sid(61), From: '+8613700000077', To: HOTLINE });
  t.equal(line.status, 200);
  t.match(sayText(line.body), /正在为您接通即办紧急来电/);
  const connect = /<Queue url="([^"]+)" method="POST">urgent<\/Queue>/.exec(line.body)?.[1]?.replace(/&amp;/g, '&');
  t.equal(connect, `https://hotline.example.cn/twilio/agent/connect?operator=${agent.id}`, 'the urgent queue, with the connect URL');

  // Twilio fetches the <Queue url> on the dequeued caller's leg just before the bridge.
  const whisper = await hooks.post(connect!, { CallSid: sid(52), QueueSid: 'QU' + '0'.repeat(32), QueueTime: '12' });
  t.match(sayText(whisper.body), /正在为您转接人工坐席/);
  t.match(states.at(-1), { callId: sid(52), state: 'answered', operator: { id: agent.id, name: '王坐席' } });
  t.same(ctx.operatorQueue.waitingCalls().map((c) => c.callId), [sid(51)], 'taken off the waiting list at once');

  t.equal((await hooks.post('/twilio/agent', { CallSid: sid(62), From: '+8613700000077' }, { signature: 'bad' })).status, 403, 'unsigned: refused');
  t.equal((await hooks.post(connect!, { CallSid: 'nope' })).status, 400);
  const ref = await h.app.inject({ method: 'GET', url: '/api/v1/console/reference', headers: { authorization: `Bearer ${h.operatorToken}` } });
  t.equal(ref.json().voice, 'twilio', 'the desk learns that calls reach operators through their handsets');
});

t.test('after hours: message, ticket, SMS with the number', async (t) => {
  h.clock.set(AFTER_HOURS);
  const CallSid = sid(2);
  const base = { CallSid, From: '+8613900000002', To: HOTLINE };
  const first = await hooks.post('/twilio/voice', base);
  t.match(sayText(first.body), /非工作时间/);
  const rec = await hooks.post(twimlUrls(first.body).gather!, { ...base, Digits: '2' });
  t.match(rec.body, /<Record /);
  const done = await hooks.post(twimlUrls(rec.body).record!, { ...base, RecordingUrl: 'https://api.twilio.com/rec/RE2', RecordingDuration: '20' });
  const number = /工单编号(\d{8}-\d{4})/.exec(fake.messages.at(-1)!.body)?.[1];
  t.ok(number);
  t.match(await ctx.tickets.getByNumber(number!), { channel: 'phone', contact: '13900000002', attachments: [{ kind: 'recording', url: 'https://api.twilio.com/rec/RE2' }] });
  t.match(done.body, /<Hangup\/>/);
});

t.test('an empty recording (Twilio skips the action and follows the Redirect): no ticket', async (t) => {
  h.clock.set(AFTER_HOURS);
  const CallSid = sid(3);
  const base = { CallSid, From: '+8613900000003', To: HOTLINE };
  const first = await hooks.post('/twilio/voice', base);
  const rec = await hooks.post(twimlUrls(first.body).gather!, { ...base, Digits: '2' });
  const done = await hooks.post(twimlUrls(rec.body).redirect!, base);
  t.match(sayText(done.body), /没有收到您的留言/);
  t.equal((await ctx.ticketStore.list({ contact: '13900000003' }, { limit: 5 })).items.length, 0);
});

t.test('wrong, missing or replayed-elsewhere signatures: 403 and nothing changes', async (t) => {
  const CallSid = sid(4);
  const params = { CallSid, From: '+8613900000004', To: HOTLINE };
  const forged = await hooks.post('/twilio/voice', params, { signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' });
  t.equal(forged.status, 403);
  t.match(JSON.parse(forged.body), { error: { code: 'bad_signature' } });
  t.equal((await hooks.post('/twilio/voice', params, { signature: null })).status, 403);
  // A valid signature for other parameters (a tampered From) or another URL does not pass.
  t.equal((await hooks.post('/twilio/voice', { ...params, From: '+8613900000005' }, { signature: hooks.sign('/twilio/voice', params) })).status, 403);
  t.equal((await hooks.post('/twilio/voice?x=1', params, { signature: hooks.sign('/twilio/voice', params) })).status, 403);
  t.equal(await ctx.calls.runner.getSession(CallSid), null, 'no call was started');
  const sms = await hooks.post('/twilio/sms', { MessageSid: sid(4, 'SM'), From: '+8613900000004', Body: '路灯坏了' }, { signature: 'x' });
  t.equal(sms.status, 403);
  t.equal((await ctx.ticketStore.list({ contact: '13900000004' }, { limit: 5 })).items.length, 0);
});

t.test('malformed webhooks and unknown calls: 4xx or a safe TwiML answer, never a 5xx', async (t) => {
  h.clock.set(IN_HOURS);
  const noSid = await hooks.post('/twilio/voice', { From: '+8613900000006' });
  t.equal(noSid.status, 400);
  const unknown = await hooks.post(`/twilio/gather?callSid=${sid(999)}&turn=1`, { CallSid: sid(999), Digits: '1' });
  t.equal(unknown.status, 200);
  t.match(unknown.body, /<Say[^>]*>对不起.*<Hangup\/>/);
  t.equal((await hooks.post(`/twilio/gather?callSid=${sid(5)}&turn=abc`, { CallSid: sid(5), Digits: '1' })).status, 400);
  t.equal((await hooks.post(`/twilio/gather?callSid=${sid(5)}&turn=1`, { CallSid: sid(6), Digits: '1' })).status, 400, 'CallSid must match the URL');
  t.equal((await hooks.post('/twilio/record', { CallSid: sid(5) })).status, 400);
  t.equal((await hooks.post('/twilio/status', { CallSid: sid(5) })).status, 400);
  t.equal((await hooks.post('/twilio/status', { CallSid: sid(777), CallStatus: 'completed' })).status, 200, 'status of an unknown call is ignored');
  t.equal((await hooks.post('/twilio/sms', { From: '+8613900000006', Body: 'x' })).status, 400);
  t.equal((await hooks.post('/twilio/wait?callSid=x&turn=1', { CallSid: 'x' })).status, 400);
  const weird = await fetch(`${h.appUrl}/twilio/voice`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-twilio-signature': 'x' }, body: 'CallSid=1' });
  t.ok(weird.status >= 400 && weird.status < 500, `text/plain body → ${weird.status}`);
  const json = await fetch(`${h.appUrl}/twilio/voice`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-twilio-signature': 'x' }, body: '{"CallSid": {"$gt": ""}}' });
  t.equal(json.status, 403);

  // A stale turn (Twilio out of step): the call's current answer, and the call is not disturbed.
  const CallSid = sid(7);
  const base = { CallSid, From: '+8613900000007', To: HOTLINE };
  const first = await hooks.post('/twilio/voice', base);
  const g1 = twimlUrls(first.body).gather!;
  const lookup = await hooks.post(g1, { ...base, Digits: '4' });
  const g2 = twimlUrls(lookup.body).gather!;
  t.match(g2, /turn=2/);
  const missing = await hooks.post(g2, { ...base, Digits: '202611269999#' });
  t.match(sayText(missing.body), /没有查到编号为/);
  const stale = await hooks.post(g1, { ...base, Digits: '0' });
  t.equal(stale.status, 200);
  t.equal(stale.body, missing.body, 'an out-of-step callback gets the call\'s current answer');
  t.equal((await hooks.post(g2, { ...base, Digits: '202611269999#' })).body, missing.body, 'a replay of the latest turn gets the same answer');
  const older = await hooks.post(g1.replace('turn=1', 'turn=0'), { ...base, Digits: '0' });
  t.equal(older.status, 400);
  const logs = h.logs.text;
  t.notMatch(logs, /"level":50.*Twilio webhook failed/);
});

t.test('outbound calls through the SDK; status callbacks become CallOutcomes, once', async (t) => {
  h.clock.set(IN_HOURS);
  ctx.ivrActions.pageAck = async () => ({ ok: true });
  ctx.ivrActions.pagePass = async () => ({ ok: true });
  ctx.calls.loadFlows();
  const outcomes: CallOutcome[] = [];
  ctx.bus.subscribe(TOPIC.callOutcome, (o) => outcomes.push(o));
  const vars = { ticketNumber: '20261126-0007', category: '求助', place: '象湖镇', summary: '路面塌陷' };

  const a = await ctx.voice.placeCall({ to: '13900000010', flow: 'paging', vars, ref: 'page:a', detectMachine: true });
  const callA = fake.calls.at(-1)!;
  t.equal(a.callId, callA.sid);
  t.match(callA, { to: '+8613900000010', from: HOTLINE, method: 'POST', machineDetection: 'Enable', url: /^https:\/\/hotline\.example\.cn\/twilio\/voice\?oc=/ });
  const base = { CallSid: callA.sid, From: HOTLINE, To: '+8613900000010', Direction: 'outbound-api' };
  const announce = await hooks.post(callA.url, { ...base, CallStatus: 'in-progress', AnsweredBy: 'human' });
  t.match(sayText(announce.body), /有一件即办工单需要您立即处理。工单编号：二〇二六一一二六，〇〇〇七/);
  const acked = await hooks.post(twimlUrls(announce.body).gather!, { ...base, Digits: '1' });
  t.match(acked.body, /<Hangup\/>/);
  t.equal((await hooks.post(callA.statusCallback!, { ...base, CallStatus: 'completed' })).status, 200);
  t.equal((await hooks.post(callA.statusCallback!, { ...base, CallStatus: 'completed' })).status, 200, 'replayed status');

  await ctx.voice.placeCall({ to: '13900000011', flow: 'paging', vars, ref: 'page:b' });
  const callB = fake.calls.at(-1)!;
  await hooks.post(callB.statusCallback!, { CallSid: callB.sid, CallStatus: 'no-answer' });

  await ctx.voice.placeCall({ to: '13900000012', flow: 'paging', vars, ref: 'page:c', detectMachine: true });
  const callC = fake.calls.at(-1)!;
  await hooks.post(callC.statusCallback!, { CallSid: callC.sid, CallStatus: 'completed', AnsweredBy: 'machine_end_beep' });

  await ctx.voice.placeCall({ to: '13900000013', flow: 'paging', vars, ref: 'page:d' });
  const callD = fake.calls.at(-1)!;
  await hooks.post(callD.statusCallback!, { CallSid: callD.sid, CallStatus: 'busy' });

  t.same(
    outcomes.map((o) => [o.ref, o.outcome, o.result ?? null]),
    [
      ['page:a', 'completed', 'acknowledged'],
      ['page:b', 'no-answer', null],
      ['page:c', 'machine', null],
      ['page:d', 'busy', null],
    ],
  );
});

t.test('inbound SMS: a ticket with a confirmation, 查询 replies the state, replays change nothing', async (t) => {
  h.clock.set(IN_HOURS);
  const before = fake.messages.length;
  const MessageSid = sid(20, 'SM');
  const msg = { MessageSid, From: '+8613900000020', To: HOTLINE, Body: '小区停水一整天了，没有任何通知' };
  const r1 = await hooks.post('/twilio/sms', msg);
  t.equal(r1.status, 200);
  t.match(r1.body, /<Response\/?>/);
  const ack = fake.messages.at(-1)!;
  t.equal(fake.messages.length, before + 1);
  const number = /工单编号(\d{8}-\d{4})/.exec(ack.body)![1]!;
  t.match(ack, { to: '+8613900000020', from: HOTLINE });
  t.match(await ctx.tickets.getByNumber(number), { channel: 'sms', contact: '13900000020' });
  await hooks.post('/twilio/sms', msg);
  t.equal(fake.messages.length, before + 1, 'a replayed MessageSid sends nothing');
  t.equal((await ctx.ticketStore.list({ contact: '13900000020' }, { limit: 5 })).items.length, 1);

  await hooks.post('/twilio/sms', { MessageSid: sid(21, 'SM'), From: '+8613900000021', To: HOTLINE, Body: `查询 ${number.replace('-', '')}` });
  t.match(fake.messages.at(-1), { to: '+8613900000021', body: /没有查到/ }, 'another number learns nothing (issue 19)');
  await hooks.post('/twilio/sms', { MessageSid: sid(22, 'SM'), From: '+8613900000020', To: HOTLINE, Body: `查询 ${number.replace('-', '')}` });
  t.match(fake.messages.at(-1), { to: '+8613900000020', body: new RegExp(`工单${number}的办理状态：(已受理|已派单)`) });
  t.equal(fake.rejected.length, 0, 'the SDK authenticated to the fake every time');
});
