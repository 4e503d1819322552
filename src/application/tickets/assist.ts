/**
 * 协办, emergency 联动 and 现场处置 (the plan, 任务 5 and 6) over the ticket service: the office adds
 * or removes supporting units, a 协办 unit signs and replies its own part, an operator starts a 联动
 * for a 突发事件 (the configured units become 协办 and every unit's duty person is paged, each page
 * on its own), and the units record who they sent to the scene and when they got there.
 *
 * Timers (part deadlines, 联动 pages) are set by tickets/timers.ts with the change itself; their
 * handlers are registered here.
 */
import type { Clock } from '../../domain/clock.js';
import { conflict, forbidden, invalid } from '../../domain/errors.js';
import { actorOf, mayAct, type Principal } from '../../domain/policy.js';
import { EMERGENCY_TYPES, isEmergencyType, linkageUnits, openPartsWarning, partOf, type EmergencyType, type LinkageConfig } from '../../domain/tickets/assist.js';
import type { TicketEventData } from '../../domain/tickets/events.js';
import type { Actor, Attachment, Ticket } from '../../domain/tickets/ticket.js';
import type { JobHandlers } from '../ports/jobs.js';
import type { SmsSender } from '../ports/messaging.js';
import type { DeadlineCalendar } from '../ports/routing.js';
import type { TicketFilter, TicketStore } from '../ports/tickets.js';
import type { UnitStore } from '../ports/users.js';
import type { TicketService } from './service.js';
import { JOB } from '../ports/jobs.js';

export const ASSIST_ACTOR: Actor = { id: 'supervision', role: 'system', name: '督办系统' };

/** What the 联动 pages go through (application/paging). */
export interface LinkagePager {
  start(ticketId: string, reason: 'assist' | 'manual' | 'urgent', by: { id: string; name?: string }, sourceKey?: string | null, assistUnit?: string): Promise<{ created: boolean }>;
}

export interface AssistDeps {
  tickets: Pick<TicketService, 'act' | 'apply' | 'get'>;
  store: Pick<TicketStore, 'get' | 'list'>;
  calendar: Pick<DeadlineCalendar, 'deadlines'>;
  clock: Clock;
  units: () => Set<string>;
  linkage: LinkageConfig;
  pager?: LinkagePager | null;
  sms?: SmsSender | null;
  unitStore?: Pick<UnitStore, 'get'>;
  /** the unit's on-duty person's phone now */
  dutyPhone?: (unit: string, at: Date) => Promise<string | null>;
  log: { warn(o: object, m?: string): void };
}

export interface OnSiteInput {
  /** the unit whose people were sent (a unit user: its own unit; the office: any unit on the ticket, default the lead) */
  unit?: string | null;
  sentAt?: string | null;
  people: string[];
  count?: number | null;
  equipment?: string[];
  note?: string | null;
  attachments?: Attachment[];
}

const cleanList = (xs: string[] | undefined) => [...new Set((xs ?? []).map((x) => x.trim()).filter(Boolean))];

export class AssistService {
  constructor(private readonly d: AssistDeps) {}

  get linkageConfig(): LinkageConfig {
    return this.d.linkage;
  }

  private partEvents(t: Ticket, units: string[], now: Date, note?: string, linkage = false): TicketEventData[] {
    const out: TicketEventData[] = [];
    for (const unit of units) {
      if (unit === t.unit || partOf(t, unit)) continue;
      // The same SLA rules as the lead unit's: the category's sign and reply limits (即办: on the clock), from now.
      const dl = this.d.calendar.deadlines({ category: t.category, urgent: t.urgent, from: now });
      out.push({ type: 'assist_added', unit, signDeadline: dl.signBy.toISOString(), replyDeadline: dl.replyBy.toISOString(), ...(note ? { note } : {}), ...(linkage ? { linkage: true } : {}) });
    }
    return out;
  }

  private checkUnits(units: string[]): string[] {
    const list = cleanList(units);
    if (!list.length) throw invalid('unit_required', '请选择协办单位');
    if (list.length > 30) throw invalid('too_many_units', '一次最多增加 30 个协办单位');
    const unknown = list.filter((u) => !this.d.units().has(u));
    if (unknown.length) throw invalid('unknown_unit', `未知的承办单位:${unknown.join('、')}`);
    return list;
  }

  /** 协办: the office adds supporting units (at dispatch or later). Units already on the ticket are skipped. */
  async add(p: Principal, id: string, units: string[], note?: string): Promise<Ticket> {
    const list = this.checkUnits(units);
    return this.d.tickets.act(p, id, 'assist', 'console', (t, now) => {
      if (list.includes(t.unit ?? '')) throw conflict('assist_is_lead', `${t.unit} 是该工单的主办单位，不能同时协办`);
      const events = this.partEvents(t, list, now, note?.trim() || undefined);
      if (!events.length) throw conflict('already_assisting', `${list.join('、')} 已是该工单的协办单位`);
      return events;
    });
  }

