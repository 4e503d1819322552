import t from 'tap';
import { OutboundServer, type CallChannel, type OutboundServerOptions } from '../../../adapters/freeswitch/outbound-server.js';
import { CallHungUpError, isCallHungUp } from '../../../adapters/freeswitch/errors.js';
import { FakeFreeSwitch, splitArgs, type CallScript } from '../../fakes/fake-freeswitch.js';

/** Starts a server whose per-call handler is `handler`; returns a function placing one scripted call. */
async function setup(
  t: { teardown(fn: () => unknown): void },
  handler: (ch: CallChannel) => Promise<void>,
  opts: Partial<OutboundServerOptions> = {},
) {
  const fs = new FakeFreeSwitch();
  const server = new OutboundServer({ port: 0, onCall: handler, ...opts });
  const { port } = await server.listen();
  t.teardown(async () => {
    await server.close();
    await fs.close();
  });
  return { fs, server, call: (script: CallScript) => fs.placeCall(port, script) };
}

t.test('a call: connect, two gathers, record, hangup', async (t) => {
  const seen: Record<string, unknown> = {};
  const { call, server } = await setup(
    t,
    async (ch) => {
      seen.info = ch.info;
      await ch.answer();
      seen.category = await ch.playAndGetDigits({
        min: 1, max: 1, tries: 3, timeoutMs: 5000, terminators: '#',
        prompt: { file: 'ivr/menu.wav' }, invalidPrompt: { file: 'ivr/invalid.wav' }, varName: 'menu_choice', regexp: '[1-6]',
      });
      seen.phone = await ch.playAndGetDigits({
        min: 11, max: 11, tries: 2, timeoutMs: 8000, terminators: '#',
        prompt: { text: '请输入 您的手机号码，以井号键结束' }, varName: 'callback_phone',
      });
      seen.recording = await ch.record('/var/lib/suban/rec/abc.wav', 120, 200, 5);
      seen.hangup = await ch.hangup();
    },
    { tts: { engine: 'tts_commandline', voice: 'zh-CN-female' } },
  );
  const transcript = await call({ callerNumber: '13812345678', destinationNumber: '12345', digits: ['2', '13812345678'], recordMs: 4200 });

  t.match(seen.info, { uuid: transcript.uuid, callerNumber: '13812345678', destinationNumber: '12345' });
  t.equal(seen.category, '2');
  t.equal(seen.phone, '13812345678');
  t.same(seen.recording, { path: '/var/lib/suban/rec/abc.wav', durationMs: 4200 });
  t.same(seen.hangup, { cause: 'NORMAL_CLEARING', by: 'us' });

  const lines = transcript.commands.map((c) => c.line);
  t.same(lines.slice(0, 3), ['connect', 'myevents', 'linger']);
  t.equal(lines.at(-1), 'exit', 'the socket is released after the hangup');
  t.same(transcript.executes.map((e) => e.app), ['answer', 'play_and_get_digits', 'set', 'set', 'play_and_get_digits', 'record']);
  t.same(transcript.variables, { tts_engine: 'tts_commandline', tts_voice: 'zh-CN-female' }, 'tts engine set once for say: prompts');
  t.equal(new Set(transcript.executes.map((e) => e.eventUuid)).size, transcript.executes.length, 'one Event-UUID per execute');

  const menu = splitArgs(transcript.executes[1]!.arg);
  t.same(menu, ['1', '1', '3', '5000', '#', 'ivr/menu.wav', 'ivr/invalid.wav', 'menu_choice', '[1-6]', '5000']);
  const phone = splitArgs(transcript.executes[4]!.arg);
  t.equal(phone[5], 'say:请输入 您的手机号码，以井号键结束', 'a prompt with a space survives argument splitting');
  t.equal(phone[6], 'silence_stream://250');
  t.equal(phone[7], 'callback_phone');
  t.equal(transcript.executes[5]!.arg, '/var/lib/suban/rec/abc.wav 120 200 5');
  const hangup = transcript.commands.find((c) => c.headers['call-command'] === 'hangup');
  t.equal(hangup?.headers['hangup-cause'], 'NORMAL_CLEARING');
  t.equal(transcript.hungUpBy, 'server');
  t.equal(server.activeCalls, 0);
});

