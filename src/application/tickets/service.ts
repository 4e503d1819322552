import { v7 as timeOrderedUuid } from 'uuid';
import type { Clock } from '../../domain/clock.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../domain/errors.js';
import { actorOf, mayAct, OFFICE_ROLES, type Principal, type TicketAction } from '../../domain/policy.js';
import { openSignObligation } from '../../domain/kpi/contributions.js';
import type { TicketEvent, TicketEventData } from '../../domain/tickets/events.js';
import { followUpEvents } from '../../domain/tickets/followup.js';
import { parseTicketNumber } from '../../domain/tickets/number.js';
import { canonicalPlace } from '../../domain/places/crossing.js';
import { CATEGORIES, type Actor, type Attachment, type Category, type Channel, type FollowUpResult, type GeoPoint, type Ticket } from '../../domain/tickets/ticket.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { JobSpec } from '../ports/jobs.js';
import type { ClassificationResult, ClassifierPort, DeadlineCalendar } from '../ports/routing.js';
import { requestText } from '../../domain/routing/request-text.js';
import type { Change, Decision, TicketFilter, TicketStore } from '../ports/tickets.js';
import { BULK_MAX, eachTicket, type BulkItemResult } from './bulk.js';
import { findDuplicates, type DuplicateSuggestion } from './duplicates.js';
import { timersFor } from './timers.js';

export interface IntakeRequest {
  /** 网格员: the grid worker who found and reported it on patrol (channel `grid`); they follow it. */
  gridReporter?: { id: string; name: string; township: string | null } | null;
  channel: Channel;
  content: string;
  contact?: string | null;
  contactName?: string | null;
  /** An operator's choice wins over the classifier's. */
  category?: Category;
  urgent?: boolean;
  unit?: string | null;
  /** Why `unit` was chosen, for the dispatch event (default 人工派单). */
  unitReason?: string;
  /** A category suggested by the channel (an Open311 service's): wins over the classifier's, except that a 举报 it saw stays a 举报. */
  categoryHint?: Category;
  township?: string | null;
  place?: string | null;
  /** Coordinates the channel gave (Open311 lat/long, a shared WeChat location); kept on the ticket. */
  location?: GeoPoint | null;
  attachments?: Attachment[];
  noCallback?: boolean;
  externalRef?: string | null;
  reviewer?: string | null;
  /** Idempotency key of the delivery (CallSid, MsgId, platform case id...). */
  sourceKey?: string | null;
  /** Notes recorded with the intake, in the same write (a retry finds them there or not at all). */
  notes?: string[];
  /**
   * 直接答复: answered on first contact from the knowledge base, in the same write as the intake
   * (no dispatch). Channels pass category 咨询 with it.
   */
  answer?: DirectAnswer;
}

/** An answer read from the knowledge base to the citizen, instead of dispatch. */
export interface DirectAnswer {
  entryId: string | null;
  answer: string;
  /** The answer was also sent to the citizen by SMS. */
  sms?: boolean;
  /** The citizen said it solved the matter (bot 1, IVR 1): closed at once, no 回访. */
  solved?: boolean;
}

export interface IntakeResult {
  ticket: Ticket;
  created: boolean;
  classification: ClassificationResult;
  duplicates: DuplicateSuggestion[];
}

export interface TicketServiceDeps {
  /** How long the 回访 of a replied ticket with a grid worker waits for their confirmation (timers: DEFAULT_GRID_CONFIRM_MS). */
  gridConfirmMs?: number;
  store: TicketStore;
  classifier: ClassifierPort;
  calendar: DeadlineCalendar;
  clock: Clock;
  bus: EventBus;
  units: () => Set<string>;
  /** Tickets mirrored from a platform that handles them itself get no timers. */
  isMirror?: (t: Ticket) => boolean;
  /** Called after timers were stored, so the job runner looks at them now rather than at its next poll. */
  onJobs?: (earliest: Date) => void;
  /**
   * How long a 即办 flag raised by the model alone, on a channel no operator saw, waits for the
   * hotline office to confirm or clear it before the unit is paged anyway (0: page at once).
   */
  urgentCheckMs?: number;
  /** 直接答复 gets its 回访 (default) or closes at once (SUBAN_ANSWER_FOLLOWUP=false). */
  answerFollowup?: boolean;
}

