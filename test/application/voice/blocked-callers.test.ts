import t from 'tap';
import { FakeClock } from '../../../src/domain/clock.js';
import { BlockedCallers } from '../../../src/application/voice/blocked-callers.js';
import type { StateStore } from '../../../src/application/ports/misc.js';
import { LocalEventBus } from '../../../adapters/bus/local-bus.js';

/** A StateStore in memory that counts how often the list is read. */
function memoryState() {
  const docs = new Map<string, { doc: unknown; expiresAt: number | null }>();
  const s = {
    lists: 0,
    async get<T>(scope: string, key: string, now: Date) {
      const d = docs.get(`${scope}|${key}`);
      return d && (d.expiresAt === null || d.expiresAt > now.getTime()) ? (structuredClone(d.doc) as T) : null;
    },
    async put<T>(scope: string, key: string, doc: T, _now: Date, expiresAt?: Date | null) {
      docs.set(`${scope}|${key}`, { doc: structuredClone(doc), expiresAt: expiresAt ? expiresAt.getTime() : null });
    },
    async delete(scope: string, key: string) {
      docs.delete(`${scope}|${key}`);
    },
    async list<T>(scope: string, now: Date) {
      s.lists++;
      return [...docs]
        .filter(([k, d]) => k.startsWith(`${scope}|`) && (d.expiresAt === null || d.expiresAt > now.getTime()))
        .map(([k, d]) => ({ key: k.slice(scope.length + 1), doc: structuredClone(d.doc) as T }));
    },
  };
  return s satisfies StateStore;
}

const sup = { id: 'u-sup', role: 'supervisor' as const, name: '值班长' };

t.test('lookups come from memory; a change on any instance is seen at once on every one', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const state = memoryState();
  const bus = new LocalEventBus();
  const a = new BlockedCallers({ state, clock, bus });
  const b = new BlockedCallers({ state, clock, bus });
  t.teardown(() => (a.close(), b.close()));

  t.equal(await b.isBlocked('13900000004'), false);
  const reads = state.lists;
  for (let i = 0; i < 100; i++) await b.isBlocked(`139000${String(i).padStart(5, '0')}`);
  t.equal(state.lists, reads, 'a hundred calls, no read of the store');

  await a.block({ phone: '+86 139-0000-0004'.replace(/[ -]/g, ''), reason: '反复辱骂坐席' }, sup);
  t.equal(await b.isBlocked('13900000004'), true, 'the other instance knows at once (bus), whatever the spelling of the number');
  t.equal(await b.isBlocked('+8613900000004'), true);
  await b.unblock('13900000004', sup);
  t.equal(await a.isBlocked('13900000004'), false, 'and the lifting too');
});

t.test('a snapshot is reloaded after refreshMs even when the bus missed the change; expiry needs no reload', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const state = memoryState();
  const deaf = { publish() {}, subscribe: () => () => {}, onMissedEvents: () => () => {}, status: () => 'local' } as unknown as LocalEventBus;
  const a = new BlockedCallers({ state, clock, bus: deaf, refreshMs: 30_000 });
  const other = new BlockedCallers({ state, clock, bus: deaf });
  t.equal(await a.isBlocked('13900000005'), false);
  await other.block({ phone: '13900000005', reason: '骚扰', days: 1 }, sup);
  t.equal(await a.isBlocked('13900000005'), false, 'not yet: the snapshot is fresh and nobody told it');
  clock.advance(30_001);
  t.equal(await a.isBlocked('13900000005'), true, 'seen after refreshMs');
  clock.advance(24 * 3600_000);
  t.equal(await a.isBlocked('13900000005'), false, 'a 1-day block ends by itself');
});

t.test('bad input is refused with a clear error; the list names who decided and until when', async (t) => {
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const a = new BlockedCallers({ state: memoryState(), clock, bus: new LocalEventBus() });
  await t.rejects(a.block({ phone: 'abc', reason: '骚扰' }, sup), { code: 'bad_phone' });
  await t.rejects(a.block({ phone: '13900000006', reason: '  ' }, sup), { code: 'reason_required' });
  await t.rejects(a.block({ phone: '13900000006', reason: '骚扰', days: 0 }, sup), { code: 'bad_days' });
  await t.rejects(a.unblock('13900000006', sup), { code: 'not_blocked' });
  const e = await a.block({ phone: '13900000006', reason: '骚扰', days: 7 }, sup);
  t.match(e, { phone: '13900000006', masked: '139****0006', by: { id: 'u-sup', name: '值班长' }, until: '2026-12-03T02:00:00.000Z' });
  t.same((await a.list()).map((x) => x.phone), ['13900000006']);
});