t.test('a gather with no input resolves to an empty string', async (t) => {
  let digits: string | undefined;
  const { call } = await setup(t, async (ch) => {
    digits = await ch.playAndGetDigits({ min: 1, max: 1, tries: 1, timeoutMs: 3000, prompt: { file: 'a.wav' } });
  });
  const transcript = await call({ callerNumber: '13800000000', digits: [''] });
  t.equal(digits, '');
  t.equal(splitArgs(transcript.executes[0]!.arg)[4], 'none', 'no terminator is spelled `none`');
  t.equal(transcript.hungUpBy, 'server', 'the server hangs up when the handler returns');
});

t.test('completions are matched by Application-UUID, not by order', async (t) => {
  const order: string[] = [];
  const { call } = await setup(t, async (ch) => {
    const slow = ch.execute('playback', 'long.wav').then((h) => order.push(h.Application!));
    const quick = ch.execute('set', 'x=1').then((h) => order.push(h.Application!));
    await Promise.all([slow, quick]);
  });
  await call({ callerNumber: '13800000000', executeMsByApp: { playback: 40, set: 1 } });
  t.same(order, ['set', 'playback']);
});

t.test('the caller hanging up mid-execute rejects it and every later execute', async (t) => {
  const outcome: Record<string, unknown> = {};
  const { call, server } = await setup(t, async (ch) => {
    ch.onHangup((h) => (outcome.listener = h));
    await ch.playAndGetDigits({ min: 1, max: 1, tries: 1, timeoutMs: 3000, prompt: { file: 'menu.wav' } });
    try {
      await ch.record('/tmp/r.wav', 60);
    } catch (err) {
      outcome.error = err;
    }
    outcome.aborted = ch.hangupSignal.aborted;
    outcome.later = await ch.execute('playback', 'bye.wav').catch((e) => e);
    throw outcome.later; // a runner that lets the error escape must not take the server down
  });
  const transcript = await call({ callerNumber: '13800000000', digits: ['1'], hangupAtExecute: 2 });
  t.ok(isCallHungUp(outcome.error));
  t.match((outcome.error as CallHungUpError).hangup, { cause: 'NORMAL_CLEARING', by: 'caller' });
  t.same(outcome.listener, { cause: 'NORMAL_CLEARING', by: 'caller' });
  t.equal(outcome.aborted, true);
  t.ok(outcome.later instanceof CallHungUpError);
  t.equal(transcript.executes.length, 2, 'nothing is sent after the hangup');
  t.equal(transcript.hungUpBy, 'caller');
  t.notOk(transcript.commands.some((c) => c.headers['call-command'] === 'hangup'), 'no hangup for a call already gone');
  t.equal(server.activeCalls, 0);
});

t.test('the switch dropping the socket mid-execute rejects with SOCKET_CLOSED', async (t) => {
  let error: unknown;
  let handled!: () => void;
  const done = new Promise<void>((r) => (handled = r));
  const { call } = await setup(t, async (ch) => {
    error = await ch.execute('playback', 'x.wav').catch((e) => e);
    handled();
  });
  await call({ callerNumber: '13800000000', dropAtExecute: 1 });
  await done;
  t.ok(error instanceof CallHungUpError);
  t.equal((error as CallHungUpError).hangup.cause, 'SOCKET_CLOSED');
});

t.test('a failing handler still ends the call', async (t) => {
  const { call } = await setup(t, async () => {
    throw new Error('flow bug');
  });
  const transcript = await call({ callerNumber: '13800000000' });
  t.equal(transcript.hungUpBy, 'server');
});

