import t from 'tap';
import twilio from 'twilio';
import type { Instruction, ScreenPop, Turn } from '../../../src/application/ivr/instructions.js';
import { emptyTwiml, renderTurn, sorryTwiml, waitTwiml } from '../../../adapters/twilio/twiml.js';

const PUBLIC = 'https://hotline.example.cn';
const sid = (n: number) => `CA${String(n).padStart(32, '0')}`;
const menu = (before: string): Instruction[] => [
  { kind: 'say', text: before, language: 'cmn-CN' },
  { kind: 'gather', prompt: [{ kind: 'say', text: '紧急事项请按1。', language: 'cmn-CN' }], minDigits: 1, maxDigits: 1, timeoutSec: 6, finishOnKey: '', speech: false },
];
const turn = (callId: string, instructions: Instruction[], turnId = 1): Turn => ({ callId, turnId, instructions, done: false });
const callSids = (xml: string) => [...xml.matchAll(/callSid=([^&"]+)/g)].map((m) => m[1]);

t.test('the same turn for two calls: each gets its own CallSid in every action URL', async (t) => {
  const a = renderTurn(turn(sid(1), menu('您好')), PUBLIC);
  const b = renderTurn(turn(sid(2), menu('您好')), PUBLIC);
  t.same(callSids(a), [sid(1)]);
  t.same(callSids(b), [sid(2)]);
  t.notOk(b.includes(sid(1)), "no trace of the other call's CallSid");
  t.equal(b, a.replaceAll(sid(1), sid(2)), 'otherwise the same document');
  t.equal(renderTurn(turn(sid(1), menu('您好')), PUBLIC), a, 'and the same again for the first call');
});

t.test("a turn carrying one call's variables never answers another call", async (t) => {
  const a = renderTurn(turn(sid(3), menu('您的工单编号是：二〇二六一一二六，〇〇〇一。'), 4), PUBLIC);
  const b = renderTurn(turn(sid(4), menu('您的工单编号是：二〇二六一一二六，〇〇〇二。'), 4), PUBLIC);
  t.match(a, /〇〇〇一/);
  t.match(b, /〇〇〇二/);
  t.notMatch(b, /〇〇〇一/);
  t.same(callSids(b), [sid(4)]);
});

t.test('turn id and public URL are part of what is reused', async (t) => {
  const one = renderTurn(turn(sid(5), menu('您好'), 1), PUBLIC);
  const two = renderTurn(turn(sid(5), menu('您好'), 2), PUBLIC);
  const other = renderTurn(turn(sid(5), menu('您好'), 1), 'https://other.example.cn');
  t.match(one, /turn=1"/);
  t.match(two, /turn=2"/);
  t.match(other, /https:\/\/other\.example\.cn\/twilio\/gather\?callSid=CA0+5&amp;turn=1/);
  t.notMatch(other, /hotline\.example\.cn/);
});

t.test('queue turns: per-call screen pops do not leak into the TwiML, each call its own URLs', async (t) => {
  const pop = (callId: string, caller: string): ScreenPop => ({ callId, caller, called: '12345', queue: 'urgent', priority: 1, ivrPath: '主菜单 1', path: [], digits: ['1'] });
  const q = (callId: string, caller: string): Instruction[] => [{ kind: 'queue', name: 'urgent', priority: 1, timeLimitSec: 30, screenPop: pop(callId, caller) }];
  const a = renderTurn(turn(sid(6), q(sid(6), '13800000006'), 2), PUBLIC);
  const b = renderTurn(turn(sid(7), q(sid(7), '13800000007'), 2), PUBLIC);
  t.same(callSids(a), [sid(6), sid(6)], 'action and wait URL');
  t.same(callSids(b), [sid(7), sid(7)]);
  t.notMatch(a + b, /1380000000/, 'no caller number in the TwiML');
});

t.test('the placeholder and unusual call ids are rendered, not substituted', async (t) => {
  // Text that happens to contain the memo's placeholder stays as written.
  const text = '请说出 CAxTwimlMemoCallSidPlaceholderx';
  const a = renderTurn(turn(sid(8), menu(text)), PUBLIC);
  t.match(a, /请说出 CAxTwimlMemoCallSidPlaceholderx/);
  t.same(callSids(a), [sid(8)]);
  // A call id outside letters and digits (a provider other than Twilio, a test) is escaped by the SDK.
  const odd = renderTurn(turn('call&1', menu('您好')), PUBLIC);
  t.match(odd, /callSid=call%261&amp;turn=1/);
});

t.test('memoised fixed answers equal what the SDK builds', async (t) => {
  const sorry = new twilio.twiml.VoiceResponse();
  sorry.say({ language: 'cmn-CN' }, '请稍后再拨。');
  sorry.hangup();
  t.equal(sorryTwiml('请稍后再拨。'), sorry.toString());
  t.equal(sorryTwiml('请稍后再拨。'), sorry.toString(), 'twice');
  t.not(sorryTwiml(), sorryTwiml('请稍后再拨。'), 'another text, another answer');
  t.equal(emptyTwiml(), new twilio.twiml.VoiceResponse().toString());
  const leave = new twilio.twiml.VoiceResponse();
  leave.leave();
  t.equal(waitTwiml(30, 30), leave.toString());
  t.match(waitTwiml(0, 30), /<Say language="cmn-CN">您的来电正在排队，请稍候。<\/Say><Pause length="10"\/>/);
  t.match(waitTwiml(25, 30), /^(?:(?!<Say).)*<Pause length="5"\/>/);
  t.match(waitTwiml(3, 30, 'https://media.example.cn/hold.mp3'), /<Play>https:\/\/media\.example\.cn\/hold\.mp3<\/Play><\/Response>$/);
  t.match(waitTwiml(3, 30, 'https://media.example.cn/other.mp3'), /other\.mp3/);
});
