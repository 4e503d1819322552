/**
 * PostgreSQL goes away and comes back while `suban serve` runs. The server reaches the database
 * through a TCP proxy the test cuts and restores (the shared PostgreSQL itself is never stopped:
 * other tests use it): readiness goes red, requests get 503 with Retry-After in the one error
 * shape, nothing answered 2xx is lost, and the same process recovers by itself.
 */
import t from 'tap';
import { startServe } from '../helpers/proc.js';
import { TcpProxy } from '../fakes/tcp-proxy.js';
import { checkRecovered, operatorPops, HOTLINE, PG_SKIP, PG_URL, prepare, restCreate, send, sleep, twilioSid, twilioTo, until, wechatTo, type Answer } from './harness.js';

t.test('the database goes away and comes back', { skip: PG_SKIP, timeout: 180_000 }, async (t) => {
  const p = await prepare(t, 'pg');
  const target = new URL(PG_URL);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxyPort = await proxy.listen();
  t.teardown(() => proxy.close());
  const server = await startServe(t, { name: 'proxied', env: p.env({ DATABASE_URL: TcpProxy.rewrite(PG_URL, proxyPort), SUBAN_JOB_POLL_MS: '200' }) });
  const salt = Date.now().toString(36);
  const twilio = twilioTo(server.url);
  const mp = wechatTo(server.url);
  const accepted: { what: string; ref: string; by: 'external_ref' | 'contact' }[] = [];
  const create = async (n: number): Promise<Answer> => {
    const r = await restCreate(server.url, p.token, { content: `光明路${n}号的消防通道被占用`, externalRef: `out-${salt}-${n}`, idempotencyKey: `out-${salt}-${n}` });
    if (r.status === 201 || r.status === 200) accepted.push({ what: `REST ${n}`, ref: `out-${salt}-${n}`, by: 'external_ref' });
    return r;
  };

  const pops = await operatorPops(t, server.url, p.token);

  // Ready once the classifier's worker has loaded it (about a second after /healthz answers).
  t.equal((await until('readyz to be green', async () => ((await send(`${server.url}/readyz`, {})).status === 200 ? 200 : null), 30_000)), 200, 'ready before');
  t.equal((await create(0)).status, 201, 'a ticket before');

  await proxy.cut('refuse');
  const ready = await until('readyz to go red', async () => {
    const r = await send(`${server.url}/readyz`, { timeoutMs: 15_000 });
    return r.status === 503 ? r : null;
  }, 30_000, 200);
  t.match(JSON.parse(ready.body), { ok: false, database: 'unreachable' }, '/readyz says why');
  t.ok(ready.headers.get('retry-after'), '/readyz has Retry-After');
  t.equal((await send(`${server.url}/healthz`, {})).status, 200, 'alive all the same (no restart wanted)');

  const failed: number[] = [];
  for (let n = 1; n <= 5; n++) {
    const r = await create(n);
    if (r.status === 201) continue; // a connection that was still being set up may have made it
    failed.push(n);
    t.equal(r.status, 503, `REST ${n} during the outage: 503 (${r.body.slice(0, 200)})`);
    t.ok(r.headers.get('retry-after'), 'with Retry-After');
    t.match(JSON.parse(r.body), { error: { code: 'unavailable', message: String } }, 'in the one error shape');
  }
  t.ok(failed.length >= 4, `requests failed while the database was away (${failed.length}/5)`);

  const MessageSid = twilioSid('SM', 1, salt);
  const sms = { MessageSid, From: '+8613700000001', To: HOTLINE, Body: '光明路菜市场门口污水横流' };
  const smsDuring = await twilio.post('/twilio/sms', sms);
  t.equal(smsDuring.status, 503, `an inbound SMS is refused, not swallowed: ${smsDuring.body.slice(0, 200)}`);
  t.ok(smsDuring.headers.get('retry-after'), 'Twilio is told when to come back');
  const chat = await mp({ openid: `oOut${salt}`, msgId: `${Date.now()}`, type: 'text', content: '光明路的井盖坏了' });
  t.equal(chat.status, 200, 'WeChat gets its 200 (it would retry otherwise)');
  t.match(chat.body, /系统繁忙/, 'and the citizen is told to send it again');
  t.equal(server.alive(), true, 'the process is still up');

  await sleep(1500); // the job runner and the bus keep failing for a while: they must survive it
  await proxy.restore();
  await until('readyz to go green', async () => (await send(`${server.url}/readyz`, { timeoutMs: 15_000 })).status === 200, 45_000, 250);
  t.pass('ready again, same process');

  for (const n of failed) t.equal((await create(n)).status, 201, `REST ${n} retried: created`);
  const smsAfter = await until('the SMS retried', async () => {
    const r = await twilio.post('/twilio/sms', sms);
    return r.status === 200 ? r : null;
  }, 20_000, 500);
  t.equal(smsAfter.status, 200);
  accepted.push({ what: 'SMS', ref: MessageSid, by: 'external_ref' });
  const fireRef = await checkRecovered(t, { url: server.url, p, pops, salt, after: 'the outage' });
  accepted.push({ what: '即办', ref: fireRef, by: 'external_ref' });

  for (const a of accepted) t.equal(await p.sql.count(`SELECT count(*) FROM tickets WHERE ${a.by} = ?`, [a.ref]), 1, `${a.what}: answered 2xx, stored once`);
  t.equal(server.alive(), true, 'recovered without a restart');
  const { code } = await server.stop('SIGTERM');
  t.equal(code, 0, 'and shuts down cleanly');
});
