/**
 * 市长热线日 (the plan §二.5: 对无法决断的问题，提交"市长热线日"调度). A 联席会议 item the meeting cannot
 * decide goes on the next dated agenda; each unit's stated position is recorded beside it, and the
 * decision taken on the day is written back onto every ticket of the item (`mayor_day_decided`, on the
 * timeline), reassigning the unit when the decision says so (through the ordinary lifecycle events:
 * 派单, or 退单/重办 then 派单 for a ticket a unit already holds).
 *
 * Agendas and items are state documents (one per agenda, one per item), like the 联席会议 list.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import { conflict, forbidden, invalid, notFound } from '../../domain/errors.js';
import { actorOf, DECIDER_ROLES, type Principal } from '../../domain/policy.js';
import type { TicketEventData } from '../../domain/tickets/events.js';
import type { Ticket } from '../../domain/tickets/ticket.js';
import { JOINT_MEETING_SCOPE, type JointMeetingItem } from '../hotspots/service.js';
import type { StateStore } from '../ports/misc.js';
import type { DeadlineCalendar } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import type { TicketService } from '../tickets/service.js';

export const MAYOR_DAY_SCOPE = 'mayor-day';
export const MAYOR_DAY_ITEM_SCOPE = 'mayor-day-item';

export interface MayorDayAgenda {
  id: string;
  /** YYYY-MM-DD (Asia/Shanghai) */
  date: string;
  title: string;
  createdBy: string;
  createdAt: string;
}

export interface UnitPosition {
  unit: string;
  position: string;
  by: string;
  at: string;
}

export interface MayorDayItem {
  id: string;
  agendaId: string;
  /** the 联席会议 item it came from (its key in that list), or null when tickets were chosen by hand */
  jointMeetingKey: string | null;
  title: string;
  ticketIds: string[];
  numbers: string[];
  note: string | null;
  positions: UnitPosition[];
  decision: { text: string; unit: string | null; by: string; at: string } | null;
  addedBy: string;
  addedAt: string;
}