/** A 即办 flag waiting for the hotline office (the desk's 待核实即办 list). */
export interface UrgentCheck {
  ticket: Ticket;
  /** when the unit is paged if nobody decides */
  until: Date;
  /** What made it 待核实, with the cue (风险措辞(万一), 宽泛规则 …), from the classifier. */
  reasons: string[];
}

/**
 * Intake and every lifecycle action of a ticket, for every channel. Authorisation is checked
 * here (not in the routes) so the phone, WeChat and API paths obey the same rules.
 */
export class TicketService {
  constructor(private readonly d: TicketServiceDeps) {}

  async classify(text: string): Promise<ClassificationResult> {
    return this.d.classifier.classify(text);
  }

  async intake(req: IntakeRequest, by: Actor, via: string): Promise<IntakeResult> {
    const content = req.content.trim();
    if (!content) throw invalid('empty_content', '诉求内容不能为空');
    if (req.unit && !this.d.units().has(req.unit)) throw invalid('unknown_unit', `未知的承办单位:${req.unit}`);
    if (req.category && !CATEGORIES.includes(req.category)) throw invalid('unknown_category', `未知的诉求类别:${req.category}`);
    const c = await this.d.classifier.classify(requestText({ content, place: req.place }));
    const at = this.d.clock.now();
    const category = req.category ?? (req.categoryHint && c.category !== '举报' ? req.categoryHint : c.category);
    // An urgent flag is never dropped: the classifier can raise one, a human can raise one.
    // 待核实 (a possible danger: risk wording, a broad rule, the model alone) is 即办 too, but its
    // page waits a few minutes on the desk's list, so that an operator, not a duty officer woken at
    // night, reads it first; recall is kept, as the page goes out when the time is up. A person
    // choosing 即办 (key 1, an operator, a 即办 keyword) pages at once.
    const urgent = !!req.urgent || c.urgent || c.urgentCheck === true;
    const checkMs = this.d.urgentCheckMs ?? 0;
    const pendingCheck = !req.urgent && !c.urgent && c.urgentCheck === true;
    const urgentCheckUntil = pendingCheck && checkMs > 0 ? new Date(at.getTime() + checkMs).toISOString() : null;
    if (req.answer && urgent) throw conflict('urgent_not_answerable', '即办诉求不能直接答复，请派单');
    if (req.answer && !req.answer.answer.trim()) throw invalid('empty_answer', '答复内容不能为空');
    const unit = req.answer ? null : (req.unit ?? (c.needsManualDispatch ? null : c.unit));
    // Time-ordered: a new ticket's key lands at the end of the id indexes (tickets, events, timers)
    // instead of on a random page, so a commit writes a few pages instead of one per index per ticket.
    const id = timeOrderedUuid();
    let decided: TicketEventData[] = [];
    const { ticket, created, jobs } = await this.d.store.create({
      id,
      at,
      actor: by,
      via,
      sourceKey: req.sourceKey ?? null,
      classification: c,
      // A crossing is one place however it is said (A和B交叉口, B/A): 并单 and hotspots match on it.
      placeKey: canonicalPlace(c.place, requestText({ content, place: req.place })),
      decide: (number) => {
        const events: TicketEventData[] = [
          {
            type: 'created',
            number,
            channel: req.channel,
            contact: req.contact ?? null,
            contactName: req.contactName ?? null,
            content,
            category,
            urgent,
            township: req.township ?? c.township,
            place: req.place ?? canonicalPlace(c.place, content),
            attachments: req.attachments ?? [],
            noCallback: !!req.noCallback,
            externalRef: req.externalRef ?? null,
            reviewer: req.reviewer ?? null,
            ...(urgentCheckUntil ? { urgentCheckUntil } : {}),
            ...(req.gridReporter ? { gridReporter: req.gridReporter } : {}),
            ...(req.location ? { location: req.location } : {}),
          },
        ];
        if (unit) events.push(this.dispatchEvent(unit, category, urgent, at, req.unit ? (req.unitReason ?? '人工派单') : `自动派单(置信度 ${c.confidence.toFixed(2)})`));
        if (req.answer) events.push(...this.answerEvents(req.answer, by, req.channel));
        for (const text of req.notes ?? []) events.push({ type: 'note', text });
        decided = events;
        return this.withTimers(events, at);
      },
    });
    if (created) this.afterChange(ticket, decided.map((e) => e.type), jobs);
    const duplicates = created ? await findDuplicates(this.d.store, ticket, c, at) : [];
    return { ticket, created, classification: c, duplicates };
  }

