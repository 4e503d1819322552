import t from 'tap';
import pg from 'pg';
import { dropSchema, newSchemaName } from '../../helpers/db.js';
import { nextLockRequest, pagingHarness } from './harness.js';

/** Resolves once a session waits for a row lock of a page (an ack's SELECT … FOR UPDATE behind a send in flight). */
async function rowLockWaiter(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
      const r = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%"pages"%for update%'`);
      if (r.rows[0].n > 0) return;
    }
    throw new Error('no session waits for a page row lock');
  } finally {
    await c.end();
  }
}

const url = process.env.SUBAN_TEST_PG_URL;
// Runs where PostgreSQL is configured (SUBAN_TEST_PG_URL), like every other PostgreSQL test.
if (!url) t.comment('SUBAN_TEST_PG_URL not set: PostgreSQL paging tests not run');
else {

  t.test('PostgreSQL: two instances running due jobs at once never send the same page twice', async (t) => {
    const schema = newSchemaName();
    t.teardown(() => dropSchema(url!, schema));
    const a = await pagingHarness(t, { url, schema, worker: 'a', batch: 2 });
    const b = await pagingHarness(t, { url, schema, seeded: true, worker: 'b', batch: 2 });
    const N = 12;
    for (let i = 0; i < N; i++) await a.ticket({ content: `路面塌陷 ${i}` });

    const both = async () => {
      b.clock.set(a.clock.now());
      for (let i = 0; i < 30; i++) {
        await Promise.all([a.runner.runDue(1), b.runner.runDue(1), a.runner.runDue(1), b.runner.runDue(1)]);
        await Promise.all([a.idle(), b.idle()]);
      }
    };
    await both();
    const calls = () => [...a.dialer.calls, ...b.dialer.calls];
    t.equal(calls().length, N, 'every first call placed once');
    t.ok(a.dialer.calls.length > 0 && b.dialer.calls.length > 0, `both instances worked (${a.dialer.calls.length}/${b.dialer.calls.length})`);
    // no outcome arrives: the ack timeout moves every page to its second call, on both instances
    a.clock.advance(300_000);
    await both();
    a.clock.advance(300_000);
    await both();
    const refs = calls().map((c) => c.ref);
    t.equal(new Set(refs).size, refs.length, 'no ref was dialled twice');
    t.equal(refs.length, 2 * N, 'second calls all placed');
    t.equal(a.sms.sent.length + b.sms.sent.length, N, 'then the SMS step, once per page');

    // the same step job run by both instances at the same moment: the page lock lets one send
    const [page] = await a.paging.store.list({ status: 'running', limit: 1 });
    const before = calls().length;
    const pos = page.next!;
    await Promise.all([a.paging.runStep({ pageId: page.id, ...pos }), b.paging.runStep({ pageId: page.id, ...pos })]);
    t.equal(calls().length + a.sms.sent.length + b.sms.sent.length - before - N, 1, 'one send for one (page, step, attempt)');
  });

  t.test('PostgreSQL: an ack waits for a send in flight on the other instance', async (t) => {
    const schema = newSchemaName();
    t.teardown(() => dropSchema(url!, schema));
    const a = await pagingHarness(t, { url, schema, worker: 'a' });
    const b = await pagingHarness(t, { url, schema, seeded: true, worker: 'b' });
    await a.ticket();
    await a.settle();
    const [page] = await a.paging.store.list({ status: 'running' });
    const order: string[] = [];
    a.dialer.log = order;
    a.clock.set(page.next!.at);
    const provider = a.dialer.hold();
    const step = a.runner.runDue();
    await provider.reached; // instance a holds the page's row lock and its send is in flight
    const request = nextLockRequest(b.paging.store, page.id, order, 'ack holds the lock');
    const ack = b.paging.acknowledge(page.id, { id: 'x', name: '张伟', side: 'unit' }, 'sms').then((r) => order.push(`ack ${r.status}`));
    await request.asked;
    await rowLockWaiter(url!);
    t.same(order, [], 'the ack on instance b waits for the row lock');
    provider.open();
    await Promise.all([step, ack]);
    t.same(order, [`call page:${page.ticketId}:${page.id}:1:2`, 'ack holds the lock', 'ack acked']);
    a.clock.advance(3600_000);
    await a.settle();
    t.equal(a.dialer.calls.length, 2);
  });
}
