/**
 * The PostgreSQL bus's LISTEN connection can die silently: a partition that nothing ever resets
 * (a NAT or firewall that forgot the flow, a database host that rebooted without a RST reaching
 * us). Its heartbeat must notice, and the bus must reconnect and LISTEN again by itself.
 */
import net from 'node:net';
import t from 'tap';
import pg from 'pg';
import { PgEventBus, busChannel, type BusState, type BusStatus, type PgEventBusOptions } from '../../adapters/bus/pg-bus.js';
import { openDatabase } from '../../adapters/db/database.js';
import { dropSchema, newSchemaName } from '../helpers/db.js';
import { TcpProxy } from '../fakes/tcp-proxy.js';

const url = process.env.SUBAN_TEST_PG_URL;
const PG_SKIP = url ? false : 'SUBAN_TEST_PG_URL not set: PostgreSQL tests run in CI';
const quiet = { warn: () => undefined, info: () => undefined };
const noop = () => undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Short intervals: a dead connection is noticed in well under a second here. */
const FAST: PgEventBusOptions = { heartbeatMs: 100, deadlineMs: 400, connectTimeoutMs: 400, reconnectMinMs: 50, reconnectMaxMs: 300 };

/** Timers that keep the process alive: an uncleared heartbeat would show here (and hang the test run). */
const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** Polls `check` until true; false after `ms` (generous: a bound, not a timing assertion). */
async function until(check: () => boolean | Promise<boolean>, ms = 20_000, every = 50): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(every)) if (await check()) return true;
  return check();
}

interface LogLine {
  level: 'warn' | 'info';
  obj: unknown;
  msg: unknown;
}
function recordingLog(lines: LogLine[]) {
  return {
    warn: (obj: unknown, msg?: unknown) => void lines.push({ level: 'warn', obj, msg }),
    info: (obj: unknown, msg?: unknown) => void lines.push({ level: 'info', obj, msg }),
  };
}

t.test('close() clears the retry timer while the database is unreachable (no PostgreSQL needed)', async (t) => {
  // A port nobody listens on: every attempt is refused at once.
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const dead = `postgres://postgres@127.0.0.1:${port}/none`;
  const pool = new pg.Pool({ connectionString: dead });
  const before = liveTimers();
  const lines: LogLine[] = [];
  const bus = new PgEventBus(pool, dead, undefined, recordingLog(lines), 'suban_bus_unit', { ...FAST, reconnectMinMs: 60_000, reconnectMaxMs: 60_000 });
  await bus.start();
  t.match(bus.status(), { state: 'down', attempts: 1, lastError: String }, 'start() does not throw: the bus is down and will retry');
  t.ok(liveTimers() > before, 'a retry is scheduled');
  t.match(lines, [{ level: 'warn', msg: /LISTEN failed/, obj: { attempt: 1, reason: String } }], 'the failure is logged, structured');
  t.notOk(JSON.stringify(lines).includes(dead), 'the connection string is not logged');
  await bus.close();
  t.equal(bus.status().state, 'closed');
  t.equal(liveTimers(), before, 'no timer left behind');
  await pool.end();
});