  private dispatchEvent(unit: string, category: Category, urgent: boolean, from: Date, note?: string): TicketEventData {
    const dl = this.d.calendar.deadlines({ category, urgent, from });
    return { type: 'dispatched', unit, signDeadline: dl.signBy.toISOString(), replyDeadline: dl.replyBy.toISOString(), note };
  }

  /** Adds the timers the events imply; computed on the folded result so deadlines and versions are final. */
  private withTimers(events: TicketEventData[], at: Date): Decision {
    return { events, timers: (after) => timersFor(after, events, this.d.calendar, at, { mirror: this.d.isMirror?.(after), gridConfirmMs: this.d.gridConfirmMs }) };
  }

  /**
   * 并单 candidates of a ticket not taken yet (the desk's draft): the same checks intake runs after
   * creating one (same caller in 72 h, same place in 24 h), so the operator sees them before dispatch.
   */
  async draftDuplicates(p: Principal, d: { content: string; contact?: string | null; place?: string | null; unit?: string | null }): Promise<DuplicateSuggestion[]> {
    if (!OFFICE_ROLES.includes(p.role)) throw forbidden();
    const content = d.content.trim();
    if (!content) return [];
    const c = await this.d.classifier.classify(requestText({ content, place: d.place }));
    const draft = { id: '', content, contact: d.contact?.trim() || null, place: d.place?.trim() || null, unit: d.unit || c.unit } as Ticket;
    return findDuplicates(this.d.store, draft, c, this.d.clock.now());
  }

  async get(p: Principal, id: string): Promise<Ticket> {
    const t = await this.d.store.get(id);
    if (!t || !mayAct(p, 'read', t)) throw notFound('ticket', id);
    return t;
  }

  async getByNumber(number: string): Promise<Ticket | null> {
    return this.d.store.getByNumber(number);
  }

  async timeline(p: Principal, id: string): Promise<TicketEvent[]> {
    await this.get(p, id);
    return this.d.store.events(id);
  }

  list(p: Principal, f: TicketFilter, page: { limit: number; cursor?: string | null }) {
    // A unit sees the tickets it leads and those it supports as 协办.
    if (p.role === 'unit') f = { ...f, unit: p.unit ?? '\u0000', withAssists: true };
    // 网格员: only what they reported or were handed; the media centre has its own view (application/grid/media.ts).
    if (p.role === 'grid') f = { ...f, gridUser: p.id };
    if (p.role === 'media') throw forbidden();
    return this.d.store.list(f, page);
  }

  /** Apply a principal's action: authorise, decide the events, store them with their timers. */
  async act(p: Principal, id: string, action: TicketAction, via: string, decide: (t: Ticket, now: Date) => TicketEventData[]): Promise<Ticket> {
    const existing = await this.d.store.get(id);
    if (!existing || !mayAct(p, 'read', existing)) throw notFound('ticket', id);
    if (!mayAct(p, action, existing)) throw forbidden();
    return this.apply(id, actorOf(p), via, (t, now) => {
      // Re-checked under the row lock: the ticket may have been re-dispatched meanwhile.
      if (!mayAct(p, action, t)) throw forbidden();
      return decide(t, now);
    });
  }

  /** Changes made by the system or a channel (paging acks, follow-up results), authorised by their caller. */
  async apply(id: string, actor: Actor, via: string, decide: (t: Ticket, now: Date) => TicketEventData[]): Promise<Ticket> {
    const at = this.d.clock.now();
    const change: Change = { at, actor, via };
    const { ticket, events, jobs } = await this.d.store.mutate(id, change, (t) => this.withTimers(this.newRounds(t, decide(t, at), at), at));
    this.afterChange(ticket, events.map((e) => e.data.type), jobs);
    return ticket;
  }

