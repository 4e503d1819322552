import { and, asc, desc, eq, getTableColumns, gte, inArray, like, lt, or, sql, count } from 'drizzle-orm';
import type { Change, Decision, TicketFilter, TicketStore } from '../../src/application/ports/tickets.js';
import { invalid, notFound } from '../../src/domain/errors.js';
import type { TicketEvent } from '../../src/domain/tickets/events.js';
import { applyEvent, assertTransition } from '../../src/domain/tickets/lifecycle.js';
import { formatTicketNumber, numberDay } from '../../src/domain/tickets/number.js';
import type { Attachment, Channel, Category, FollowUpResult, Ticket, TicketState } from '../../src/domain/tickets/ticket.js';
import type { Database, Db } from './database.js';
import { insertJobs, cancelJobsByPrefix } from './job-store.js';

type Row = Database['t']['tickets']['$inferSelect'];
type EventRow = Database['t']['ticketEvents']['$inferSelect'];

const ms = (d: Date | null) => (d ? d.getTime() : null);
const date = (n: number | null) => (n === null || n === undefined ? null : new Date(Number(n)));

function toTicket(r: Omit<Row, 'classification'>): Ticket {
  return {
    id: r.id,
    number: r.number,
    channel: r.channel as Channel,
    contact: r.contact,
    contactName: r.contactName,
    content: r.content,
    category: r.category as Category,
    urgent: r.urgent,
    unit: r.unit,
    township: r.township,
    place: r.place,
    attachments: r.attachments as Attachment[],
    state: r.state as TicketState,
    signDeadline: date(r.signDeadline),
    replyDeadline: date(r.replyDeadline),
    noCallback: r.noCallback,
    externalRef: r.externalRef,
    reviewer: r.reviewer,
    mergedInto: r.mergedInto,
    reopenCount: r.reopenCount,
    supervision: r.supervision as Ticket['supervision'],
    pendingExtensionDays: r.pendingExtensionDays,
    lastReply: r.lastReply,
    followUp: (r.followUp as FollowUpResult | null) ?? null,
    createdAt: new Date(Number(r.createdAt)),
    updatedAt: new Date(Number(r.updatedAt)),
    version: r.version,
  };
}

function toRow(t: Ticket): Omit<Row, 'day' | 'sourceKey' | 'classification'> {
  return {
    id: t.id,
    number: t.number,
    channel: t.channel,
    contact: t.contact,
    contactName: t.contactName,
    content: t.content,
    category: t.category,
    urgent: t.urgent,
    unit: t.unit,
    township: t.township,
    place: t.place,
    attachments: t.attachments,
    state: t.state,
    signDeadline: ms(t.signDeadline),
    replyDeadline: ms(t.replyDeadline),
    noCallback: t.noCallback,
    externalRef: t.externalRef,
    reviewer: t.reviewer,
    mergedInto: t.mergedInto,
    reopenCount: t.reopenCount,
    supervision: t.supervision,
    pendingExtensionDays: t.pendingExtensionDays,
    lastReply: t.lastReply,
    followUp: t.followUp,
    createdAt: t.createdAt.getTime(),
    updatedAt: t.updatedAt.getTime(),
    version: t.version,
  };
}

function toEvent(r: EventRow): TicketEvent {
  return {
    id: r.id,
    ticketId: r.ticketId,
    seq: r.seq,
    at: new Date(Number(r.at)),
    actorId: r.actorId,
    actorRole: r.actorRole,
    actorName: r.actorName,
    via: r.via,
    data: r.data as TicketEvent['data'],
  };
}