t.test('PostgreSQL bus heartbeat', { skip: PG_SKIP, timeout: 120_000 }, async (t) => {
  const schema = newSchemaName();
  const db = await openDatabase({ url: url!, schema });
  await db.migrate();
  const opt = `-c search_path=${schema}`;
  const channel = busChannel(schema);
  const target = new URL(url!);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxied = TcpProxy.rewrite(url!, await proxy.listen());
  t.teardown(async () => {
    await proxy.close();
    await db.close();
    await dropSchema(url!, schema);
  });

  await t.test('the heartbeat timer is cleared on close', async (t) => {
    const before = liveTimers();
    const bus = new PgEventBus(db.pool!, url!, opt, quiet, channel, { ...FAST, heartbeatMs: 20 });
    await bus.start();
    t.equal(bus.status().state, 'listening');
    t.ok(await until(() => bus.status().heartbeats >= 3), `heartbeats are answered (${bus.status().heartbeats})`);
    await bus.close();
    t.equal(bus.status().state, 'closed');
    t.equal(liveTimers(), before, 'no heartbeat, deadline or retry timer left behind');
  });

  await t.test('a silently dead LISTEN connection is found and replaced, without a restart', async (t) => {
    const a = new PgEventBus(db.pool!, url!, opt, quiet, channel);
    // B reaches the database only through the proxy: its LISTEN connection and its own NOTIFYs.
    const bPool = new pg.Pool({ connectionString: proxied, options: opt, max: 2, connectionTimeoutMillis: 400, query_timeout: 400 });
    bPool.on('error', noop);
    const lines: LogLine[] = [];
    const b = new PgEventBus(bPool, proxied, opt, recordingLog(lines), channel, FAST);
    const changes: BusStatus[] = [];
    b.onStateChange((s) => changes.push(s));
    let missed = 0;
    b.onMissedEvents(() => missed++);
    await a.start();
    await b.start();
    t.teardown(async () => {
      await b.close();
      await a.close();
      await bPool.end();
    });
    t.equal(b.status().state, 'listening', 'B listens through the proxy');

    /** Publishes from `from` until `to` has the event (NOTIFY is best-effort while a LISTEN is being set up). */
    const delivered = async (from: PgEventBus, to: PgEventBus, topic: string) => {
      let got = false;
      const off = to.subscribe(topic, () => (got = true));
      const ok = await until(() => {
        if (!got) from.publish(topic, { at: topic });
        return got;
      }, 20_000, 100);
      off();
      return ok;
    };
    t.ok(await delivered(a, b, 'before'), 'A → B before the partition');

    const acceptedBefore = proxy.accepted;
    await proxy.cut('blackhole');
    const mine: unknown[] = [];
    b.subscribe('during', (p) => mine.push(p));
    t.doesNotThrow(() => b.publish('during', { n: 1 }), 'publishing while the database is unreachable does not throw');
    t.same(mine, [{ n: 1 }], 'and is still delivered locally');

    t.ok(await until(() => b.status().state !== 'listening'), `B notices the dead connection by itself (${b.status().state})`);
    const firstDown = changes.find((s) => s.state === 'down');
    t.match(firstDown, { state: 'down', attempts: 1, lastError: /heartbeat/ }, 'through its heartbeat');
    t.match(lines.find((l) => l.level === 'warn' && /connection lost/.test(String(l.msg))), { obj: { channel, reason: /heartbeat/ } }, 'logged, structured');
    t.ok(await until(() => b.status().attempts >= 3), `reconnect attempts into the partition fail on their own deadline and go on (${b.status().attempts})`);
    t.ok(await until(() => lines.some((l) => /NOTIFY failed/.test(String(l.msg)))), 'the failed NOTIFY is logged');
    t.equal(lines.filter((l) => /NOTIFY failed/.test(String(l.msg))).length, 1, 'once per outage, not once per event');

    // Forwarding resumes for new connections; the old ones are never reset (no RST reaches B).
    proxy.heal();
    t.ok(await until(() => b.status().state === 'listening'), 'B listens again, same object, no restart');
    t.ok(missed >= 1, `listeners hear that events may have been missed (${missed})`);
    t.equal(b.linkState(), 'listening');
    t.ok(proxy.accepted > acceptedBefore, 'on a new connection');
    t.match(b.status(), { attempts: 0, lastError: undefined });
    t.ok(await delivered(a, b, 'after'), 'A → B after the partition');
    t.ok(await delivered(b, a, 'back'), 'B → A after the partition');
    t.ok(lines.some((l) => l.level === 'info' && /listening again/.test(String(l.msg))), 'recovery is logged');
    t.notOk(JSON.stringify(lines).includes(proxied), 'the connection string is never logged');

    // One listening connection, not one per failed attempt: an event arrives once.
    const seen: unknown[] = [];
    b.subscribe('once', (p) => seen.push(p));
    a.publish('once', { n: 1 });
    t.ok(await delivered(a, b, 'sentinel'), 'a later event arrives');
    t.same(seen, [{ n: 1 }], 'the earlier one arrived exactly once');
    const states: BusState[] = changes.map((s) => s.state);
    t.same(states.slice(0, 3), ['listening', 'down', 'connecting'], 'listening, down, then reconnecting');
    t.equal(states.at(-1), 'listening');
  });

  await t.test('close() is not held up by a silent network', async (t) => {
    const before = liveTimers();
    const proxy2 = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const via = TcpProxy.rewrite(url!, await proxy2.listen());
    t.teardown(() => proxy2.close());
    const bus = new PgEventBus(db.pool!, via, opt, quiet, channel, { ...FAST, heartbeatMs: 60_000 });
    await bus.start();
    t.equal(bus.status().state, 'listening');
    await proxy2.cut('blackhole');
    await bus.close(); // bounded by the test's timeout: pg's own end() would wait for a close that never comes
    t.equal(bus.status().state, 'closed');
    t.equal(liveTimers(), before, 'no timer left behind');
  });
});