export interface AgendaView extends MayorDayAgenda {
  items: (MayorDayItem & { tickets: { id: string; number: string; unit: string | null; state: string; content: string }[] })[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const localDate = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

export class MayorDayService {
  constructor(private readonly d: { state: StateStore; store: TicketStore; tickets: TicketService; calendar: DeadlineCalendar; clock: Clock; units: () => Set<string> }) {}

  private decider(p: Principal) {
    if (!DECIDER_ROLES.includes(p.role)) throw forbidden();
  }

  async createAgenda(p: Principal, input: { date: string; title?: string }): Promise<MayorDayAgenda> {
    this.decider(p);
    if (!DATE.test(input.date) || Number.isNaN(Date.parse(`${input.date}T00:00:00+08:00`))) throw invalid('bad_date', '日期格式应为 YYYY-MM-DD');
    const now = this.d.clock.now();
    const a: MayorDayAgenda = { id: randomUUID(), date: input.date, title: input.title?.trim() || `${input.date} 市长热线日`, createdBy: p.name, createdAt: now.toISOString() };
    await this.d.state.put(MAYOR_DAY_SCOPE, a.id, a, now);
    return a;
  }

  /** Every agenda, the next one first, then past ones newest first; each with its items and their tickets. */
  async agendas(p: Principal): Promise<AgendaView[]> {
    this.decider(p);
    const now = this.d.clock.now();
    const today = localDate(now);
    const agendas = (await this.d.state.list<MayorDayAgenda>(MAYOR_DAY_SCOPE, now)).map((r) => r.doc);
    const items = (await this.d.state.list<MayorDayItem>(MAYOR_DAY_ITEM_SCOPE, now)).map((r) => r.doc);
    const upcoming = agendas.filter((a) => a.date >= today).sort((a, b) => a.date.localeCompare(b.date));
    const past = agendas.filter((a) => a.date < today).sort((a, b) => b.date.localeCompare(a.date));
    const out: AgendaView[] = [];
    for (const a of [...upcoming, ...past]) {
      const its = items.filter((i) => i.agendaId === a.id).sort((x, y) => x.addedAt.localeCompare(y.addedAt));
      const withTickets = [];
      for (const i of its) {
        const tickets = [];
        for (const id of i.ticketIds) {
          const t = await this.d.store.get(id);
          if (t) tickets.push({ id: t.id, number: t.number, unit: t.unit, state: t.state, content: t.content.slice(0, 120) });
        }
        withTickets.push({ ...i, tickets });
      }
      out.push({ ...a, items: withTickets });
    }
    return out;
  }

  /** The 联席会议 items not yet put on an agenda, with their keys. */
  async candidates(p: Principal): Promise<(JointMeetingItem & { key: string })[]> {
    this.decider(p);
    const now = this.d.clock.now();
    const taken = new Set((await this.d.state.list<MayorDayItem>(MAYOR_DAY_ITEM_SCOPE, now)).map((r) => r.doc.jointMeetingKey).filter(Boolean));
    return (await this.d.state.list<JointMeetingItem>(JOINT_MEETING_SCOPE, now)).filter((r) => !taken.has(r.key)).map((r) => ({ ...r.doc, key: r.key }));
  }

  /**
   * 提交市长热线日: a matter the 联席会议 could not decide (by its key in that list), or tickets chosen by
   * hand, goes on the next agenda (the earliest from today on; `agendaId` picks another).
   */
  async addItem(p: Principal, input: { jointMeetingKey?: string; ticketIds?: string[]; title?: string; note?: string; agendaId?: string }): Promise<MayorDayItem> {
    this.decider(p);
    const now = this.d.clock.now();
    let agenda: MayorDayAgenda | null;
    if (input.agendaId) {
      agenda = await this.d.state.get<MayorDayAgenda>(MAYOR_DAY_SCOPE, input.agendaId, now);
      if (!agenda) throw notFound('agenda', input.agendaId);
    } else {
      const today = localDate(now);
      agenda = (await this.d.state.list<MayorDayAgenda>(MAYOR_DAY_SCOPE, now)).map((r) => r.doc).filter((a) => a.date >= today).sort((a, b) => a.date.localeCompare(b.date))[0] ?? null;
      if (!agenda) throw conflict('no_agenda', '还没有安排下一次市长热线日，请先新建');
    }
    let ticketIds: string[];
    let title = input.title?.trim() || '';
    let jointMeetingKey: string | null = null;
    if (input.jointMeetingKey) {
      const jm = await this.d.state.get<JointMeetingItem>(JOINT_MEETING_SCOPE, input.jointMeetingKey, now);
      if (!jm) throw notFound('joint_meeting_item', input.jointMeetingKey);
      const existing = (await this.d.state.list<MayorDayItem>(MAYOR_DAY_ITEM_SCOPE, now)).find((r) => r.doc.jointMeetingKey === input.jointMeetingKey);
      if (existing) throw conflict('already_on_agenda', '该联席会议事项已提交市长热线日');
      ticketIds = jm.ticketIds;
      title ||= jm.title;
      jointMeetingKey = input.jointMeetingKey;
    } else {
      ticketIds = [...new Set(input.ticketIds ?? [])];
      if (!ticketIds.length) throw invalid('subject_required', '请选择联席会议事项或工单');
    }
    const tickets: Ticket[] = [];
    for (const id of ticketIds) {
      const t = await this.d.store.get(id);
      if (!t) throw notFound('ticket', id);
      tickets.push(t);
    }
    title ||= tickets.map((t) => t.number).join('、');
    const item: MayorDayItem = { id: randomUUID(), agendaId: agenda.id, jointMeetingKey, title, ticketIds, numbers: tickets.map((t) => t.number), note: input.note?.trim() || null, positions: [], decision: null, addedBy: p.name, addedAt: now.toISOString() };
    await this.d.state.put(MAYOR_DAY_ITEM_SCOPE, item.id, item, now);
    for (const t of tickets) {
      await this.d.tickets.apply(t.id, actorOf(p), 'console', (cur) => (cur.state === 'merged' ? [] : [{ type: 'note', text: `联席会议无法决断，提交${agenda.date}市长热线日调度：${title}` }]));
    }
    return item;
  }

  private async item(agendaId: string, itemId: string): Promise<MayorDayItem> {
    const i = await this.d.state.get<MayorDayItem>(MAYOR_DAY_ITEM_SCOPE, itemId, this.d.clock.now());
    if (!i || i.agendaId !== agendaId) throw notFound('agenda_item', itemId);
    return i;
  }

  /** A unit's stated position on an item (recorded by the 热线办 before or on the day; one per unit, the last wins). */
  async setPosition(p: Principal, agendaId: string, itemId: string, input: { unit: string; position: string }): Promise<MayorDayItem> {
    this.decider(p);
    if (!this.d.units().has(input.unit)) throw invalid('unknown_unit', `未知的单位:${input.unit}`);
    if (!input.position.trim()) throw invalid('position_required', '请填写单位意见');
    const i = await this.item(agendaId, itemId);
    if (i.decision) throw conflict('decided', '该事项已有决定');
    const now = this.d.clock.now();
    const next = { ...i, positions: [...i.positions.filter((x) => x.unit !== input.unit), { unit: input.unit, position: input.position.trim(), by: p.name, at: now.toISOString() }] };
    await this.d.state.put(MAYOR_DAY_ITEM_SCOPE, i.id, next, now);
    return next;
  }

  /**
   * The decision of the day: written onto each ticket as `mayor_day_decided`; with `unit`, each ticket
   * not with that unit yet is reassigned to it (new deadlines from now).
   */
  async decide(p: Principal, agendaId: string, itemId: string, input: { decision: string; unit?: string | null }): Promise<MayorDayItem> {
    this.decider(p);
    const text = input.decision.trim();
    if (!text) throw invalid('decision_required', '请填写决定');
    const unit = input.unit?.trim() || null;
    if (unit && !this.d.units().has(unit)) throw invalid('unknown_unit', `未知的承办单位:${unit}`);
    const i = await this.item(agendaId, itemId);
    if (i.decision) throw conflict('decided', '该事项已有决定');
    const agenda = await this.d.state.get<MayorDayAgenda>(MAYOR_DAY_SCOPE, agendaId, this.d.clock.now());
    if (!agenda) throw notFound('agenda', agendaId);
    const now = this.d.clock.now();
    const decided = { ...i, decision: { text, unit, by: p.name, at: now.toISOString() } };
    // Recorded first, so a failure on one ticket leaves the item decided and the rest retried by hand.
    await this.d.state.put(MAYOR_DAY_ITEM_SCOPE, i.id, decided, now);
    for (const id of i.ticketIds) {
      await this.d.tickets.apply(id, actorOf(p), 'console', (t, at) => this.decisionEvents(t, { agendaId, date: agenda.date, text, unit }, at));
    }
    return decided;
  }

  private decisionEvents(t: Ticket, d: { agendaId: string; date: string; text: string; unit: string | null }, at: Date): TicketEventData[] {
    if (t.state === 'merged') return [];
    const events: TicketEventData[] = [{ type: 'mayor_day_decided', agendaId: d.agendaId, date: d.date, decision: d.text, unit: d.unit }];
    if (!d.unit || d.unit === t.unit) return events;
    const note = `市长热线日(${d.date})决定改由${d.unit}承办`;
    // To the new unit through the ordinary lifecycle: a unit that holds it hands it back first; a reply
    // or a closing is reopened. Other states (a reply under review) keep the decision only: reassign by hand.
    const s: string = t.state;
    if (s === 'handling') events.push({ type: 'returned', reason: note });
    else if (s === 'replied' || s === 'closed') events.push({ type: 'reopened', reason: note, toOperator: true });
    else if (s !== 'accepted' && s !== 'returned' && s !== 'dispatched') return events;
    const dl = this.d.calendar.deadlines({ category: t.category, urgent: t.urgent, from: at });
    events.push({ type: 'dispatched', unit: d.unit, signDeadline: dl.signBy.toISOString(), replyDeadline: dl.replyBy.toISOString(), note });
    return events;
  }
}