  /**
   * 重办 starts a new round: back to the unit with sign and reply deadlines counted from the
   * reopening (whoever decided it: an operator, a 回访 result), so the unit is neither 督办ed at
   * once on the old ones nor left without timers.
   */
  private newRounds(t: Ticket, events: TicketEventData[], at: Date): TicketEventData[] {
    return events.map((e) => {
      if (e.type !== 'reopened' || e.toOperator || !t.unit || e.signDeadline) return e;
      const dl = this.d.calendar.deadlines({ category: t.category, urgent: t.urgent, from: at });
      return { ...e, signDeadline: dl.signBy.toISOString(), replyDeadline: dl.replyBy.toISOString() };
    });
  }

  /** Tells the bus what changed (subscribers: paging, follow-up, screens) and the job runner when timers are due. */
  private afterChange(ticket: Ticket, eventTypes: string[], jobs: JobSpec[] = []) {
    this.d.bus.publish(TOPIC.ticket, { id: ticket.id, number: ticket.number, state: ticket.state, unit: ticket.unit, urgent: ticket.urgent, events: eventTypes });
    if (jobs.length) this.d.onJobs?.(new Date(Math.min(...jobs.map((j) => j.runAt.getTime()))));
  }

  /**
   * 直接答复: the answer event, and `closed` at once when the citizen said it solved the matter or the
   * centre's setting says answers on first contact need no 回访.
   */
  answerEvents(a: DirectAnswer, by: Actor, channel: string): TicketEventData[] {
    const events: TicketEventData[] = [{ type: 'answered', entryId: a.entryId, answer: a.answer.trim(), by: by.name ?? by.id, channel, sms: !!a.sms }];
    if (a.solved) events.push({ type: 'closed', note: '群众表示已解决(一次性答复)' });
    else if (this.d.answerFollowup === false) events.push({ type: 'closed', note: '直接答复办结(无需回访)' });
    return events;
  }

  /** 直接答复 on a ticket already taken (受理) and not yet dispatched. */
  answer(p: Principal, id: string, a: DirectAnswer) {
    if (!a.answer.trim()) throw invalid('empty_answer', '答复内容不能为空');
    return this.act(p, id, 'dispatch', 'console', (t) => {
      if (t.urgent) throw conflict('urgent_not_answerable', '即办诉求不能直接答复，请派单');
      return this.answerEvents(a, actorOf(p), t.channel);
    });
  }

  // The lifecycle actions, one method each, so routes and channels stay thin.

  /**
   * 派单. To a unit that still owes its signature (a 退单 refused, a repeated dispatch) the ticket goes
   * back with the deadlines it had: the obligation runs on, and the sign deadline shown is the one
   * its 响应率 judges (domain/kpi: openSignObligation). Otherwise new deadlines count from now.
   */
  async dispatch(p: Principal, id: string, unit: string, note?: string) {
    if (!this.d.units().has(unit)) throw invalid('unknown_unit', `未知的承办单位:${unit}`);
    const history = await this.d.store.events(id);
    return this.act(p, id, 'dispatch', 'console', (t, now) => {
      // Decided on the history read before the lock: a change in between is a conflict to retry.
      if (t.version !== history.length) throw conflict('ticket_changed', `工单 ${t.number} 刚被修改，请重试`);
      const open = openSignObligation(history);
      if (open && open.unit === unit && t.replyDeadline) {
        return [{ type: 'dispatched', unit, signDeadline: open.deadline.toISOString(), replyDeadline: t.replyDeadline.toISOString(), note: note ?? '退单未获同意，原时限继续计算' }];
      }
      return [this.dispatchEvent(unit, t.category, t.urgent, now, note)];
    });
  }

  /**
   * 接手: a duty officer of the hotline office took on a ticket waiting for dispatch (an acknowledged
   * page). They own it until it is dispatched, by its sign limit from now (30 minutes for 即办),
   * watched like a unit's (督办 when it passes). Nothing for a ticket a unit already holds.
   */
  takeOverEvents(t: Ticket, who: { id: string; name: string; phone?: string | null }, now: Date): TicketEventData[] {
    if (t.state !== 'accepted' && t.state !== 'returned') return [];
    const dl = this.d.calendar.deadlines({ category: t.category, urgent: t.urgent, from: now });
    return [{ type: 'taken_over', by: who.name, byId: who.id, phone: who.phone ?? null, deadline: dl.signBy.toISOString() }];
  }

