import t from 'tap';
import { SqlTicketStore } from '../../../adapters/db/ticket-store.js';
import { SqlJobStore } from '../../../adapters/db/job-store.js';
import { systemClock } from '../../../src/domain/clock.js';
import { foldEvents } from '../../../src/domain/tickets/lifecycle.js';
import { AppError } from '../../../src/domain/errors.js';
import { ENGINES, freshDatabase } from '../../helpers/db.js';
import { OPERATOR, createdEvent, dispatchedEvent, newId } from '../../helpers/tickets.js';
import { foreignJob } from '../../helpers/jobs.js';

const AT = new Date('2026-11-26T02:00:00Z'); // 10:00 in Shanghai

for (const engine of ENGINES) {
  t.test(`ticket store on ${engine}`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const store = new SqlTicketStore(db);
    const jobs = new SqlJobStore(db, systemClock);
    const create = (sourceKey: string | null = null, at = AT) =>
      store.create({ id: newId(), at, actor: OPERATOR, via: 'test', sourceKey, decide: (number) => ({ events: [createdEvent(number)] }) });

    await t.test('numbers are unique and gap-free per day under concurrent creation', async (t) => {
      const made = await Promise.all(Array.from({ length: 40 }, () => create()));
      const numbers = made.map((m) => m.ticket.number).sort();
      t.equal(new Set(numbers).size, 40);
      t.same(numbers, Array.from({ length: 40 }, (_, i) => `20261126-${String(i + 1).padStart(4, '0')}`));
      const nextDay = await create(null, new Date('2026-11-26T16:30:00Z')); // 00:30 on the 27th in Shanghai
      t.equal(nextDay.ticket.number, '20261127-0001');
    });

    await t.test('a retried delivery (same source key) never makes a second ticket', async (t) => {
      const results = await Promise.all(Array.from({ length: 8 }, () => create('CA-retry-1')));
      t.equal(results.filter((r) => r.created).length, 1);
      t.equal(new Set(results.map((r) => r.ticket.id)).size, 1);
      const again = await create('CA-retry-1');
      t.equal(again.created, false);
    });

    await t.test('the stored row always equals the fold of the events', async (t) => {
      const { ticket } = await create();
      await store.mutate(ticket.id, { at: AT, actor: OPERATOR, via: 'test' }, () => ({ events: [dispatchedEvent()] }));
      await store.mutate(ticket.id, { at: AT, actor: OPERATOR, via: 'test' }, () => ({ events: [{ type: 'signed' }] }));
      const events = await store.events(ticket.id);
      t.same(events.map((e) => e.data.type), ['created', 'dispatched', 'signed']);
      const row = await store.get(ticket.id);
      t.same(foldEvents(events), row);
      t.equal(row!.state, 'handling');
      t.equal(row!.unit, '市城管局');
    });

    await t.test('an illegal transition is a conflict naming the state and the allowed actions; nothing is stored', async (t) => {
      const { ticket } = await create();
      const err = await store.mutate(ticket.id, { at: AT, actor: OPERATOR, via: 'test' }, () => ({ events: [{ type: 'signed' }] })).catch((e) => e);
      t.ok(err instanceof AppError);
      t.equal(err.kind, 'conflict');
      t.equal(err.details.state, 'accepted');
      t.ok(err.details.allowed.includes('dispatched'));
      t.match(err.message, /已受理/);
      t.equal((await store.events(ticket.id)).length, 1);
    });

    await t.test('timers are stored with the change, and cancelled by prefix', async (t) => {
      const { ticket } = await create();
      await store.mutate(ticket.id, { at: AT, actor: OPERATOR, via: 'test' }, () => ({
        events: [dispatchedEvent()],
        jobs: [
          foreignJob('x', `page:${ticket.id}:1`, AT),
          foreignJob('x', `page:${ticket.id}:2`, AT),
        ],
      }));
      t.equal((await jobs.get(`page:${ticket.id}:1`))?.status, 'pending');
      await store.mutate(ticket.id, { at: AT, actor: OPERATOR, via: 'test' }, () => ({ events: [{ type: 'signed' }], cancelJobPrefixes: [`page:${ticket.id}:`] }));
      t.equal((await jobs.get(`page:${ticket.id}:1`))?.status, 'cancelled');
      t.equal((await jobs.get(`page:${ticket.id}:2`))?.status, 'cancelled');
      // A failing decision stores neither events nor jobs.
      await store
        .mutate(ticket.id, { at: AT, actor: OPERATOR, via: 'test' }, () => ({ events: [{ type: 'signed' }], jobs: [foreignJob('x', `never:${ticket.id}`, AT)] }))
        .catch(() => null);
      t.equal(await jobs.get(`never:${ticket.id}`), null);
    });

    await t.test('jobs due at the same moment are claimed in the order they were enqueued', async (t) => {
      const due = new Date('2026-11-20T00:00:00Z');
      const keys = Array.from({ length: 12 }, (_, i) => `order-${engine}-${i}`);
      for (const key of keys) await jobs.enqueue([foreignJob('order', key, due)]);
      // Rewriting the first half moves their rows (on PostgreSQL, new tuple versions at the heap's end):
      // the order must come from the jobs, not from where the rows happen to lie.
      for (const key of keys.slice(0, 6)) await jobs.retry((await jobs.get(key))!.id, 'touched', due);
      await jobs.enqueue([foreignJob('order', `order-${engine}-earlier`, new Date(due.getTime() - 1000))]);
      const claimed = (await jobs.claim(due, 50, 'w', 60_000)).filter((j) => j.kind === 'order');
      t.same(claimed.map((j) => j.key), [`order-${engine}-earlier`, ...keys]);
    });

    await t.test('list filters and cursor pagination', async (t) => {
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: { id: string }[]; next: string | null } = await store.list({}, { limit: 7, cursor });
        all.push(...page.items.map((i) => i.id));
        cursor = page.next;
      } while (cursor);
      t.equal(new Set(all).size, all.length, 'no ticket twice');
      t.equal(all.length, (await store.countByState()).accepted! + (await store.countByState()).handling!);
      const handling = await store.list({ state: ['handling'] }, { limit: 50 });
      t.ok(handling.items.every((i) => i.state === 'handling'));
      await t.rejects(store.list({}, { limit: 5, cursor: 'bm9wZQ' }), { code: 'bad_cursor' });
    });
  });
}
