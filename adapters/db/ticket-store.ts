import { and, asc, desc, eq, getTableColumns, getTableName, gte, inArray, like, lt, or, sql, count, type SQL } from 'drizzle-orm';
import type { Change, Decision, TicketFilter, TicketStore } from '../../src/application/ports/tickets.js';
import { invalid, notFound } from '../../src/domain/errors.js';
import type { TicketEvent } from '../../src/domain/tickets/events.js';
import { applyEvent, assertTransition } from '../../src/domain/tickets/lifecycle.js';
import { formatTicketNumber, numberDay } from '../../src/domain/tickets/number.js';
import type { Attachment, Channel, Category, FollowUpResult, GeoPoint, Ticket, TicketOwner, TicketState } from '../../src/domain/tickets/ticket.js';
import type { GridTask, Publication } from '../../src/domain/tickets/grid.js';
import { assistUnitsKey, type AssistPart, type EmergencyType, type OnSiteRecord } from '../../src/domain/tickets/assist.js';
import type { Database, Db } from './database.js';
import { randomUUID } from 'node:crypto';
import { columnJson, jsonInsertSql, placeholders, prepared } from './prepared.js';
import { insertJobs, cancelJobsByPrefix, jobRow, JOB_INSERT_KEYS } from './job-store.js';

type Row = Database['t']['tickets']['$inferSelect'];
type EventRow = Database['t']['ticketEvents']['$inferSelect'];

const ms = (d: Date | null) => (d ? d.getTime() : null);
const date = (n: number | null) => (n === null || n === undefined ? null : new Date(Number(n)));

function toTicket(r: Omit<Row, 'classification' | 'placeKey' | 'gridWorker' | 'gridReporter' | 'publishedAt' | 'assistUnits'>): Ticket {
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
    owner: (r.owner as TicketOwner | null) ?? null,
    ownerDeadline: date(r.ownerDeadline),
    reopenCount: r.reopenCount,
    supervision: r.supervision as Ticket['supervision'],
    pendingExtensionDays: r.pendingExtensionDays,
    lastReply: r.lastReply,
    followUp: (r.followUp as FollowUpResult | null) ?? null,
    grid: (r.grid as GridTask | null) ?? null,
    publication: (r.publication as Publication | null) ?? null,
    emergencyType: (r.emergencyType as EmergencyType | null) ?? null,
    assists: (r.assists as AssistPart[] | null) ?? [],
    onSite: (r.onSite as OnSiteRecord[] | null) ?? [],
    location: (r.location as GeoPoint | null) ?? null,
    createdAt: new Date(Number(r.createdAt)),
    updatedAt: new Date(Number(r.updatedAt)),
    version: r.version,
  };
}

