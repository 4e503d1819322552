/**
 * A real SIP user agent (sipp, Debian package sip-tester) calls the hotline through the fake
 * FreeSWITCH's SIP side, which bridges the call to Suban's outbound socket as FreeSWITCH does.
 * Signalling only: no RTP (see test/fakes/fake-freeswitch-sip.ts).
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testApp } from '../helpers/app.js';
import { prereq } from '../helpers/prereqs.js';
import { FakeFreeSwitch } from '../fakes/fake-freeswitch.js';
import { FakeFreeSwitchSip, parseSip } from '../fakes/fake-freeswitch-sip.js';
import type { FreeSwitchVoiceProvider } from '../../adapters/freeswitch/voice.js';

const IN_HOURS = '2026-11-26T02:00:00Z';
const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/sipp');

interface SippRun {
  code: number | null;
  signal: string | null;
  output: string;
}

const SIPP = prereq('sipp');

/** One call from `caller` to 12345 with a scenario; everything sipp said, for the failure message. */
async function sipp(sipPort: number, scenario: string, caller: string): Promise<SippRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'suban-sipp-'));
  const errorFile = path.join(dir, 'errors.log');
  const args = [
    `127.0.0.1:${sipPort}`,
    '-sf', path.join(SCENARIOS, scenario),
    '-s', '12345',
    '-key', 'caller', caller,
    '-i', '127.0.0.1',
    '-t', 'u1',
    '-m', '1',
    '-timeout', '30s',
    '-timeout_error',
    '-trace_err',
    '-error_file', errorFile,
    '-nostdin',
  ];
  const child = spawn(SIPP.path!, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  const errors = existsSync(errorFile) ? readFileSync(errorFile, 'utf8') : '';
  rmSync(dir, { recursive: true, force: true });
  return { code, signal, output: `$ sipp ${args.join(' ')}\n--- stdout\n${stdout}\n--- stderr\n${stderr}\n--- ${path.basename(errorFile)}\n${errors}` };
}

if (SIPP.skip) {
  t.test('a SIP user agent calls the hotline through sipp', { skip: SIPP.skip }, () => undefined);
} else {
  const fs = new FakeFreeSwitch();
  await fs.listen();
  t.teardown(() => fs.close());
  const { ctx, clock } = await testApp(t, { now: IN_HOURS, env: { SUBAN_VOICE: 'freeswitch', SUBAN_FS_HOST: '127.0.0.1', SUBAN_FS_PORT: String(fs.port), SUBAN_FS_PASSWORD: 'ClueCon', SUBAN_FS_OUTBOUND_PORT: '0' } });
  const provider = ctx.calls.activeProvider as FreeSwitchVoiceProvider;
  await provider.esl.connect();
  const sip = new FakeFreeSwitchSip({ esl: fs, outboundPort: provider.listening!.port, recordMs: 12_000 });
  const sipPort = await sip.listen();
  t.teardown(() => sip.close());

  /** Runs sipp and waits for both fakes and Suban to finish the call; the transcript on failure. */
  const call = async (t: Test, scenario: string, caller: string) => {
    const before = sip.calls.length;
    const run = await sipp(sipPort, scenario, caller);
    if (t.equal(run.code, 0, `sipp ${scenario} ends with exit code 0`)) {
      await sip.idle();
    } else {
      t.comment(`${run.output}\n--- fake FreeSWITCH SIP trace\n${sip.trace.join('\n')}`);
      // sipp is gone: a call left up would wait out its recording (180 s) and our BYE its Timer F.
      sip.endAll();
    }
    await provider.settled();
    t.equal(sip.calls.length, before + 1, 'one SIP call reached the fake');
    return sip.calls[before]!;
  };

  const ticketsOf = async (caller: string) => (await ctx.ticketStore.list({ contact: caller }, { limit: 10 })).items;

  t.test('sipp calls 12345, presses 3, leaves a message ended with #: one phone ticket with the recording, the hotline hangs up with BYE', async (t) => {
    clock.set(IN_HOURS);
    const c = await call(t, 'hotline-message.xml', '13800001111');
    t.match(c, { caller: '13800001111', callerName: '市民', destination: '12345', keys: '3#', endedBy: 'suban', byeStatus: 200, eslError: null });
    const apps = c.esl!.executes.map((e) => e.app);
    t.ok(apps.includes('play_and_get_digits') && apps.includes('record'), 'menu and recording ran on the ESL side');
    t.equal(c.esl!.executes.find((e) => e.app === 'callcenter')?.arg, 'complaint', 'key 3 from SIP INFO chose the complaint queue');
    t.equal(c.esl!.hungUpBy, 'server');
    const tickets = await ticketsOf('13800001111');
    t.equal(tickets.length, 1, 'exactly one ticket');
    t.match(tickets[0], { channel: 'phone', contact: '13800001111', externalRef: c.uuid });
    t.equal(tickets[0]!.attachments.length, 1, 'exactly one attachment');
    t.match(tickets[0]!.attachments[0], { kind: 'recording', url: new RegExp(`^/var/lib/freeswitch/recordings/suban/${c.uuid}-\\d+\\.wav$`) });
    t.match(ctx.simSms!.sent.at(-1), { to: '13800001111', text: new RegExp(tickets[0]!.number) });
  });

  t.test('malformed SIP over UDP: 400 or ignored, and the next call still works', async (t) => {
    clock.set(IN_HOURS);
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    t.teardown(() => udp.close());
    const answer = new Promise<Buffer>((r) => udp.once('message', r));
    const port = udp.address().port;
    udp.send('this is not SIP\r\n\r\n', sipPort, '127.0.0.1');
    // No Call-ID, and a body shorter than its Content-Length.
    udp.send(
      [
        'INVITE sip:12345@127.0.0.1 SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKbroken1`,
        'From: <sip:13800003333@127.0.0.1>;tag=x1',
        'To: <sip:12345@127.0.0.1>',
        'CSeq: 1 INVITE',
        'Content-Length: 500',
        '',
        'v=0',
      ].join('\r\n'),
      sipPort,
      '127.0.0.1',
    );
    const { msg } = parseSip(await answer);
    t.equal(msg?.status, 400, 'the malformed request is answered 400');
    t.match(msg?.headers.find(([n]) => n === 'via')?.[1], /branch=z9hG4bKbroken1/, 'with its own Via');
    t.match(sip.ignored, [{ reason: 'not a SIP start line' }], 'the datagram that is not SIP is ignored');

    const c = await call(t, 'hotline-message.xml', '13800004444');
    t.match(c, { keys: '3#', endedBy: 'suban', byeStatus: 200 });
    const tickets = await ticketsOf('13800004444');
    t.equal(tickets.length, 1);
    t.match(tickets[0], { channel: 'phone', attachments: [{ kind: 'recording' }] });
  });

  t.test('sipp hangs up at the menu: 200 to its BYE, CHANNEL_HANGUP to Suban, the session ends as a caller hangup, no ticket', async (t) => {
    clock.set(IN_HOURS);
    const c = await call(t, 'caller-hangs-up.xml', '13800002222');
    t.match(c, { caller: '13800002222', endedBy: 'caller', byeStatus: null, keys: '' });
    t.equal(c.esl!.hungUpBy, 'caller');
    t.equal(c.esl!.hangupCause, 'NORMAL_CLEARING');
    const session = await ctx.calls.runner.getSession(c.uuid);
    t.match(session?.ended, { reason: 'caller_hangup' });
    t.equal((await ticketsOf('13800002222')).length, 0);
  });
}
