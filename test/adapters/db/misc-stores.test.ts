import t from 'tap';
import { and, eq } from 'drizzle-orm';
import { SqlDedupeStore, SqlStateStore } from '../../../adapters/db/misc-stores.js';
import { ENGINES, freshDatabase } from '../../helpers/db.js';

const AT = new Date('2026-11-26T02:00:00Z');
const later = (ms: number) => new Date(AT.getTime() + ms);

for (const engine of ENGINES) {
  t.test(`state and dedupe stores on ${engine}`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const state = new SqlStateStore(db);
    const dedupe = new SqlDedupeStore(db);

    await t.test('state: put, get, overwrite, expiry, list, delete', async (t) => {
      const doc = { callId: 'CA1', vars: { caller: '13800000000', n: 3, ok: true, none: null }, path: [{ step: 'menu', digits: '1', label: '即办/紧急' }], text: '您好，"引号" \\ 换行\n' };
      t.equal(await state.get('call', 'CA1', AT), null);
      await state.put('call', 'CA1', doc, AT, later(60_000));
      t.same(await state.get('call', 'CA1', AT), doc);
      t.equal(await state.get('call', 'CA1', later(60_000)), null, 'expired at expiresAt');
      t.equal(await state.get('other', 'CA1', AT), null, 'scopes are separate');
      await state.put('call', 'CA1', { ...doc, turn: 2 }, later(1000), null);
      t.same(await state.get('call', 'CA1', later(10 ** 9)), { ...doc, turn: 2 }, 'overwritten, now without expiry');
      await state.put('call', 'CA2', [1, 'two'], later(2000));
      t.same(await state.list('call', AT), [
        { key: 'CA1', doc: { ...doc, turn: 2 } },
        { key: 'CA2', doc: [1, 'two'] },
      ]);
      await state.delete('call', 'CA1');
      t.equal(await state.get('call', 'CA1', AT), null);
    });

    await t.test('state: what the store writes is what the query builder reads, and back', async (t) => {
      const s = db.t.stateDocs;
      await state.put('x', 'k', { a: [1, { b: '中文' }] }, AT, later(5));
      const [row] = await db.db.select().from(s).where(and(eq(s.scope, 'x'), eq(s.key, 'k')));
      t.same(row, { scope: 'x', key: 'k', doc: { a: [1, { b: '中文' }] }, expiresAt: AT.getTime() + 5, updatedAt: AT.getTime() });
      await db.db.insert(s).values({ scope: 'x', key: 'built', doc: { from: 'builder' }, expiresAt: null, updatedAt: 1 });
      t.same(await state.get('x', 'built', AT), { from: 'builder' });
    });

    await t.test("an acknowledged write is never undone by another transaction's rollback", async (t) => {
      let open!: () => void;
      let release!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      const gate = new Promise<void>((r) => (release = r));
      const failing = db.tx(async (tx) => {
        await tx.insert(db.t.dayCounters).values({ day: 'rolled-back', n: 1 });
        open();
        await gate;
        throw new Error('boom');
      });
      await opened;
      // Written while that transaction is open (another request's call state, a claimed delivery).
      const writes = Promise.all([state.put('call', 'CA-during', { turn: 1 }, AT), dedupe.claim('twilio-status', 'CA-during:completed', AT)]);
      release();
      await t.rejects(failing, /boom/);
      t.same((await writes)[1], true);
      t.same(await state.get('call', 'CA-during', AT), { turn: 1 }, 'the call state is still there');
      t.equal(await dedupe.claim('twilio-status', 'CA-during:completed', AT), false, 'the delivery is still claimed');
      t.same(await db.db.select().from(db.t.dayCounters), [], 'the failed transaction itself left nothing');
    });

    await t.test('dedupe: one claim wins, values round-trip, set upserts', async (t) => {
      const claims = await Promise.all(Array.from({ length: 10 }, () => dedupe.claim('twilio-status', 'CA1:completed', AT)));
      t.equal(claims.filter(Boolean).length, 1);
      t.equal(await dedupe.get('twilio-status', 'CA1:completed'), null, 'a claim without a value');
      t.equal(await dedupe.get('twilio-status', 'never'), undefined);
      t.equal(await dedupe.claim('s', 'k', AT, { reply: '已收到' }), true);
      t.equal(await dedupe.claim('s', 'k', AT, { reply: 'other' }), false);
      t.same(await dedupe.get('s', 'k'), { reply: '已收到' }, 'the first value stays');
      await dedupe.set('s', 'k', 'done', later(1));
      t.equal(await dedupe.get('s', 'k'), 'done');
      await dedupe.set('s', 'new', { n: 1 }, AT);
      t.same(await dedupe.get('s', 'new'), { n: 1 });
      const d = db.t.dedupe;
      const [row] = await db.db.select().from(d).where(and(eq(d.scope, 's'), eq(d.key, 'k')));
      t.same(row, { scope: 's', key: 'k', value: 'done', at: AT.getTime() + 1 });
    });
  });
}