const isUniqueViolation = (e: unknown) => {
  const err = e as { code?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

const OPEN_STATES: TicketState[] = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'];

export class SqlTicketStore implements TicketStore {
  /** Every column but the classifier's evidence, which is large JSON and read only by `classification()`. */
  private readonly cols: Omit<ReturnType<typeof getTableColumns<Database['t']['tickets']>>, 'classification'>;

  constructor(private readonly d: Database) {
    const { classification: _c, ...cols } = getTableColumns(d.t.tickets);
    this.cols = cols;
  }

  private get t() {
    return this.d.t;
  }

  async create(input: Change & { id: string; sourceKey: string | null; decide: (number: string) => Decision; classification?: unknown }) {
    const { t } = this;
    try {
      return await this.d.tx(async (tx) => {
        if (input.sourceKey) {
          const existing = await tx.select(this.cols).from(t.tickets).where(eq(t.tickets.sourceKey, input.sourceKey)).limit(1);
          if (existing[0]) return { ticket: toTicket(existing[0]), created: false };
        }
        const day = numberDay(input.at);
        const [counter] = await tx
          .insert(t.dayCounters)
          .values({ day, n: 1 })
          .onConflictDoUpdate({ target: t.dayCounters.day, set: { n: sql`${t.dayCounters.n} + 1` } })
          .returning({ n: t.dayCounters.n });
        const number = formatTicketNumber(day, Number(counter!.n));
        const decision = input.decide(number);
        let ticket: Ticket | null = null;
        const rows = decision.events.map((data, i) => {
          if (ticket) assertTransition(ticket, data);
          ticket = applyEvent(ticket, { ticketId: input.id, at: input.at, data });
          return this.eventRow(input.id, i + 1, input, data);
        });
        const final = ticket as unknown as Ticket;
        await tx.insert(t.tickets).values({ ...toRow(final), day, sourceKey: input.sourceKey, classification: input.classification ?? null });
        await tx.insert(t.ticketEvents).values(rows);
        const timers = decision.timers?.(final);
        const jobs = [...(decision.jobs ?? []), ...(timers?.jobs ?? [])];
        if (jobs.length) await insertJobs(tx, this.d, jobs, input.at);
        return { ticket: final, created: true, jobs };
      });
    } catch (e) {
      if (input.sourceKey && isUniqueViolation(e)) {
        // A concurrent delivery of the same request won the race; answer with its ticket.
        const existing = await this.bySourceKey(input.sourceKey);
        if (existing) return { ticket: existing, created: false };
      }
      throw e;
    }
  }

  private eventRow(ticketId: string, seq: number, c: Change, data: TicketEvent['data']) {
    return {
      ticketId,
      seq,
      at: c.at.getTime(),
      type: data.type,
      actorId: c.actor.id,
      actorRole: c.actor.role,
      actorName: c.actor.name ?? null,
      via: c.via,
      data,
    };
  }

  async mutate(id: string, change: Change, decide: (t: Ticket) => Decision) {
    const { t } = this;
    return this.d.tx(async (tx) => {
      let q = tx.select(this.cols).from(t.tickets).where(eq(t.tickets.id, id)).limit(1);
      if (this.d.dialect === 'pg') q = (q as unknown as { for(s: string): typeof q }).for('update');
      const [row] = await q;
      if (!row) throw notFound('ticket', id);
      let ticket = toTicket(row);
      const decision = decide(ticket);
      const events: TicketEvent[] = [];
      for (const data of decision.events) {
        assertTransition(ticket, data);
        ticket = applyEvent(ticket, { ticketId: id, at: change.at, data });
        events.push({ ticketId: id, seq: ticket.version, at: change.at, actorId: change.actor.id, actorRole: change.actor.role, actorName: change.actor.name ?? null, via: change.via, data });
      }
      if (events.length) {
        await tx.insert(t.ticketEvents).values(events.map((e) => this.eventRow(id, e.seq, change, e.data)));
        const { id: _id, ...rest } = toRow(ticket);
        await tx.update(t.tickets).set(rest).where(eq(t.tickets.id, id));
      }
      const timers = events.length ? decision.timers?.(ticket) : undefined;
      for (const prefix of [...(decision.cancelJobPrefixes ?? []), ...(timers?.cancel ?? [])]) await cancelJobsByPrefix(tx, this.d, prefix, change.at);
      const jobs = [...(decision.jobs ?? []), ...(timers?.jobs ?? [])];
      if (jobs.length) await insertJobs(tx, this.d, jobs, change.at);
      return { ticket, events, jobs };
    });
  }

  async get(id: string) {
    const [r] = await this.d.db.select(this.cols).from(this.t.tickets).where(eq(this.t.tickets.id, id)).limit(1);
    return r ? toTicket(r) : null;
  }

  async getByNumber(number: string) {
    const [r] = await this.d.db.select(this.cols).from(this.t.tickets).where(eq(this.t.tickets.number, number)).limit(1);
    return r ? toTicket(r) : null;
  }

  async bySourceKey(key: string) {
    const [r] = await this.d.db.select(this.cols).from(this.t.tickets).where(eq(this.t.tickets.sourceKey, key)).limit(1);
    return r ? toTicket(r) : null;
  }

  async classification(id: string) {
    const [r] = await this.d.db.select({ c: this.t.tickets.classification }).from(this.t.tickets).where(eq(this.t.tickets.id, id)).limit(1);
    return r?.c ?? null;
  }

  async events(id: string) {
    const rows = await this.d.db.select().from(this.t.ticketEvents).where(eq(this.t.ticketEvents.ticketId, id)).orderBy(asc(this.t.ticketEvents.seq));
    return rows.map(toEvent);
  }

  async listBrief(f: TicketFilter, limit: number) {
    const tk = this.t.tickets;
    const conds = this.conditions(f);
    return this.d.db
      .select({ id: tk.id, number: tk.number, content: tk.content, contact: tk.contact, place: tk.place, unit: tk.unit })
      .from(tk)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(tk.createdAt), desc(tk.id))
      .limit(limit);
  }

  async list(f: TicketFilter, page: { limit: number; cursor?: string | null }) {
    const tk = this.t.tickets;
    const conds = this.conditions(f);
    const cur = decodeCursor(page.cursor);
    if (cur) conds.push(or(lt(tk.createdAt, cur.at), and(eq(tk.createdAt, cur.at), lt(tk.id, cur.id)))!);
    const rows = await this.d.db
      .select(this.cols)
      .from(tk)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(tk.createdAt), desc(tk.id))
      .limit(page.limit + 1);
    const items = rows.slice(0, page.limit).map(toTicket);
    const last = items[items.length - 1];
    return { items, next: rows.length > page.limit && last ? encodeCursor(last.createdAt.getTime(), last.id) : null };
  }

  private conditions(f: TicketFilter) {
    const tk = this.t.tickets;
    const conds = [];
    if (f.state?.length) conds.push(inArray(tk.state, f.state));
    if (f.unit) conds.push(eq(tk.unit, f.unit));
    if (f.channel) conds.push(eq(tk.channel, f.channel));
    if (f.urgent !== undefined) conds.push(eq(tk.urgent, f.urgent));
    if (f.contact) conds.push(eq(tk.contact, f.contact));
    if (f.from) conds.push(gte(tk.createdAt, f.from.getTime()));
    if (f.to) conds.push(lt(tk.createdAt, f.to.getTime()));
    if (f.needsDispatch) conds.push(inArray(tk.state, ['accepted', 'returned']));
    if (f.overdueAt) {
      const at = f.overdueAt.getTime();
      conds.push(
        or(
          and(eq(tk.state, 'dispatched'), lt(tk.signDeadline, at)),
          and(inArray(tk.state, ['handling', 'dispatched']), lt(tk.replyDeadline, at)),
        )!,
      );
    }
    if (f.place) conds.push(or(eq(tk.place, f.place), like(tk.content, `%${f.place.replace(/[%_]/g, '')}%`))!);
    if (f.q) conds.push(or(like(tk.content, `%${f.q.replace(/[%_]/g, '')}%`), eq(tk.number, f.q))!);
    return conds;
  }

  async eventsForPeriod(_from: Date, to: Date) {
    const ev = this.t.ticketEvents;
    const rows = await this.d.db
      .select({ e: ev })
      .from(ev)
      .innerJoin(this.t.tickets, eq(this.t.tickets.id, ev.ticketId))
      .where(and(lt(this.t.tickets.createdAt, to.getTime()), lt(ev.at, to.getTime())))
      .orderBy(asc(ev.ticketId), asc(ev.seq));
    const out = new Map<string, TicketEvent[]>();
    for (const { e } of rows) {
      const list = out.get(e.ticketId) ?? [];
      list.push(toEvent(e));
      out.set(e.ticketId, list);
    }
    return out;
  }

  async countByState() {
    const rows = await this.d.db.select({ state: this.t.tickets.state, n: count() }).from(this.t.tickets).groupBy(this.t.tickets.state);
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }
}

export { OPEN_STATES };

function encodeCursor(at: number, id: string) {
  return Buffer.from(`${at}:${id}`).toString('base64url');
}

function decodeCursor(c?: string | null): { at: number; id: string } | null {
  if (!c) return null;
  const s = Buffer.from(c, 'base64url').toString();
  const i = s.indexOf(':');
  const at = Number(s.slice(0, i));
  if (i < 1 || !Number.isFinite(at)) throw invalid('bad_cursor', '分页游标无效');
  return { at, id: s.slice(i + 1) };
}

export type { Db };
