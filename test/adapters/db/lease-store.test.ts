/**
 * The LeaseStore contract on both engines, and on the in-memory lease the conversation tests use:
 * one holder at a time, the holder may renew, an expired lease is taken over, only the holder
 * gives it back.
 */
import t, { type Test } from 'tap';
import { SqlLeaseStore } from '../../../adapters/db/lease-store.js';
import { InMemoryLeaseStore } from '../../fakes/conversation-store.js';
import type { LeaseStore } from '../../../src/application/ports/misc.js';
import { ENGINES, freshDatabase, sqliteFilePair } from '../../helpers/db.js';

const AT = new Date('2026-11-26T02:00:00Z');
const later = (ms: number) => new Date(AT.getTime() + ms);
const TTL = 30_000;

async function contract(t: Test, leases: LeaseStore) {
  t.equal(await leases.acquire('conversation', 'wechat:c1', 'A', AT, later(TTL)), true, 'a free lease is granted');
  t.equal(await leases.acquire('conversation', 'wechat:c1', 'B', later(1000), later(1000 + TTL)), false, 'held by A: B is refused');
  t.equal(await leases.acquire('other-scope', 'wechat:c1', 'B', AT, later(TTL)), true, 'scopes are separate');
  t.equal(await leases.acquire('conversation', 'wechat:c2', 'B', AT, later(TTL)), true, 'keys are separate');

  t.equal(await leases.acquire('conversation', 'wechat:c1', 'A', later(20_000), later(20_000 + TTL)), true, 'the holder renews');
  t.equal(await leases.acquire('conversation', 'wechat:c1', 'B', later(TTL + 1), later(2 * TTL)), false, 'renewed: still held past the first expiry');
  t.equal(await leases.acquire('conversation', 'wechat:c1', 'B', later(20_000 + TTL - 1), later(3 * TTL)), false, 'held up to the last millisecond');
  t.equal(await leases.acquire('conversation', 'wechat:c1', 'B', later(20_000 + TTL), later(20_000 + 2 * TTL)), true, 'expired: taken over');
  t.equal(await leases.acquire('conversation', 'wechat:c1', 'A', later(20_000 + TTL), later(20_000 + 2 * TTL)), false, 'the old holder has lost it');

  await leases.release('conversation', 'wechat:c1', 'A');
  t.equal(await leases.acquire('conversation', 'wechat:c1', 'C', later(20_000 + TTL + 1), later(3 * TTL)), false, "a release by who no longer holds it does nothing");
  await leases.release('conversation', 'wechat:c1', 'B');
  t.equal(await leases.acquire('conversation', 'wechat:c1', 'C', later(20_000 + TTL + 1), later(3 * TTL)), true, 'released: free at once');
  await leases.release('conversation', 'never-held', 'C');
}

t.test('in-memory lease', async (t) => {
  await contract(t, new InMemoryLeaseStore());
});

for (const engine of ENGINES) {
  t.test(`lease store on ${engine}`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const leases = new SqlLeaseStore(db);

    await t.test('contract', async (t) => contract(t, leases));

    await t.test('released leases leave no row behind', async (t) => {
      t.equal(await leases.acquire('s', 'k', 'A', AT, later(TTL)), true);
      await leases.release('s', 'k', 'A');
      const rows = await db.db.select().from(db.t.leases);
      t.notOk(rows.some((r) => r.scope === 's'), 'deleted');
    });

    await t.test('many instances asking at once: exactly one gets it', async (t) => {
      const owners = Array.from({ length: 12 }, (_, i) => `instance-${i}`);
      const got = await Promise.all(owners.map((o) => leases.acquire('conversation', 'wechat-mp:race', o, AT, later(TTL))));
      t.equal(got.filter(Boolean).length, 1);
      const winner = owners[got.indexOf(true)];
      const [row] = (await db.db.select().from(db.t.leases)).filter((r) => r.key === 'wechat-mp:race');
      t.same(row, { scope: 'conversation', key: 'wechat-mp:race', owner: winner, expiresAt: AT.getTime() + TTL });
      // The same race over an expired lease: one taker, not one each.
      const retake = await Promise.all(owners.map((o) => leases.acquire('conversation', 'wechat-mp:race', `${o}-b`, later(TTL), later(2 * TTL))));
      t.equal(retake.filter(Boolean).length, 1, 'one taker of an expired lease');
    });
  });
}

t.test('two SQLite connections on one file (two processes) see each other’s leases', async (t) => {
  const [a, b] = await sqliteFilePair(t);
  const la = new SqlLeaseStore(a);
  const lb = new SqlLeaseStore(b);
  t.equal(await la.acquire('conversation', 'k', 'A', AT, later(TTL)), true);
  t.equal(await lb.acquire('conversation', 'k', 'B', AT, later(TTL)), false);
  await la.release('conversation', 'k', 'A');
  t.equal(await lb.acquire('conversation', 'k', 'B', AT, later(TTL)), true);
});
