/** The per-contact serializer alone: order per contact, contacts in parallel, the lease and its wait. */
import t from 'tap';
import { ContactSerializer, CONVERSATION_LEASE_SCOPE } from '../../../src/application/conversation/contact-serializer.js';
import { InMemoryLeaseStore } from '../../fakes/conversation-store.js';
import { FakeClock } from '../../../src/domain/clock.js';

/** A promise the test resolves by hand: a step that has started and waits for the test. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

t.test('calls of one contact run one after the other, in order, even when one fails', async (t) => {
  const s = new ContactSerializer(new FakeClock(new Date('2026-12-01T02:00:00Z')));
  const log: string[] = [];
  const g = gate();
  const first = s.run('wechat:a', async () => {
    log.push('1 start');
    await g.p;
    log.push('1 end');
    throw new Error('boom');
  }, () => 'busy');
  const second = s.run('wechat:a', async () => {
    log.push('2');
    return 'two';
  }, () => 'busy');
  // The second cannot start before the first ends: the first is parked on the gate.
  await new Promise((r) => setImmediate(r));
  t.same(log, ['1 start']);
  g.open();
  await t.rejects(first, { message: 'boom' });
  t.equal(await second, 'two');
  t.same(log, ['1 start', '1 end', '2']);
});

t.test('another contact does not wait', async (t) => {
  const s = new ContactSerializer(new FakeClock(new Date('2026-12-01T02:00:00Z')));
  const g = gate();
  const a = s.run('wechat:a', () => g.p.then(() => 'a'), () => 'busy');
  t.equal(await s.run('wechat:b', async () => 'b', () => 'busy'), 'b', 'b finished while a is parked');
  g.open();
  t.equal(await a, 'a');
});

t.test('with a lease: held while running and given back after, even on failure', async (t) => {
  const leases = new InMemoryLeaseStore();
  const s = new ContactSerializer(new FakeClock(new Date('2026-12-01T02:00:00Z')), { store: leases, owner: 'me' });
  await s.run('wechat:a', async () => {
    t.equal(await leases.acquire(CONVERSATION_LEASE_SCOPE, 'wechat:a', 'other', new Date('2026-12-01T02:00:00Z'), new Date('2026-12-01T02:01:00Z')), false, 'held by me');
  }, () => undefined);
  t.equal(leases.size, 0, 'given back');
  await t.rejects(s.run('wechat:a', async () => { throw new Error('x'); }, () => undefined));
  t.equal(leases.size, 0, 'given back after a failure');
});

t.test('a contact another instance holds: waits with backoff, then answers busy without running', async (t) => {
  const clock = new FakeClock(new Date('2026-12-01T02:00:00Z'));
  const leases = new InMemoryLeaseStore();
  await leases.acquire(CONVERSATION_LEASE_SCOPE, 'wechat:a', 'other', clock.now(), new Date(clock.now().getTime() + 60_000));
  const pauses: number[] = [];
  const s = new ContactSerializer(clock, { store: leases, owner: 'me', maxWaitMs: 1000, sleep: async (ms) => void pauses.push(ms) });
  let ran = false;
  const r = await s.run('wechat:a', async () => { ran = true; return 'ran'; }, () => 'busy');
  t.equal(r, 'busy');
  t.equal(ran, false);
  t.same(pauses, [20, 40, 80, 160, 250, 250, 200], 'doubling up to 250 ms, the last pause up to the wait');
  t.equal(pauses.reduce((a, b) => a + b, 0), 1000);
});

t.test('the holder gives the contact back during the wait: the call runs', async (t) => {
  const clock = new FakeClock(new Date('2026-12-01T02:00:00Z'));
  const leases = new InMemoryLeaseStore();
  await leases.acquire(CONVERSATION_LEASE_SCOPE, 'wechat:a', 'other', clock.now(), new Date(clock.now().getTime() + 60_000));
  let pauses = 0;
  const s = new ContactSerializer(clock, {
    store: leases,
    owner: 'me',
    sleep: async () => {
      if (++pauses === 2) await leases.release(CONVERSATION_LEASE_SCOPE, 'wechat:a', 'other');
    },
  });
  t.equal(await s.run('wechat:a', async () => 'ran', () => 'busy'), 'ran');
  t.equal(pauses, 2);
});