t.test('speak uses the configured engine, and says clearly when none is configured', async (t) => {
  let missing: unknown;
  const withTts = await setup(t, async (ch) => ch.speak('您好，这里是12345热线'), { tts: { engine: 'tts_commandline', voice: 'xiaoyan' } });
  const spoken = await withTts.call({ callerNumber: '13800000000' });
  t.equal(spoken.executes[0]!.app, 'speak');
  t.equal(spoken.executes[0]!.arg, 'tts_commandline|xiaoyan|您好，这里是12345热线');

  const without = await setup(t, async (ch) => {
    missing = await ch.speak('您好').catch((e) => e);
  });
  await without.call({ callerNumber: '13800000000' });
  t.match(missing, { code: 'esl_command_failed', message: /未配置 TTS/ });
});

t.test('bridge reports the disposition; transfer names the extension', async (t) => {
  const results: unknown[] = [];
  const ok = await setup(t, async (ch) => {
    results.push(await ch.bridge('user/1001'));
    await ch.transfer('operator_queue');
  });
  const tr = await ok.call({ callerNumber: '13800000000' });
  const busy = await setup(t, async (ch) => {
    results.push(await ch.bridge('user/1002'));
  });
  await busy.call({ callerNumber: '13800000000', bridgeDisposition: 'USER_BUSY' });
  t.same(results, [{ ok: true, cause: 'SUCCESS' }, { ok: false, cause: 'USER_BUSY' }]);
  t.same(tr.executes.map((e) => [e.app, e.arg]), [['bridge', 'user/1001'], ['transfer', 'operator_queue XML default']]);
});

t.test('concurrent calls stay separate', async (t) => {
  const got = new Map<string, string>();
  const { call } = await setup(t, async (ch) => {
    const d = await ch.playAndGetDigits({ min: 1, max: 4, tries: 1, timeoutMs: 1000, prompt: { file: 'p.wav' } });
    got.set(ch.info.callerNumber, d);
  });
  await Promise.all([
    call({ callerNumber: '13800000001', digits: ['11'], executeMs: 15 }),
    call({ callerNumber: '13800000002', digits: ['22'], executeMs: 5 }),
    call({ callerNumber: '13800000003', digits: ['33'] }),
  ]);
  t.same(Object.fromEntries(got), { '13800000001': '11', '13800000002': '22', '13800000003': '33' });
});

t.test('a hangup that arrives before the call is set up ends it as a hangup, not by a timeout', async (t) => {
  // A raw switch: answers the handshake and sends CHANNEL_HANGUP right after the `myevents` reply,
  // before `linger` is even answered.
  const outcome: Record<string, unknown> = {};
  const server = new OutboundServer({
    port: 0,
    handshakeTimeoutMs: 2000,
    executeTimeoutMs: 20_000,
    onCall: async (ch) => {
      outcome.hungUpAtStart = ch.hungUp;
      outcome.error = await ch.playAndGetDigits({ min: 1, max: 1, tries: 1, timeoutMs: 3000, prompt: { file: 'menu.wav' } }).catch((e) => e);
    },
  });
  const { port } = await server.listen();
  t.teardown(() => server.close());
  const { createConnection } = await import('node:net');
  const sock = createConnection({ port, host: '127.0.0.1' });
  t.teardown(() => sock.destroy());
  const reply = (extra = '') => `Content-Type: command/reply\nReply-Text: %2BOK\n${extra}\n`;
  const event = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`;
  let buf = '';
  const started = Date.now();
  sock.on('data', (d) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const cmd = buf.slice(0, i).split('\n')[0];
      buf = buf.slice(i + 2);
      if (cmd === 'connect') sock.write(reply('Unique-ID: early-1\nCaller-Caller-ID-Number: 13800000000\nCaller-Destination-Number: 12345\n'));
      else if (cmd === 'myevents') sock.write(reply() + event('Event-Name: CHANNEL_HANGUP\nUnique-ID: early-1\nHangup-Cause: NORMAL_CLEARING\n\n'));
      else if (cmd === 'linger') sock.write(reply());
    }
  });
  while (outcome.error === undefined && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 20));
  t.match(outcome.hungUpAtStart, { cause: 'NORMAL_CLEARING', by: 'caller' }, 'the channel knows at once that the caller is gone');
  t.ok(isCallHungUp(outcome.error), 'the first execute is refused as a hangup');
  t.ok(Date.now() - started < 5_000, 'no execute timeout was needed');
});