  /**
   * The 即办 flags waiting for the hotline office: model-only flags on self-service channels whose
   * page has not gone out yet and that nobody has confirmed or cleared.
   */
  async urgentChecks(p: Principal): Promise<UrgentCheck[]> {
    if (!OFFICE_ROLES.includes(p.role)) throw forbidden();
    const now = this.d.clock.now();
    const window = this.d.urgentCheckMs ?? 0;
    if (window <= 0) return [];
    const { items } = await this.d.store.list({ urgent: true, state: ['accepted', 'dispatched'], from: new Date(now.getTime() - window) }, { limit: 200 });
    const out: UrgentCheck[] = [];
    for (const t of items) {
      const events = await this.d.store.events(t.id);
      const created = events[0]?.data;
      const until = created?.type === 'created' && created.urgentCheckUntil ? new Date(created.urgentCheckUntil) : null;
      if (!until || until <= now || events.some((e) => e.data.type === 'urgency_checked')) continue;
      out.push({ ticket: t, until, reasons: checkReasons(await this.d.store.classification(t.id)) });
    }
    return out.sort((a, b) => a.until.getTime() - b.until.getTime());
  }

  /** The hotline office's verdict on a 即办 flag: confirmed pages the unit now, cleared pages nobody. */
  checkUrgency(p: Principal, id: string, urgent: boolean, note?: string) {
    return this.act(p, id, 'update', 'console', (t) => {
      if (!urgent && !t.urgent) return [];
      const events: TicketEventData[] = [{ type: 'urgency_checked', urgent, ...(note ? { note } : {}) }];
      // Cleared before the unit signed: it is held to its category's ordinary limits, counted from
      // intake, not to the 即办 ones it was dispatched with.
      if (!urgent && t.state === 'dispatched' && t.unit) events.push(this.dispatchEvent(t.unit, t.category, false, t.createdAt, '即办核实为非紧急，按普通时限办理'));
      return events;
    });
  }

  sign(p: Principal, id: string, via = 'console') {
    return this.act(p, id, 'sign', via, () => [{ type: 'signed' }]);
  }

  returnTicket(p: Principal, id: string, reason: string) {
    if (!reason.trim()) throw invalid('reason_required', '退单必须填写理由');
    return this.act(p, id, 'return', 'console', () => [{ type: 'returned', reason }]);
  }

  requestExtension(p: Principal, id: string, days: number, reason: string) {
    if (!Number.isInteger(days) || days < 1 || days > 30) throw invalid('bad_days', '延期天数应为 1–30 个工作日');
    if (!reason.trim()) throw invalid('reason_required', '延期申请必须填写理由');
    return this.act(p, id, 'request_extension', 'console', () => [{ type: 'extension_requested', days, reason }]);
  }

  decideExtension(p: Principal, id: string, approved: boolean, note?: string) {
    return this.act(p, id, 'decide_extension', 'console', (t) => {
      if (!approved) return [{ type: 'extension_decided', approved, note }];
      const days = t.pendingExtensionDays;
      return [{ type: 'extension_decided', approved, note, replyDeadline: this.d.calendar.extendReply(t.replyDeadline ?? this.d.clock.now(), days).toISOString() }];
    });
  }

  reply(p: Principal, id: string, reply: string, attachments?: Attachment[]) {
    if (!reply.trim()) throw invalid('reply_required', '反馈内容不能为空');
    return this.act(p, id, 'reply', 'console', () => [{ type: 'replied', reply, attachments }]);
  }

  review(p: Principal, id: string, approved: boolean, note?: string) {
    return this.act(p, id, 'review', 'console', () => [{ type: 'review_decided', approved, note }]);
  }

  /** The events of a 回访 result (the rule is the domain's: domain/tickets/followup.ts). */
  followUpEvents(result: FollowUpResult, wrongUnit = false, state?: Ticket['state']): TicketEventData[] {
    return followUpEvents(result, wrongUnit, state);
  }

  recordFollowUp(p: Principal, id: string, result: FollowUpResult, wrongUnit = false) {
    return this.act(p, id, 'followup', result.via, (t) => this.followUpEvents(result, wrongUnit, t.state));
  }

