import t from 'tap';
import { once } from 'node:events';
import { EslClient, type EslClientOptions } from '../../../adapters/freeswitch/esl-client.js';
import { EslError } from '../../../adapters/freeswitch/errors.js';
import type { EslEvent } from '../../../adapters/freeswitch/esl-frame.js';
import { FakeFreeSwitch, parseOriginate } from '../../fakes/fake-freeswitch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for a condition (a gate), not for a fixed time. */
async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

async function setup(t: { teardown(fn: () => unknown): void }, opts: Partial<EslClientOptions> = {}, password = 'ClueCon') {
  const fs = new FakeFreeSwitch({ password: 'ClueCon' });
  const port = await fs.listen();
  const client = new EslClient({
    host: '127.0.0.1',
    port,
    password,
    events: ['CHANNEL_ANSWER', 'CHANNEL_HANGUP', 'DTMF'],
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, factor: 2 },
    commandTimeoutMs: 1_000,
    jobTimeoutMs: 2_000,
    ...opts,
  });
  t.teardown(async () => {
    await client.close();
    await fs.close();
  });
  return { fs, client };
}

const errCode = (err: unknown) => (err as EslError).code;

t.test('authenticates and subscribes to BACKGROUND_JOB plus the configured events', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  t.equal(client.state, 'ready');
  const lines = fs.inboundCommands().map((c) => c.line);
  t.same(lines, ['auth ClueCon', 'event plain BACKGROUND_JOB CHANNEL_ANSWER CHANNEL_HANGUP DTMF']);
});

t.test('a wrong password rejects connect and is not retried', async (t) => {
  const { fs, client } = await setup(t, {}, 'wrong');
  const planned: unknown[] = [];
  client.on('reconnecting', (e) => planned.push(e));
  const err = await client.connect().catch((e) => e);
  t.equal(errCode(err), 'esl_auth_failed');
  t.equal(client.state, 'failed');
  // A gate, not several backoff periods: a reconnect would be planned (and announced) as the socket closes.
  await until(() => fs.openConnections === 0, 'the switch to see the connection closed');
  t.same(planned, [], 'no reconnect planned after a refused password');
  t.equal(fs.connectionCount, 1, 'no reconnect after a refused password');
});

t.test('api returns the response body, including -ERR text', async (t) => {
  const { client } = await setup(t);
  await client.connect();
  t.match(await client.api('status'), /is ready/);
  t.equal(await client.api('echo 你好 12345'), '你好 12345');
  t.match(await client.api('nosuch thing'), /^-ERR nosuch Command not found/);
});

t.test('bgapi results are matched by Job-UUID, not by arrival order', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  fs.setJobDelay((cmd) => (cmd.includes('first') ? 60 : 5));
  const finished: string[] = [];
  const first = client.bgapi('echo first').then((r) => (finished.push('first'), r));
  const second = client.bgapi('echo second').then((r) => (finished.push('second'), r));
  const [a, b] = await Promise.all([first, second]);
  t.same(finished, ['second', 'first'], 'the later job finished first');
  t.equal(a.body, 'first');
  t.equal(b.body, 'second');
  t.not(a.jobUuid, b.jobUuid);
  const sent = fs.inboundCommands().filter((c) => c.line.startsWith('bgapi'));
  t.same(sent.map((c) => c.headers['Job-UUID']), [a.jobUuid, b.jobUuid], 'our Job-UUIDs went on the wire');
});

t.test('bgapi times out when no BACKGROUND_JOB arrives', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  fs.setJobDelay(() => 500);
  const err = await client.bgapi('echo late', 50).catch((e) => e);
  t.equal(errCode(err), 'esl_timeout');
  t.equal(client.state, 'ready', 'a slow job does not cost the connection');
});

