import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { pagingHarness } from './harness.js';

const NOW = '2026-11-26T02:00:00+08:00';

t.test('crash in the middle of an escalation: after a restart the next step fires on time, exactly once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'suban-paging-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite:${join(dir, 'suban.db')}`;

  const a = await pagingHarness(t, { url, now: NOW });
  await a.ticket();
  await a.settle();
  t.equal(a.dialer.calls.length, 1);
  const [page] = await a.paging.store.list({ status: 'running' });
  const due = page.next!.at;
  t.equal(due.getTime() - Date.parse(NOW), 300_000, 'the fallback timer is the 5 min ack timeout (the outcome never arrives)');
  // the process dies: nothing is acknowledged, nothing is stopped gracefully
  await a.close();

  const b = await pagingHarness(t, { url, now: NOW, seeded: true });
  b.clock.set(new Date(due.getTime() - 1000));
  await b.settle();
  t.equal(b.dialer.calls.length, 0, 'not early');
  await b.advance(1000);
  t.equal(b.dialer.calls.length, 1, 'on time');
  t.match(b.dialer.calls[0].ref, new RegExp(`${page.id}:1:2$`));
  await b.settle();
  await b.runner.runDue();
  t.equal(b.dialer.calls.length, 1, 'exactly once');
  await b.close();
});

t.test('a worker dies holding the step job: it runs again after the lease, once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'suban-paging-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite:${join(dir, 'suban.db')}`;

  const a = await pagingHarness(t, { url, now: NOW });
  await a.ticket();
  await a.settle();
  const [page] = await a.paging.store.list({ status: 'running' });
  a.clock.set(page.next!.at);
  // claimed (leased for 60 s) but the worker is killed before running it
  const claimed = await a.jobs.claim(a.clock.now(), 10, 'doomed', 60_000);
  t.equal(claimed.length, 1);
  await a.close();

  const b = await pagingHarness(t, { url, now: page.next!.at.toISOString(), seeded: true });
  await b.settle();
  t.equal(b.dialer.calls.length, 0, 'the lease still holds');
  await b.advance(60_000);
  t.equal(b.dialer.calls.length, 1, 'the job runs again once the lease is over');
  await b.advance(1000);
  t.equal(b.dialer.calls.length, 1);
});

t.test('the same step run twice (a job re-run after its send): never a second send', async (t) => {
  const h = await pagingHarness(t, { now: NOW });
  await h.ticket();
  await h.settle();
  const [page] = await h.paging.store.list({ status: 'running' });
  // replay the first attempt's job by hand, as a re-run would
  await h.paging.runStep({ pageId: page.id, step: 1, attempt: 1 });
  await Promise.all([h.paging.runStep({ pageId: page.id, step: 1, attempt: 2 }), h.paging.runStep({ pageId: page.id, step: 1, attempt: 2 })]);
  t.same(
    h.dialer.calls.map((c) => c.ref.split(':').slice(3).join('.')),
    ['1.1', '1.2'],
  );
});