  async remove(p: Principal, id: string, unit: string, reason?: string): Promise<Ticket> {
    return this.d.tickets.act(p, id, 'assist', 'console', () => [{ type: 'assist_removed', unit, ...(reason?.trim() ? { reason: reason.trim() } : {}) }]);
  }

  /** A 协办 unit signs its part. */
  sign(p: Principal, id: string, via = 'console'): Promise<Ticket> {
    return this.d.tickets.act(p, id, 'assist_sign', via, () => [{ type: 'assist_signed', unit: this.ownUnit(p) }]);
  }

  /** A 协办 unit replies its part (text and attachments); the lead unit reads it on the ticket. */
  reply(p: Principal, id: string, reply: string, attachments?: Attachment[]): Promise<Ticket> {
    if (!reply.trim()) throw invalid('reply_required', '答复内容不能为空');
    return this.d.tickets.act(p, id, 'assist_reply', 'console', () => [{ type: 'assist_replied', unit: this.ownUnit(p), reply: reply.trim(), ...(attachments?.length ? { attachments } : {}) }]);
  }

  private ownUnit(p: Principal): string {
    if (p.role !== 'unit' || !p.unit) throw forbidden();
    return p.unit;
  }

  /** The warning the lead unit sees before (and gets with) a reply while parts are still open. */
  async replyWarning(p: Principal, id: string): Promise<string | null> {
    return openPartsWarning(await this.d.tickets.get(p, id));
  }

  /**
   * 联动 for a 突发事件: the configured units (config/linkage.yaml) become 协办 and, with the lead
   * unit, are paged at once — one page per unit, each with its own acknowledgement and escalation.
   */
  async startLinkage(p: Principal, id: string, emergencyType: string, note?: string, extraUnits: string[] = []): Promise<{ ticket: Ticket; units: string[] }> {
    if (!isEmergencyType(emergencyType)) throw invalid('bad_emergency_type', `突发事件类型应为 ${EMERGENCY_TYPES.join('、')} 之一`);
    const extra = extraUnits.length ? this.checkUnits(extraUnits) : [];
    let paged: string[] = [];
    const ticket = await this.d.tickets.act(p, id, 'assist', 'console', (t, now) => {
      if (!t.unit || t.state === 'accepted' || t.state === 'returned') throw conflict('no_lead_unit', `工单 ${t.number} 尚未派给主办单位，请先派单再启动联动`);
      if (t.emergencyType) throw conflict('linkage_started', `工单 ${t.number} 已启动过${t.emergencyType}联动`);
      const units = [...new Set([...linkageUnits(this.d.linkage, emergencyType as EmergencyType), ...extra])].filter((u) => u !== t.unit);
      const added = this.partEvents(t, units, now, note?.trim() || `${emergencyType}应急联动`, true);
      paged = units;
      return [{ type: 'linkage_started', emergencyType: emergencyType as EmergencyType, units, ...(note?.trim() ? { note: note.trim() } : {}) }, ...added];
    });
    return { ticket, units: paged };
  }

  /** 现场处置: a unit records who it sent to the scene, how many, with what, and when. */
  recordDispatch(p: Principal, id: string, input: OnSiteInput): Promise<Ticket> {
    const people = cleanList(input.people);
    const equipment = cleanList(input.equipment);
    const count = input.count ?? people.length;
    if (!people.length && !input.count) throw invalid('people_required', '请填写出动人员姓名或人数');
    return this.d.tickets.act(p, id, 'onsite', 'console', (t, now) => {
      const unit = this.siteUnit(p, t, input.unit);
      const sentAt = input.sentAt ? new Date(input.sentAt) : now;
      if (Number.isNaN(sentAt.getTime())) throw invalid('bad_time', `无效的时间:${input.sentAt}`);
      if (sentAt.getTime() > now.getTime() + 5 * 60_000) throw invalid('future_time', '出发时间不能晚于现在');
      return [
        {
          type: 'onsite_dispatched',
          unit,
          sentAt: sentAt.toISOString(),
          people,
          count,
          equipment,
          ...(input.note?.trim() ? { note: input.note.trim() } : {}),
          ...(input.attachments?.length ? { attachments: input.attachments.map((a) => ({ ...a, note: a.note ?? `${unit}现场照片` })) } : {}),
        },
      ];
    });
  }

