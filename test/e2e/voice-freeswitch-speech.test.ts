import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { testApp } from '../helpers/app.js';
import { FakeFreeSwitch, type CallTranscript } from '../fakes/fake-freeswitch.js';
import type { FreeSwitchVoiceProvider } from '../../adapters/freeswitch/voice.js';
import { type OperatorScreenPop } from '../../src/application/voice/index.js';
import { TOPIC } from '../../src/application/ports/events.js';

/**
 * Speech at an IVR gather over FreeSWITCH: play_and_detect_speech with an MRCP recognizer (the
 * fake switch plays the recognizer's part), the words on the screen pop and in the ticket.
 *
 * ivr-flows/hotline.yaml takes speech at its menus; these calls run on a copy of the flows in which
 * the ticket-number entry takes speech too.
 */
const IN_HOURS = '2026-11-26T02:00:00Z';

const flowsDir = mkdtempSync(join(tmpdir(), 'suban-speech-flows-'));
t.teardown(() => rmSync(flowsDir, { recursive: true, force: true }));
cpSync('ivr-flows', flowsDir, { recursive: true });
const hotline = parseDocument(readFileSync(join(flowsDir, 'hotline.yaml'), 'utf8'));
hotline.setIn(['steps', 'lookup-enter', 'gather', 'speech'], true);
if (hotline.errors.length) throw new Error(`hotline.yaml copy: ${hotline.errors[0]!.message}`);
writeFileSync(join(flowsDir, 'hotline.yaml'), hotline.toString());

const fs = new FakeFreeSwitch();
await fs.listen();
t.teardown(() => fs.close());

const env = { SUBAN_VOICE: 'freeswitch', SUBAN_FS_HOST: '127.0.0.1', SUBAN_FS_PORT: String(fs.port), SUBAN_FS_PASSWORD: 'ClueCon', SUBAN_FS_OUTBOUND_PORT: '0', SUBAN_FLOWS_DIR: flowsDir };
const withAsr = await testApp(t, { now: IN_HOURS, env: { ...env, SUBAN_FS_ASR_ENGINE: 'unimrcp:aliyun' } });
const asrProvider = withAsr.ctx.calls.activeProvider as FreeSwitchVoiceProvider;
await asrProvider.esl.connect();

const detects = (tr: CallTranscript) => tr.executes.filter((e) => e.app === 'play_and_detect_speech');

t.test('the caller describes the matter at the menu: sorted by what was said; the words reach the screen pop and the ticket', async (t) => {
  const { ctx } = withAsr;
  t.same(ctx.config.freeswitch.asr, { engine: 'unimrcp:aliyun', grammar: 'builtin:speech/transcribe' });
  const pops: OperatorScreenPop[] = [];
  t.teardown(ctx.bus.subscribe(TOPIC.screenPop, (p) => pops.push(p)));
  const tr = await fs.placeCall(asrProvider.listening!.port, {
    callerNumber: '13800000021',
    speech: [{ say: '小区门口的路灯坏了一个星期，晚上很黑', confidence: 0.91 }],
    recordMs: 9000,
  });
  await asrProvider.settled();

  const [first] = detects(tr);
  t.match(first!.arg, /^say:紧急事项请按1；.*人工服务请按0。您也可以直接说出您要反映的问题。 detect:unimrcp:aliyun \{start-input-timers=false,no-input-timeout=6000,recognition-timeout=\d+\}builtin:speech\/transcribe$/);
  t.equal(detects(tr).length, 1, 'what was said is the matter: no re-prompt');
  t.notOk(tr.executes.some((e) => e.app === 'play_and_get_digits'), 'no key collection when the caller speaks');
  t.equal(tr.executes.filter((e) => e.arg === 'play_and_detect_speech_close_asr=true').length, 1);

  t.equal(pops.length, 1);
  t.match(pops[0], {
    callId: tr.uuid,
    queue: 'complaint',
    ivrPath: '主菜单 语音',
    speech: '小区门口的路灯坏了一个星期，晚上很黑',
    draft: { channel: 'phone', contact: '13800000021', content: /路灯坏了一个星期/ },
  });
  // Nobody answered (the fake's callcenter): the message path makes the ticket, with what was said as its content.
  const ticket = (await ctx.ticketStore.list({ contact: '13800000021' }, { limit: 5 })).items[0]!;
  t.match(ticket, { channel: 'phone', externalRef: tr.uuid, content: /小区门口的路灯坏了一个星期/ });
  t.match(ticket.content, /晚上很黑/);
  t.notMatch(withAsr.logs.text, /路灯坏了/, 'the caller’s words are not logged');
});