  reopen(p: Principal, id: string, reason: string, toOperator = false) {
    return this.act(p, id, 'reopen', 'console', () => [{ type: 'reopened', reason, toOperator }]);
  }

  close(p: Principal, id: string, note?: string) {
    return this.act(p, id, 'close', 'console', () => [{ type: 'closed', note }]);
  }

  supervise(p: Principal, id: string, level: '催办' | '督办' | '通报', note?: string) {
    return this.act(p, id, 'supervise', 'console', () => [{ type: 'supervised', level, note }]);
  }

  /**
   * 批量派单: the single 派单 above for each ticket, each in its own transaction; a ticket that may not
   * be dispatched now is reported with the single action's error and the others go on. Who may is the
   * policy's (a role that may not 派单 gets 403 for the whole request).
   */
  async bulkDispatch(p: Principal, ids: readonly string[], unit: string, note?: string, onUnexpected?: (err: unknown, id: string) => void): Promise<BulkItemResult[]> {
    if (!mayAct(p, 'dispatch')) throw forbidden();
    if (ids.length > BULK_MAX) throw invalid('too_many_tickets', `一次最多处理 ${BULK_MAX} 件工单`);
    if (!this.d.units().has(unit)) throw invalid('unknown_unit', `未知的承办单位:${unit}`);
    return eachTicket(ids, (id) => this.dispatch(p, id, unit, note), onUnexpected);
  }

  /** 批量催办: the single 催办 (督办 mark at level 催办) for each ticket, as bulkDispatch does it. */
  async bulkUrge(p: Principal, ids: readonly string[], note?: string, onUnexpected?: (err: unknown, id: string) => void): Promise<BulkItemResult[]> {
    if (!mayAct(p, 'supervise')) throw forbidden();
    if (ids.length > BULK_MAX) throw invalid('too_many_tickets', `一次最多处理 ${BULK_MAX} 件工单`);
    return eachTicket(ids, (id) => this.supervise(p, id, '催办', note), onUnexpected);
  }

  note(p: Principal, id: string, text: string) {
    if (!text.trim()) throw invalid('empty_note', '备注不能为空');
    return this.act(p, id, 'note', 'console', () => [{ type: 'note', text }]);
  }

  revealContact(p: Principal, id: string) {
    return this.act(p, id, 'reveal_contact', 'console', () => [{ type: 'contact_revealed' }]);
  }

  async merge(p: Principal, id: string, intoId: string) {
    // Authorise before judging the request, so a stranger learns nothing from the validation.
    const from = await this.get(p, id);
    if (!mayAct(p, 'merge', from)) throw forbidden();
    // The target by id or by its ticket number (what an operator reads on the screen or hears on the phone).
    const number = parseTicketNumber(intoId);
    const byNumber = number ? await this.d.store.getByNumber(number) : null;
    const targetId = byNumber && mayAct(p, 'read', byNumber) ? byNumber.id : intoId;
    if (id === targetId) throw invalid('merge_self', '不能与自身并单');
    const into = await this.get(p, targetId);
    if (into.state === 'merged' || into.state === 'closed') throw new AppError('conflict', 'merge_target_closed', `目标工单 ${into.number} 已${into.state === 'merged' ? '并单' : '办结'}`);
    const merged = await this.act(p, id, 'merge', 'console', () => [{ type: 'merged', into: into.id, intoNumber: into.number }]);
    await this.apply(into.id, actorOf(p), 'console', () => [{ type: 'merge_received', from: merged.id, fromNumber: merged.number }]);
    return merged;
  }
}

/** The classifier's 待核实 reasons stored with a ticket (older tickets: its 即办 reasons). */
function checkReasons(stored: unknown): string[] {
  if (typeof stored !== 'object' || stored === null) return [];
  const c = stored as { urgentCheckReasons?: unknown; urgentReasons?: unknown };
  const list = Array.isArray(c.urgentCheckReasons) && c.urgentCheckReasons.length > 0 ? c.urgentCheckReasons : c.urgentReasons;
  return Array.isArray(list) ? list.filter((r): r is string => typeof r === 'string') : [];
}