t.test('originate: answered, with DTMF and hangup events', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  fs.scriptOriginate('13900001111', { answer: true, dtmf: '1#', hangupAfterMs: 5 });
  const events: EslEvent[] = [];
  client.on('event', (e) => events.push(e));
  const result = await client.originate({ to: '13900001111', callerId: { number: '12345', name: '瑞金 12345 热线' }, timeoutSec: 20 });
  t.ok(result.ok);
  if (!result.ok) return;
  const sent = fs.inboundCommands().find((c) => c.line.startsWith('bgapi originate'))!;
  const parsed = parseOriginate(sent.line.slice('bgapi originate '.length));
  t.equal(parsed.vars.origination_uuid, result.uuid, 'we chose the call uuid');
  t.equal(parsed.vars.origination_caller_id_name, '瑞金 12345 热线');
  t.equal(parsed.vars.originate_timeout, '20');
  t.equal(parsed.dial, 'user/13900001111');
  t.equal(parsed.app, '&park()');
  const forCall = () => events.filter((e) => e.headers['Unique-ID'] === result.uuid);
  await until(() => forCall().some((e) => e.name === 'CHANNEL_HANGUP'), 'the hangup event');
  t.same(forCall().map((e) => e.name), ['CHANNEL_ANSWER', 'DTMF', 'DTMF', 'CHANNEL_HANGUP']);
  t.same(forCall().filter((e) => e.name === 'DTMF').map((e) => e.headers['DTMF-Digit']), ['1', '#']);
  t.equal(forCall()[0]!.headers['Event-Date-Local'], '2025-03-04 09:15:00', 'headers are url-decoded');
});

t.test('originate: no answer and busy are typed failures, not exceptions', async (t) => {
  const { fs, client } = await setup(t, { gateway: 'carrier' });
  await client.connect();
  fs.scriptOriginate('13900002222', { answer: false, cause: 'NO_ANSWER', delayMs: 5 });
  fs.scriptOriginate('13900003333', { answer: false, cause: 'USER_BUSY' });
  fs.scriptOriginate('13900004444', { answer: false, cause: 'CALL_REJECTED' });
  const [noAnswer, busy, rejected] = await Promise.all([
    client.originate({ to: '13900002222' }),
    client.originate({ to: '13900003333' }),
    client.originate({ to: '13900004444' }),
  ]);
  t.match(noAnswer, { ok: false, cause: 'NO_ANSWER', kind: 'no_answer' });
  t.match(busy, { ok: false, cause: 'USER_BUSY', kind: 'busy' });
  t.match(rejected, { ok: false, cause: 'CALL_REJECTED', kind: 'rejected' });
  const dials = fs.inboundCommands().filter((c) => c.line.startsWith('bgapi originate')).map((c) => parseOriginate(c.line.slice(16)).dial);
  t.same(dials.sort(), ['sofia/gateway/carrier/13900002222', 'sofia/gateway/carrier/13900003333', 'sofia/gateway/carrier/13900004444']);
});

t.test('originate refuses a target that could inject commands', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  await t.rejects(client.originate({ to: '123 &bridge(user/1000)' }), { code: 'originate_bad_target' });
  await t.rejects(client.api('status\n\napi evil'), { code: 'esl_unsafe_command' });
  t.notOk(fs.inboundCommands().some((c) => c.line.includes('evil') || c.line.includes('bridge')));
});

t.test('reconnects with exponential backoff, re-authenticates and re-subscribes', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  await client.subscribe('CHANNEL_EXECUTE_COMPLETE');
  const delays: number[] = [];
  client.on('reconnecting', ({ delayMs }) => delays.push(delayMs));
  const disconnected = once(client, 'disconnected');
  fs.rejectNextConnections(2);
  const dropAt = performance.now();
  fs.dropInbound();
  await disconnected;
  t.equal(client.state, 'waiting');
  await t.rejects(client.api('status'), { code: 'esl_disconnected' }, 'fails fast while down');
  await once(client, 'ready');
  t.same(delays, [20, 40, 80], 'delay doubles per failed attempt');
  const times = [dropAt, ...fs.connectionTimes.slice(1)];
  const gaps = times.slice(1).map((x, i) => x - times[i]!);
  t.equal(gaps.length, 3);
  gaps.forEach((gap, i) => t.ok(gap >= delays[i]! - 2, `attempt ${i + 1} waited ${gap.toFixed(0)} ms >= ${delays[i]} ms`));
  const last = fs.inboundCommands().filter((c) => c.connection === String(fs.connectionCount));
  t.same(last.map((c) => c.line), ['auth ClueCon', 'event plain BACKGROUND_JOB CHANNEL_ANSWER CHANNEL_HANGUP DTMF CHANNEL_EXECUTE_COMPLETE']);
  t.match(await client.api('status'), /is ready/);
  // The backoff starts over after a success.
  delays.length = 0;
  fs.dropInbound();
  await once(client, 'ready');
  t.same(delays, [20]);
});

