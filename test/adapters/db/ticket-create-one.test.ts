/**
 * A new ticket's write (day counter, ticket, events, jobs): on PostgreSQL one statement whose number
 * the database gives (adapters/db/ticket-store.ts createInOneStatement); the same results on SQLite.
 */
import t from 'tap';
import { SqlTicketStore } from '../../../adapters/db/ticket-store.js';
import { SqlJobStore } from '../../../adapters/db/job-store.js';
import { systemClock } from '../../../src/domain/clock.js';
import { formatTicketNumber } from '../../../src/domain/tickets/number.js';
import { ENGINES, freshDatabase } from '../../helpers/db.js';
import { OPERATOR, createdEvent, dispatchedEvent, newId } from '../../helpers/tickets.js';
import { foreignJob } from '../../helpers/jobs.js';

const AT = new Date('2026-11-26T02:00:00Z'); // 10:00 in Shanghai, day 2026-11-26

for (const engine of ENGINES) {
  t.test(`one-statement ticket create on ${engine}`, async (t) => {
    const { db } = await freshDatabase(t, engine);
    const store = new SqlTicketStore(db);
    const jobs = new SqlJobStore(db, systemClock);
    const create = (sourceKey: string | null = null, extra: { note?: boolean; jobKey?: string } = {}) =>
      store.create({
        id: newId(),
        at: AT,
        actor: OPERATOR,
        via: 'test',
        sourceKey,
        decide: (number) => ({
          events: [createdEvent(number), dispatchedEvent(), ...(extra.note ? [{ type: 'note' as const, text: `编号 ${number} 已告知来电人` }] : [])],
          jobs: extra.jobKey ? [foreignJob('test.remind', `${extra.jobKey}:${number}`, new Date(AT.getTime() + 60_000), { number, list: [number, 1] })] : [],
        }),
      });

    await t.test('the number is the day counter formatted as formatTicketNumber does, past 4 digits too', async (t) => {
      await db.db.insert(db.t.dayCounters).values({ day: '2026-11-26', n: 9997 }).onConflictDoUpdate({ target: db.t.dayCounters.day, set: { n: 9997 } });
      const made = [];
      for (let i = 0; i < 3; i++) made.push(await create());
      t.same(made.map((m) => m.ticket.number), [9998, 9999, 10000].map((n) => formatTicketNumber('2026-11-26', n)));
      t.equal(made[2]!.ticket.number, '20261126-10000');
      const stored = await store.get(made[2]!.ticket.id);
      t.equal(stored!.number, '20261126-10000', 'the stored row has it');
    });

    await t.test('the number reaches every place the decision put it: the row, the events, the jobs, and what create returns', async (t) => {
      const { ticket, jobs: made } = await create(null, { note: true, jobKey: 'remind' });
      t.match(ticket.number, /^20261126-\d{5}$/);
      const events = await store.events(ticket.id);
      t.same(events.map((e) => e.data.type), ['created', 'dispatched', 'note']);
      t.equal((events[0]!.data as { number: string }).number, ticket.number);
      t.equal((events[2]!.data as { text: string }).text, `编号 ${ticket.number} 已告知来电人`);
      const job = await jobs.get(`remind:${ticket.number}`);
      t.ok(job, 'the job key carries the number');
      t.same(job!.payload, { number: ticket.number, list: [ticket.number, 1] });
      t.same(made, [{ kind: 'test.remind', key: `remind:${ticket.number}`, runAt: new Date(AT.getTime() + 60_000), payload: { number: ticket.number, list: [ticket.number, 1] } }], 'the returned jobs too');
      t.equal(ticket.unit, '市城管局');
      t.equal(ticket.state, 'dispatched');
      t.same(await store.get(ticket.id), ticket, 'the returned ticket equals the stored one');
    });

    await t.test('a repeated source key answers with the first ticket and uses no number', async (t) => {
      const first = await create('CA-one-1');
      const again = await create('CA-one-1');
      t.equal(again.created, false);
      t.equal(again.ticket.id, first.ticket.id);
      const next = await create();
      const n = (s: string) => Number(s.split('-')[1]);
      t.equal(n(next.ticket.number), n(first.ticket.number) + 1, 'no gap left by the refused one');
    });

    await t.test('concurrent creates get consecutive numbers with their own events', async (t) => {
      const made = await Promise.all(Array.from({ length: 25 }, () => create(null, { jobKey: 'c' })));
      const numbers = made.map((m) => Number(m.ticket.number.split('-')[1])).sort((a, b) => a - b);
      t.same(numbers, Array.from({ length: 25 }, (_, i) => numbers[0]! + i));
      for (const m of made.slice(0, 5)) t.equal(((await store.events(m.ticket.id))[0]!.data as { number: string }).number, m.ticket.number);
    });

    await t.test('a citizen typing text that looks like a placeholder gets it back unchanged', async (t) => {
      const { ticket } = await store.create({ id: newId(), at: AT, actor: OPERATOR, via: 'test', sourceKey: null, decide: (number) => ({ events: [{ ...createdEvent(number), content: 'suban-number-00000000-0000-0000-0000-000000000000 路灯坏了' }] }) });
      t.equal((await store.get(ticket.id))!.content, 'suban-number-00000000-0000-0000-0000-000000000000 路灯坏了');
    });
  });
}