  /** 现场处置: the people arrived (console); photos from the scene go with it. */
  recordArrival(p: Principal, id: string, input: { unit?: string | null; arrivedAt?: string | null; attachments?: Attachment[] }): Promise<Ticket> {
    return this.d.tickets.act(p, id, 'onsite', 'console', (t, now) => {
      const unit = this.siteUnit(p, t, input.unit);
      const at = input.arrivedAt ? new Date(input.arrivedAt) : now;
      if (Number.isNaN(at.getTime())) throw invalid('bad_time', `无效的时间:${input.arrivedAt}`);
      if (at.getTime() > now.getTime() + 5 * 60_000) throw invalid('future_time', '到达时间不能晚于现在');
      return [{ type: 'onsite_arrived', unit, arrivedAt: at.toISOString(), via: 'console', ...(input.attachments?.length ? { attachments: input.attachments.map((a) => ({ ...a, note: a.note ?? `${unit}现场照片` })) } : {}) }];
    });
  }

  /** The unit a principal records for: a unit user its own; the office the one it names, else the lead. */
  private siteUnit(p: Principal, t: Ticket, asked?: string | null): string {
    if (p.role === 'unit') {
      if (asked && asked !== p.unit) throw forbidden();
      return p.unit!;
    }
    const unit = asked?.trim() || t.unit;
    if (!unit) throw conflict('no_lead_unit', `工单 ${t.number} 尚未派单`);
    return unit;
  }

  /** The tickets a unit supports as 协办 (its inbox's 协办 list). */
  list(p: Principal, f: TicketFilter, page: { limit: number; cursor?: string | null }) {
    if (p.role !== 'unit' || !p.unit) throw forbidden();
    return this.d.store.list({ ...f, assisting: p.unit }, page);
  }

  // ---- timers ----

  register(runner: JobHandlers): void {
    runner.register(JOB.assistSignDue, (j) => this.onDue(j.payload, 'sign'));
    runner.register(JOB.assistReplyDue, (j) => this.onDue(j.payload, 'reply'));
    runner.register(JOB.linkagePage, (j) => this.onLinkagePage(j.payload, j.key));
  }

  /** A part's deadline passed with the part still owed: 督办 of the part, and its unit is told. */
  private async onDue(p: { ticketId: string; unit: string }, phase: 'sign' | 'reply'): Promise<void> {
    const t = await this.d.store.get(p.ticketId);
    const part = t ? partOf(t, p.unit) : null;
    if (!t || !part) return;
    const now = this.d.clock.now();
    const deadline = new Date(phase === 'sign' ? part.signDeadline : part.replyDeadline);
    if (deadline.getTime() > now.getTime()) return;
    if (phase === 'sign' ? part.state !== 'dispatched' : part.state !== 'dispatched' && part.state !== 'signed') return;
    const why = phase === 'sign' ? '超过签收时限未签收协办' : '超过办理时限未答复协办';
    await this.d.tickets.apply(t.id, ASSIST_ACTOR, 'system', (cur) => {
      const cp = partOf(cur, p.unit);
      return cp && (cp.state === 'dispatched' || cp.state === 'signed') ? [{ type: 'assist_supervised', unit: p.unit, level: '督办', note: why }] : [];
    });
    await this.tellUnit(p.unit, `【12345督办】工单${t.number}（协办）${why}，已列入督办，请立即办理。`, `assist-supervision:${t.id}:${p.unit}:${phase}:${deadline.getTime()}`, now);
  }

  private async tellUnit(unit: string, text: string, ref: string, now: Date) {
    if (!this.d.sms) return;
    const u = await this.d.unitStore?.get(unit).catch(() => null);
    const duty = await this.d.dutyPhone?.(unit, now).catch(() => null);
    for (const to of [...new Set([duty, u?.headPhone].filter((x): x is string => !!x))]) {
      try {
        await this.d.sms.send({ to, text, ref: `${ref}:${to}` });
      } catch (err) {
        this.d.log.warn({ err: String(err), unit }, 'assist supervision SMS not sent');
      }
    }
  }

  /** One 联动 page: the 协办 unit's own (reason assist), or the lead unit's (its 即办 page when it still waits to sign). */
  private async onLinkagePage(p: { ticketId: string; unit: string | null }, key: string): Promise<void> {
    if (!this.d.pager) return;
    const t = await this.d.store.get(p.ticketId);
    if (!t || t.state === 'closed' || t.state === 'merged') return;
    const by = { id: 'linkage', name: '应急联动' };
    if (p.unit) {
      if (!t.assists.some((a) => a.unit === p.unit && a.state === 'dispatched')) return;
      await this.d.pager.start(t.id, 'assist', by, key, p.unit);
      return;
    }
    if (!t.unit) return;
    await this.d.pager.start(t.id, t.state === 'dispatched' && t.urgent ? 'urgent' : 'manual', by, key);
  }
}