function toRow(t: Ticket): Omit<Row, 'day' | 'sourceKey' | 'classification' | 'placeKey'> {
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
    owner: t.owner,
    ownerDeadline: ms(t.ownerDeadline),
    reopenCount: t.reopenCount,
    supervision: t.supervision,
    pendingExtensionDays: t.pendingExtensionDays,
    lastReply: t.lastReply,
    followUp: t.followUp,
    grid: t.grid,
    gridWorker: t.grid?.workerId ?? null,
    gridReporter: t.grid?.reporterId ?? null,
    publication: t.publication,
    publishedAt: t.publication ? Date.parse(t.publication.at) : null,
    emergencyType: t.emergencyType,
    assists: t.assists.length ? t.assists : null,
    assistUnits: assistUnitsKey(t),
    onSite: t.onSite.length ? t.onSite : null,
    location: t.location,
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

/** Every column a new ticket row has: the insert's placeholders. */
const TICKET_INSERT_KEYS = [
  'id', 'number', 'day', 'channel', 'contact', 'contactName', 'content', 'category', 'urgent', 'unit', 'township', 'place', 'attachments', 'state',
  'signDeadline', 'replyDeadline', 'noCallback', 'externalRef', 'reviewer', 'mergedInto', 'owner', 'ownerDeadline', 'reopenCount', 'supervision', 'pendingExtensionDays',
  'lastReply', 'followUp', 'grid', 'gridWorker', 'gridReporter', 'publication', 'publishedAt', 'emergencyType', 'assists', 'assistUnits', 'onSite', 'location', 'classification', 'createdAt', 'updatedAt', 'version', 'sourceKey', 'placeKey',
] as const satisfies readonly (keyof Row)[];
// A column added to the table but not to the list above would silently stay empty: make that a type error.
const everyColumnInserted: Exclude<keyof Row, (typeof TICKET_INSERT_KEYS)[number]> extends never ? true : false = true;
void everyColumnInserted;
const EVENT_INSERT_KEYS = ['ticketId', 'seq', 'at', 'type', 'actorId', 'actorRole', 'actorName', 'via', 'data'] as const;

type CreateInput = Change & { id: string; sourceKey: string | null; decide: (number: string) => Decision; classification?: unknown; placeKey?: string | null };

/** Stands for a new ticket's number until the database has given it (see createInOneStatement); JSON-safe, unguessable. */
const NUMBER_MARK = `suban-number-${randomUUID()}`;

/** Replaces NUMBER_MARK in every string of plain objects and arrays, in place (Dates and other objects are left alone). */
function replaceMark(v: unknown, number: string): unknown {
  if (typeof v === 'string') return v.includes(NUMBER_MARK) ? v.split(NUMBER_MARK).join(number) : v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = replaceMark(v[i], number);
  } else if (v && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = replaceMark(o[k], number);
  }
  return v;
}

const OPEN_STATES: TicketState[] = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'];

export class SqlTicketStore implements TicketStore {
  /** Every column but the classifier's evidence (large JSON, read only by `classification()`) and the place index key. */
  private readonly cols: Omit<ReturnType<typeof getTableColumns<Database['t']['tickets']>>, 'classification' | 'placeKey'>;

  /** The statements of intake and 并单 search, built once (see prepared.ts). */
  private readonly q;

  constructor(private readonly d: Database) {
    const { classification: _c, placeKey: _p, ...cols } = getTableColumns(d.t.tickets);
    this.cols = cols;
    const { tickets: tk, ticketEvents, dayCounters } = d.t;
    const recent = (db: Db, ...conds: SQL[]) =>
      db
        .select({ id: tk.id, number: tk.number, content: tk.content, contact: tk.contact, place: tk.place, unit: tk.unit })
        .from(tk)
        .where(and(inArray(tk.state, OPEN_STATES), gte(tk.createdAt, sql.placeholder('since')), ...conds))
        // No id tie-break: the (key, created_at) indexes then deliver rows in order and the scan stops at the limit.
        .orderBy(desc(tk.createdAt))
        .limit(sql.placeholder('limit'));
    this.q = {
      bySourceKey: prepared(d, 'ticket_by_source_key', (db) => db.select(cols).from(tk).where(eq(tk.sourceKey, sql.placeholder('key'))).limit(1)),
      nextNumber: prepared(d, 'ticket_next_number', (db) =>
        db
          .insert(dayCounters)
          .values({ day: sql.placeholder('day'), n: 1 })
          .onConflictDoUpdate({ target: dayCounters.day, set: { n: sql`${dayCounters.n} + 1` } })
          .returning({ n: dayCounters.n }),
      ),
      insertTicket: prepared(d, 'ticket_insert', (db) => db.insert(tk).values(placeholders(TICKET_INSERT_KEYS))),
      insertEvent: prepared(d, 'ticket_event_insert', (db) => db.insert(ticketEvents).values(placeholders(EVENT_INSERT_KEYS))),
      openByContact: prepared(d, 'tickets_open_by_contact', (db) => recent(db, eq(tk.contact, sql.placeholder('contact')))),
      openByPlace: prepared(d, 'tickets_open_by_place', (db) => recent(db, eq(tk.placeKey, sql.placeholder('placeKey')))),
      openByPlaceAndUnit: prepared(d, 'tickets_open_by_place_unit', (db) => recent(db, eq(tk.placeKey, sql.placeholder('placeKey')), eq(tk.unit, sql.placeholder('unit')))),
    };
  }

