/**
 * A network partition between `suban serve` and PostgreSQL: unlike an outage (db-outage.test.ts)
 * nothing is refused or reset, the database just stops answering (a pulled cable, a firewall
 * that drops). The server reaches PostgreSQL through a TCP proxy that swallows every byte while
 * cut. Only the service's own deadlines (short here: SUBAN_DB_QUERY_TIMEOUT_MS and friends) can
 * tell it: readiness goes red, every request is answered (503, Retry-After, the one error shape)
 * instead of hanging, the process stays up, nothing answered 2xx is lost or doubled, and once the
 * network is back the same process recovers by itself.
 */
import t from 'tap';
import { startServe } from '../helpers/proc.js';
import { testApp } from '../helpers/app.js';
import { TcpProxy } from '../fakes/tcp-proxy.js';
import { checkRecovered, operatorPops, HOTLINE, PG_SKIP, PG_URL, prepare, restCreate, send, sleep, twilioSid, twilioTo, until, type Answer } from './harness.js';

/**
 * No answer within this is a hung request, the failure this test is about. Far above what the
 * deadlines below add up to (a transaction's statement and its rollback, a wait for the pool),
 * so a loaded machine does not make it flaky.
 */
const BOUND_MS = 25_000;

t.test('a network partition between the service and PostgreSQL', { skip: PG_SKIP, timeout: 240_000 }, async (t) => {
  const p = await prepare(t, 'pg');
  const target = new URL(PG_URL);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxyPort = await proxy.listen();
  t.teardown(() => proxy.close());
  const server = await startServe(t, {
    name: 'partitioned',
    env: p.env({
      DATABASE_URL: TcpProxy.rewrite(PG_URL, proxyPort),
      SUBAN_DB_QUERY_TIMEOUT_MS: '3000',
      SUBAN_DB_CONNECT_TIMEOUT_MS: '2000',
      SUBAN_READY_TIMEOUT_MS: '1000',
    }),
  });
  const salt = Date.now().toString(36);
  const twilio = twilioTo(server.url);
  const key = (n: number) => `part-${salt}-${n}`;
  /** answered 2xx: must be exactly one ticket each at the end */
  const stored = new Set<number>();
  /** answered 503: retried after the partition */
  const refused = new Set<number>();
  const create = async (n: number): Promise<Answer> => {
    const r = await send(`${server.url}/api/v1/tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: `光明路${n}号的消防通道被占用`, externalRef: key(n), idempotencyKey: key(n) }),
      timeoutMs: BOUND_MS,
    });
    if (r.status === 201 || r.status === 200) stored.add(n);
    return r;
  };
  const isUnavailable = (r: Answer, what: string) => {
    t.equal(r.status, 503, `${what}: 503, not a hang or a 500 (${r.status} ${r.body.slice(0, 200)})`);
    if (r.status !== 503) return;
    t.ok(r.headers.get('retry-after'), `${what}: with Retry-After`);
    t.match(JSON.parse(r.body), { error: { code: 'unavailable', message: String } }, `${what}: in the one error shape`);
  };

  const pops = await operatorPops(t, server.url, p.token);

  // Ready once the classifier's worker has loaded it (about a second after /healthz answers).
  t.equal((await until('readyz to be green', async () => ((await send(`${server.url}/readyz`, {})).status === 200 ? 200 : null), 30_000)), 200, 'ready before');
  // Several at once: the pool holds several connections when the partition begins.
  const before = await Promise.all([0, 1, 2, 3].map(create));
  t.same(before.map((r) => r.status), [201, 201, 201, 201], 'tickets before');

  // Requests in flight as the network goes: each either made it (2xx) or is told to retry (503).
  const caught = [4, 5, 6, 7].map(create);
  await proxy.cut('blackhole');
  for (const [i, r] of (await Promise.all(caught)).entries()) {
    if (r.status === 201 || r.status === 200) continue;
    refused.add(4 + i);
    isUnavailable(r, `REST ${4 + i} (in flight at the cut)`);
  }

  const ready = await send(`${server.url}/readyz`, { timeoutMs: BOUND_MS });
  t.equal(ready.status, 503, `/readyz is red, and answers (${ready.status} ${ready.body.slice(0, 120)})`);
  if (ready.status === 503) {
    t.match(JSON.parse(ready.body), { ok: false, database: 'unreachable' }, '/readyz says why');
    t.ok(ready.headers.get('retry-after'), '/readyz has Retry-After');
  }
  t.equal((await send(`${server.url}/healthz`, { timeoutMs: BOUND_MS })).status, 200, 'alive all the same (no restart wanted)');

  // One by one (each waits out a query deadline), then more at once than the pool has connections.
  for (const n of [8, 9]) {
    const r = await create(n);
    refused.add(n);
    isUnavailable(r, `REST ${n} during the partition`);
  }
  const burst = [10, 11, 12, 13, 14, 15, 16, 17];
  for (const [i, r] of (await Promise.all(burst.map(create))).entries()) {
    refused.add(burst[i]!);
    isUnavailable(r, `REST ${burst[i]} (a burst) during the partition`);
  }
  const MessageSid = twilioSid('SM', 1, salt);
  const sms = { MessageSid, From: '+8613700000001', To: HOTLINE, Body: '光明路菜市场门口污水横流' };
  const smsDuring = await twilio.post('/twilio/sms', sms);
  t.equal(smsDuring.status, 503, `an inbound SMS is refused, not swallowed: ${smsDuring.status} ${smsDuring.body.slice(0, 200)}`);
  t.ok(smsDuring.headers.get('retry-after'), 'Twilio is told when to come back');
  const readyAgain = await send(`${server.url}/readyz`, { timeoutMs: BOUND_MS });
  t.equal(readyAgain.status, 503, `/readyz still red, still answering (${readyAgain.status})`);
  t.ok(proxy.dropped > 0, `bytes vanished in the partition (${proxy.dropped})`);
  t.equal(server.alive(), true, 'the process is still up');

  await sleep(1500); // the job runner and the bus keep failing for a while: they must survive it
  await proxy.restore();
  await until('readyz to go green', async () => {
    if (!server.alive()) throw new Error(`the process died after the partition:\n${server.output().slice(-4000)}`);
    return (await send(`${server.url}/readyz`, { timeoutMs: BOUND_MS })).status === 200;
  }, 45_000, 250);
  t.pass('ready again, same process');

  for (const n of refused) {
    const r = await until(`REST ${n} retried`, async () => {
      const a = await create(n);
      return a.status === 201 || a.status === 200 ? a : null;
    }, 20_000, 250);
    t.ok(r.status === 201 || r.status === 200, `REST ${n} retried after the partition: ${r.status}`);
  }
  const fresh = await create(100);
  t.equal(fresh.status, 201, 'a new ticket after the partition');
  const smsAfter = await until('the SMS retried', async () => {
    const r = await twilio.post('/twilio/sms', sms);
    return r.status === 200 ? r : null;
  }, 20_000, 500);
  t.equal(smsAfter.status, 200);
  const fireRef = await checkRecovered(t, { url: server.url, p, pops, salt, after: 'the partition' });

  for (const n of [...stored, ...refused]) t.equal(await p.sql.count('SELECT count(*) FROM tickets WHERE external_ref = ?', [key(n)]), 1, `REST ${n}: stored exactly once`);
  t.equal(await p.sql.count('SELECT count(*) FROM tickets WHERE external_ref = ?', [MessageSid]), 1, 'SMS: stored exactly once');
  t.equal(server.alive(), true, 'recovered without a restart');
  const { code } = await server.stop('SIGTERM');
  t.equal(code, 0, 'and shuts down cleanly');
});

t.test('/readyz has its own deadline: a ping that never returns is a 503, not a hung probe', async (t) => {
  const h = await testApp(t, { env: { SUBAN_READY_TIMEOUT_MS: '100' } });
  const ping = h.ctx.db.ping;
  let pings = 0;
  let answer!: () => void;
  h.ctx.db.ping = () => {
    pings++;
    return new Promise<void>((r) => (answer = r));
  };
  for (const i of [1, 2, 3]) {
    const r = await h.app.inject('/readyz');
    t.equal(r.statusCode, 503, `probe ${i}: 503`);
    t.equal(r.headers['retry-after'], '5', `probe ${i}: with Retry-After`);
    t.match(r.json(), { ok: false, database: 'unreachable' });
  }
  t.equal(pings, 1, 'probes share the ping in flight: a silent database costs one connection, not one per probe');
  answer();
  h.ctx.db.ping = ping;
  await until('the next probe to ping again', async () => (await h.app.inject('/readyz')).statusCode === 200, 5000, 10);
  t.pass('green once the database answers');
});
