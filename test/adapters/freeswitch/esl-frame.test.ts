import t from 'tap';
import { EslParser, eventFromFrame, encodeCommand, type EslFrame } from '../../../adapters/freeswitch/esl-frame.js';
import { buildOriginateCommand, dialString, parseOriginateResult } from '../../../adapters/freeswitch/originate.js';
import { parseOriginate } from '../../fakes/fake-freeswitch.js';

const eventBody = (headers: string, body: string) => `${headers}Content-Length: ${Buffer.byteLength(body)}\n\n${body}`;

t.test('frames split at every byte boundary parse the same, multibyte text included', async (t) => {
  const inner = eventBody('Event-Name: BACKGROUND_JOB\nJob-UUID: j1\nCaller-Caller-ID-Name: %E5%BC%A0%E4%B8%89\n', '+OK 已接通\n');
  const stream = Buffer.from(
    'Content-Type: auth/request\n\n' +
      `Content-Type: api/response\nContent-Length: ${Buffer.byteLength('路灯坏了')}\n\n路灯坏了` +
      `Content-Length: ${Buffer.byteLength(inner)}\nContent-Type: text/event-plain\n\n${inner}`,
  );
  const whole: EslFrame[] = [];
  new EslParser((f) => whole.push(f)).push(stream);
  t.equal(whole.length, 3);
  for (let cut = 1; cut < stream.length; cut += 7) {
    const got: EslFrame[] = [];
    const p = new EslParser((f) => got.push(f));
    p.push(stream.subarray(0, cut));
    p.push(stream.subarray(cut));
    t.same(got, whole, `cut at ${cut}`);
  }
  const oneByOne: EslFrame[] = [];
  const p = new EslParser((f) => oneByOne.push(f));
  for (const b of stream) p.push(Buffer.from([b]));
  t.same(oneByOne, whole);
  t.equal(whole[1]!.body, '路灯坏了');
  const ev = eventFromFrame(whole[2]!)!;
  t.equal(ev.name, 'BACKGROUND_JOB');
  t.equal(ev.headers['Caller-Caller-ID-Name'], '张三');
  t.equal(ev.body, '+OK 已接通\n');
});

t.test('json events carry their body in _body', async (t) => {
  const ev = eventFromFrame({ headers: { 'Content-Type': 'text/event-json' }, body: JSON.stringify({ 'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': 'x', _body: '-ERR NO_ANSWER\n' }) });
  t.same(ev, { name: 'BACKGROUND_JOB', headers: { 'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': 'x' }, body: '-ERR NO_ANSWER\n' });
  t.equal(eventFromFrame({ headers: { 'Content-Type': 'text/event-xml' }, body: '<event/>' }), null);
});

t.test('a bad or huge Content-Length is reported, not trusted', async (t) => {
  const errors: Error[] = [];
  const frames: EslFrame[] = [];
  const p = new EslParser((f) => frames.push(f), (e) => errors.push(e));
  p.push(Buffer.from('Content-Type: api/response\nContent-Length: 99999999999\n\nContent-Type: command/reply\nReply-Text: +OK\n\n'));
  t.equal(errors.length, 1);
  t.same(frames.map((f) => f.headers['Reply-Text']), ['+OK'], 'the next frame is still read');
});

t.test('a throwing frame handler is reported instead of escaping into the socket', async (t) => {
  const errors: Error[] = [];
  const p = new EslParser(() => {
    throw new Error('handler bug');
  }, (e) => errors.push(e));
  p.push(Buffer.from('Content-Type: command/reply\nReply-Text: +OK\n\n'));
  t.equal(errors[0]?.message, 'handler bug');
});

t.test('encodeCommand refuses line breaks that would smuggle a second command', async (t) => {
  t.equal(encodeCommand('sendmsg', { 'call-command': 'execute', 'execute-app-arg': 'a b' }), 'sendmsg\ncall-command: execute\nexecute-app-arg: a b\n\n');
  t.throws(() => encodeCommand('api status\n\napi fsctl shutdown'), { code: 'esl_unsafe_command' });
  t.throws(() => encodeCommand('sendmsg', { 'execute-app-arg': 'x\n\nexit' }), { code: 'esl_unsafe_command' });
});

t.test('originate command and result', async (t) => {
  const { command, uuid } = buildOriginateCommand(
    { to: '+8613900001111', callerId: { number: '12345', name: '瑞金 热线' }, vars: { suban_page_id: 'p-1', note: 'a,b' }, app: { name: 'socket', arg: '127.0.0.1:8084 async full' } },
    { gateway: 'cmcc' },
  );
  t.match(command, /^originate \{/);
  const parsed = parseOriginate(command.slice('originate '.length));
  t.equal(parsed.vars.origination_uuid, uuid);
  t.equal(parsed.vars.origination_caller_id_name, '瑞金 热线');
  t.equal(parsed.vars.note, 'a,b', 'commas inside a value are escaped');
  t.equal(parsed.vars.suban_page_id, 'p-1');
  t.equal(parsed.dial, 'sofia/gateway/cmcc/+8613900001111');
  t.equal(parsed.app, '&socket(127.0.0.1:8084 async full)');
  t.equal(dialString('user/1001'), 'user/1001');
  t.throws(() => dialString('1390000abc'), { code: 'originate_bad_target' });
  t.throws(() => buildOriginateCommand({ to: '13900001111', vars: { 'x}': '1' } }), { code: 'originate_bad_var' });
  t.throws(() => buildOriginateCommand({ to: '13900001111', vars: { x: "it's" } }), { code: 'originate_bad_var' });

  t.same(parseOriginateResult('+OK 7f4de4bc-17d7-11dd-b7a0-db4edd065621\n', 'mine'), { ok: true, uuid: '7f4de4bc-17d7-11dd-b7a0-db4edd065621' });
  t.same(parseOriginateResult('-ERR SUBSCRIBER_ABSENT\n', 'mine'), { ok: false, cause: 'SUBSCRIBER_ABSENT', kind: 'unreachable', detail: '-ERR SUBSCRIBER_ABSENT' });
  t.match(parseOriginateResult('-ERR UNALLOCATED_NUMBER\n', 'm'), { kind: 'invalid_number' });
  t.match(parseOriginateResult('something odd', 'm'), { ok: false, cause: 'UNKNOWN', kind: 'error' });
});