  private get t() {
    return this.d.t;
  }

  async create(input: CreateInput) {
    const { t } = this;
    try {
      if (this.d.dialect === 'pg') return await this.createInOneStatement(input);
      return await this.d.tx(async (tx) => {
        if (input.sourceKey) {
          const existing = await this.q.bySourceKey(tx).execute({ key: input.sourceKey });
          if (existing[0]) return { ticket: toTicket(existing[0]), created: false };
        }
        const day = numberDay(input.at);
        const [counter] = await this.q.nextNumber(tx).execute({ day });
        const number = formatTicketNumber(day, Number(counter!.n));
        const { decision, rows, final } = this.fold(input, number);
        await this.q.insertTicket(tx).execute(this.ticketRow(final, day, input));
        // SQLite: the prepared one-row statement per event costs less than building a multi-row one;
        // PostgreSQL: one multi-row statement, since every statement is a round trip.
        if (this.d.dialect === 'sqlite' || rows.length === 1) for (const row of rows) await this.q.insertEvent(tx).execute(row);
        else await tx.insert(t.ticketEvents).values(rows);
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

  /** The events a new ticket's decision holds, folded into the ticket, and their rows. */
  private fold(input: CreateInput, number: string) {
    const decision = input.decide(number);
    let ticket: Ticket | null = null;
    const rows = decision.events.map((data, i) => {
      if (ticket) assertTransition(ticket, data);
      ticket = applyEvent(ticket, { ticketId: input.id, at: input.at, data });
      return this.eventRow(input.id, i + 1, input, data);
    });
    return { decision, rows, final: ticket as unknown as Ticket };
  }

  private ticketRow(final: Ticket, day: string, input: CreateInput) {
    return Object.assign(toRow(final), { day, sourceKey: input.sourceKey, classification: input.classification ?? null, placeKey: input.placeKey ?? null });
  }

  /**
   * PostgreSQL: a new ticket in ONE statement, one round trip: data-modifying CTEs bump the day
   * counter, write the ticket, its events and its jobs, atomically (a single statement commits or
   * fails as a whole, so numbers stay gap-free). Before, each of these was a round trip in a
   * transaction (BEGIN, counter, ticket, events, jobs, COMMIT) that held the day counter's row lock,
   * which every intake of the day waits for, across all of them.
   *
   * The number is the counter's next value, known only in the statement: the decision is made with
   * a placeholder (an unguessable mark), the rows go to the server as JSON, and the server replaces
   * the mark with the number wherever it stands (the ticket, the events' data, the jobs), as this
   * does in the objects returned. Nothing here knows which event or column holds the number.
   * An idempotency key already there fails the insert (unique index): `create` then answers with
   * that ticket, and the counter's bump was rolled back with the statement.
   */
  private async createInOneStatement(input: CreateInput) {
    const day = numberDay(input.at);
    const { decision, rows, final } = this.fold(input, NUMBER_MARK);
    const timers = decision.timers?.(final);
    const jobs = [...(decision.jobs ?? []), ...(timers?.jobs ?? [])];
    const { tickets, ticketEvents, jobs: jobsTable } = this.t;
    const doc = JSON.stringify({
      t: columnJson(tickets, TICKET_INSERT_KEYS, this.ticketRow(final, day, input)),
      e: rows.map((r) => columnJson(ticketEvents, EVENT_INSERT_KEYS, r)),
      j: jobs.map((j) => columnJson(jobsTable, JOB_INSERT_KEYS, jobRow(j, input.at))),
    });
    const res = await this.d.pool!.query<{ n: number }>({ name: 'ticket_create_one', text: this.createSql(), values: [day, doc, NUMBER_MARK] });
    const number = formatTicketNumber(day, Number(res.rows[0]!.n));
    replaceMark(final, number);
    replaceMark(decision.events, number);
    replaceMark(jobs, number);
    return { ticket: final, created: true, jobs };
  }

  private createText: string | undefined;
  private createSql(): string {
    if (this.createText) return this.createText;
    const { tickets, ticketEvents, jobs, dayCounters } = this.t;
    const dc = `"${getTableName(dayCounters)}"`;
    const { day: dayCol, n: nCol } = getTableColumns(dayCounters);
    // formatTicketNumber in SQL (test/adapters/db/ticket-create-one.test.ts holds them equal).
    const number = `replace($1::text, '-', '') || '-' || lpad(c.n::text, greatest(4, length(c.n::text)), '0')`;
    return (this.createText = [
      `WITH c AS (INSERT INTO ${dc} ("${dayCol.name}", "${nCol.name}") VALUES ($1, 1) ON CONFLICT ("${dayCol.name}") DO UPDATE SET "${nCol.name}" = ${dc}."${nCol.name}" + 1 RETURNING "${nCol.name}" AS n),`,
      `d AS (SELECT c.n, replace($2::text, $3::text, ${number})::jsonb AS doc FROM c),`,
      `t AS (${jsonInsertSql(tickets, TICKET_INSERT_KEYS, `(SELECT doc -> 't' FROM d)`, { one: true })}),`,
      `e AS (${jsonInsertSql(ticketEvents, EVENT_INSERT_KEYS, `(SELECT doc -> 'e' FROM d)`)}),`,
      `j AS (${jsonInsertSql(jobs, JOB_INSERT_KEYS, `(SELECT doc -> 'j' FROM d)`, { onConflictDoNothing: true })})`,
      `SELECT n FROM d`,
    ].join('\n'));
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
    const [r] = await this.q.bySourceKey(this.d.db).execute({ key });
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

  async openByContact(contact: string, since: Date, limit: number) {
    return this.q.openByContact(this.d.db).execute({ contact, since: since.getTime(), limit });
  }

  async openByPlace(placeKey: string, unit: string | null, since: Date, limit: number) {
    return unit
      ? this.q.openByPlaceAndUnit(this.d.db).execute({ placeKey, unit, since: since.getTime(), limit })
      : this.q.openByPlace(this.d.db).execute({ placeKey, since: since.getTime(), limit });
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
    // A unit's inbox: the tickets it leads, and with withAssists those it supports (协办).
    if (f.unit) conds.push(f.withAssists ? or(eq(tk.unit, f.unit), like(tk.assistUnits, `%|${f.unit.replace(/[%_\\]/g, '')}|%`))! : eq(tk.unit, f.unit));
    if (f.assisting) conds.push(like(tk.assistUnits, `%|${f.assisting.replace(/[%_\\]/g, '')}|%`));
    if (f.channel) conds.push(eq(tk.channel, f.channel));
    if (f.urgent !== undefined) conds.push(eq(tk.urgent, f.urgent));
    if (f.contact) conds.push(eq(tk.contact, f.contact));
    if (f.from) conds.push(gte(tk.createdAt, f.from.getTime()));
    if (f.to) conds.push(lt(tk.createdAt, f.to.getTime()));
    if (f.needsDispatch) conds.push(inArray(tk.state, ['accepted', 'returned']));
    if (f.gridUser) conds.push(or(eq(tk.gridWorker, f.gridUser), eq(tk.gridReporter, f.gridUser))!);
    if (f.published) conds.push(and(eq(tk.state, 'closed'), sql`${tk.publishedAt} is not null`)!);
    if (f.overdueAt) {
      const at = f.overdueAt.getTime();
      conds.push(
        or(
          and(eq(tk.state, 'dispatched'), lt(tk.signDeadline, at)),
          and(inArray(tk.state, ['handling', 'dispatched']), lt(tk.replyDeadline, at)),
          // taken on (接手) by a hotline duty officer and not dispatched by their deadline
          and(inArray(tk.state, ['accepted', 'returned']), lt(tk.ownerDeadline, at)),
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
