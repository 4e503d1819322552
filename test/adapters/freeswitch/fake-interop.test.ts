/**
 * The fake is only useful if it speaks what FreeSWITCH speaks. Our adapter and the fake share no
 * code, and here modesl (a third-party client written against the real switch) talks to the fake:
 * inbound auth, api, bgapi with json events, and an outbound call through esl.Server.
 */
import t from 'tap';
import esl from 'modesl';
import { FakeFreeSwitch } from '../../fakes/fake-freeswitch.js';

t.test('modesl inbound: auth, api, bgapi (json events)', async (t) => {
  const fs = new FakeFreeSwitch();
  const port = await fs.listen();
  t.teardown(() => fs.close());
  const conn = await new Promise<esl.Connection>((resolve) => {
    const c: esl.Connection = new esl.Connection('127.0.0.1', port, 'ClueCon', () => resolve(c));
  });
  conn.on('error', () => {}); // the fake closing first in teardown resets the socket
  t.teardown(() => conn.disconnect());
  const status = await new Promise<esl.Event>((resolve) => conn.api('status', resolve));
  t.match(status.getBody(), /is ready/);
  const job = await new Promise<esl.Event>((resolve) => conn.bgapi('echo', '来电 ok', resolve));
  t.equal(job.getBody(), '来电 ok');
  t.ok(fs.inboundCommands().some((c) => c.line.startsWith('event json ') && c.line.includes('BACKGROUND_JOB')));
});

t.test('modesl outbound: esl.Server receives the fake call and executes an application', async (t) => {
  const fs = new FakeFreeSwitch();
  t.teardown(() => fs.close());
  const server = await new Promise<esl.Server>((resolve) => {
    const s: esl.Server = new esl.Server({ port: 0, host: '127.0.0.1', myevents: true }, () => resolve(s));
  });
  t.teardown(() => server.close());
  const port = (server as unknown as { server: { address(): { port: number } } }).server.address().port;
  const seen = new Promise<{ caller: string | null; app: string | null }>((resolve) => {
    server.on('connection::open', (conn: esl.Connection) => conn.on('error', () => {}));
    server.on('connection::ready', (conn: { getInfo(): esl.Event; execute(app: string, arg: string, cb: (e: esl.Event) => void): void; disconnect(): void }) => {
      const caller = conn.getInfo().getHeader('Caller-Caller-ID-Number');
      conn.execute('playback', 'welcome.wav', (done) => {
        resolve({ caller, app: done.getHeader('Application') });
        conn.disconnect();
      });
    });
  });
  const transcript = fs.placeCall(port, { callerNumber: '13812345678' });
  t.same(await seen, { caller: '13812345678', app: 'playback' });
  const tr = await transcript;
  t.same(tr.executes.map((e) => e.app), ['playback']);
});