t.test('keys instead of words: a key barges in at the menu, and a ticket number typed over the speech prompt', async (t) => {
  const tr = await fs.placeCall(asrProvider.listening!.port, { callerNumber: '13800000022', speech: [{ press: '4' }, { press: '2' }], digits: ['02611260007'] });
  await asrProvider.settled();
  t.equal(detects(tr).length, 2);
  t.match(detects(tr)[1]!.arg, /^say:请输入工单编号/);
  const rest = tr.executes.find((e) => e.app === 'play_and_get_digits')!;
  t.match(rest.arg, /^11 15 1 10000 # silence_stream:\/\/250 /, 'the rest of the number as keys, up to # ');
  const spoken = tr.executes.filter((e) => e.app === 'playback').map((e) => e.arg).join(' ');
  t.match(spoken, /没有查到编号为二〇二六一一二六〇〇〇七的工单/);
  const session = await withAsr.ctx.calls.runner.getSession(tr.uuid);
  t.same(session?.digits, ['4', '202611260007']);
});

t.test('no input and no match take the flow’s retries, then its no-input path, as with keys', async (t) => {
  const pops: OperatorScreenPop[] = [];
  t.teardown(withAsr.ctx.bus.subscribe(TOPIC.screenPop, (p) => pops.push(p)));
  const tr = await fs.placeCall(asrProvider.listening!.port, { callerNumber: '13800000023', speech: ['noinput', 'nomatch', { completionCause: '002' }], recordMs: 4000 });
  await asrProvider.settled();
  const d = detects(tr);
  t.equal(d.length, 3, 'the first try and two retries');
  t.match(d[1]!.arg, /^file_string:\/\/say:对不起，没有收到您的按键。!/);
  t.match(d[2]!.arg, /^file_string:\/\/say:对不起，您的按键有误。!/);
  t.match(pops[0], { callId: tr.uuid, queue: 'general', speech: '' });
});

t.test('without an ASR engine: keys only, as before, and one warning at start', async (t) => {
  const plain = await testApp(t, { now: IN_HOURS, env });
  const provider = plain.ctx.calls.activeProvider as FreeSwitchVoiceProvider;
  await provider.esl.connect();
  const port = provider.listening!.port;
  const one = await fs.placeCall(port, { callerNumber: '13800000024', digits: ['1'], speech: [{ say: '不会被听到' }], recordMs: 5000 });
  const two = await fs.placeCall(port, { callerNumber: '13800000025', digits: ['3'], recordMs: 5000 });
  await provider.settled();
  for (const tr of [one, two]) {
    t.notOk(tr.executes.some((e) => e.app === 'play_and_detect_speech'));
    t.same(tr.executes.slice(0, 4).map((e) => e.app), ['set', 'set', 'playback', 'play_and_get_digits']);
  }
  t.equal(one.executes.find((e) => e.app === 'callcenter')?.arg, 'urgent');
  t.equal(two.executes.find((e) => e.app === 'callcenter')?.arg, 'complaint');
  const warnings = plain.logs.lines.filter((l) => l.includes('SUBAN_FS_ASR_ENGINE is empty'));
  t.equal(warnings.length, 1);
  t.match(JSON.parse(warnings[0]!), { flows: ['hotline: menu, lookup-enter'] });
});