t.test('a drop fails pending api and bgapi calls instead of leaving them hanging', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  fs.onApi('slow', () => sleep(500).then(() => 'late'));
  fs.setJobDelay(() => 500);
  const api = client.api('slow');
  const job = client.bgapi('echo never');
  // Both are sent; the switch works on the first (it answers a connection's commands in turn).
  await until(() => fs.inboundCommands().some((c) => c.line === 'api slow'), 'the switch got the api call');
  fs.dropInbound();
  t.equal(errCode(await api.catch((e) => e)), 'esl_disconnected');
  t.equal(errCode(await job.catch((e) => e)), 'esl_disconnected');
});

t.test('a reply that never comes resets the connection so later replies are not mispaired', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  fs.onApi('hang', () => new Promise<string>(() => {}));
  const err = await client.api('hang', 50).catch((e) => e);
  t.equal(errCode(err), 'esl_timeout');
  await once(client, 'ready');
  t.equal(await client.api('echo after'), 'after');
  t.equal(fs.connectionCount, 2);
});

t.test('malformed frames are reported and skipped; the client keeps working', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  const problems: Error[] = [];
  client.on('protocol_error', (e) => problems.push(e));
  const events: EslEvent[] = [];
  client.on('event', (e) => events.push(e));
  const badEscape = 'Event-Name: CHANNEL_ANSWER\nUnique-ID: abc\nX-Note: 100%ZZ%E4\n\n';
  fs.sendRaw(`Content-Length: ${Buffer.byteLength(badEscape)}\nContent-Type: text/event-plain\n\n${badEscape}`);
  fs.sendRaw('Content-Type: text/event-plain\nContent-Length: lots\n\n');
  fs.sendRaw('Content-Type: text/event-json\nContent-Length: 9\n\n{not json');
  fs.sendRaw('Content-Type: text/event-plain\nContent-Length: 12\n\nNo-Name: x\n\n');
  fs.sendRaw('garbage without any header form\n\n');
  fs.sendRaw('Content-Type: application/x-surprise\n\n');
  fs.sendRaw(Buffer.from([0xff, 0xfe, 0x0a, 0x0a]));
  fs.emitEvent('CHANNEL_HANGUP', { 'Unique-ID': 'after-garbage', 'Hangup-Cause': 'NORMAL_CLEARING' });
  t.match(await client.api('status'), /is ready/);
  t.ok(problems.length >= 5, `reported ${problems.length} problems`);
  t.same(events.map((e) => e.headers['Unique-ID']), ['abc', 'after-garbage']);
  t.equal(events[0]!.headers['X-Note'], '100%ZZ%E4', 'an undecodable value is kept raw');
  t.equal(client.state, 'ready');
  t.equal(fs.connectionCount, 1);
});

t.test('close stops reconnecting and rejects later calls', async (t) => {
  const { fs, client } = await setup(t);
  await client.connect();
  // A gate on the decision itself: a reconnect is planned (and announced) when the socket closes.
  const planned: unknown[] = [];
  client.on('reconnecting', (e) => planned.push(e));
  await client.close();
  await until(() => fs.openConnections === 0, 'the switch to see the connection closed');
  t.same(planned, [], 'no reconnect planned');
  t.equal(fs.connectionCount, 1);
  t.equal(errCode(await client.api('status').catch((e) => e)), 'esl_disconnected');
  t.equal(errCode(await client.connect().catch((e) => e)), 'esl_closed');
});

t.test('connect keeps trying while the switch is not yet listening', async (t) => {
  const { fs, client } = await setup(t);
  fs.rejectNextConnections(2);
  await client.connect();
  t.equal(fs.connectionCount, 3);
  t.equal(client.attempts, 0, 'attempt counter resets on success');
});
