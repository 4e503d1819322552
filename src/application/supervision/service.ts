/**
 * 督办: a periodic sweep over open tickets. Before a sign/reply deadline the unit gets a 催办
 * (SMS to the unit head's phone when known, a console notice on the bus); after it the ticket is
 * marked 督办; after `noticeAfterWorkingDays` working days overdue it is marked 通报 and put on the
 * hotline office's 通报 list. The sweep is a durable job that re-enqueues itself under a
 * time-slot key, so several instances never run the same sweep twice.
 */
import type { Clock } from '../../domain/clock.js';
import { SHANGHAI_OFFSET_MS } from '../../domain/clock.js';
import { AppError } from '../../domain/errors.js';
import type { Actor, Ticket, TicketState } from '../../domain/tickets/ticket.js';
import type { JobHandlers, JobStore } from '../ports/jobs.js';
import type { SmsSender } from '../ports/messaging.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { DedupeStore, StateStore } from '../ports/misc.js';
import type { DeadlineCalendar } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import type { UnitStore } from '../ports/users.js';
import type { TicketService } from '../tickets/service.js';
import { JOB } from '../ports/jobs.js';
import { listAll } from '../tickets/list-all.js';
import { periodicJob, type PeriodicJob } from '../jobs/periodic.js';
import { HOTLINE_ROSTER } from '../paging/duty-service.js';

export const NOTICE_SCOPE = 'supervision-notice';
export const SUPERVISION_ACTOR: Actor = { id: 'supervision', role: 'system', name: '督办系统' };

export interface SupervisionConfig {
  sweepMinutes: number;
  /** 催办 this long before the sign deadline (sign limits are hours, or 30 minutes for 即办). */
  remindSignBeforeMinutes: number;
  /** 催办 when this many working days or fewer are left before the reply deadline. */
  remindReplyWorkingDays: number;
  /** 通报 after this many working days past the reply deadline. */
  noticeAfterWorkingDays: number;
}

export const DEFAULT_SUPERVISION_CONFIG: SupervisionConfig = { sweepMinutes: 15, remindSignBeforeMinutes: 30, remindReplyWorkingDays: 1, noticeAfterWorkingDays: 5 };

/** A console notice (bus topic `supervision`). */
export interface SupervisionNotice {
  level: '催办' | '督办' | '通报';
  /** which deadline: the unit's sign or reply, or the dispatch by an officer who took the ticket on */
  phase: 'sign' | 'reply' | 'dispatch';
  ticketId: string;
  number: string;
  unit: string;
  deadline: string;
  text: string;
  smsTo: string | null;
  at: string;
}

/** An entry of the 通报 list for the hotline office. */
export interface NoticeEntry {
  ticketId: string;
  number: string;
  unit: string;
  content: string;
  replyDeadline: string;
  overdueWorkingDays: number;
  listedAt: string;
}

export interface SweepReport {
  checked: number;
  reminded: number;
  supervised: number;
  noticed: number;
}

export interface SupervisionDeps {
  tickets: Pick<TicketService, 'apply'>;
  store: Pick<TicketStore, 'get' | 'list'>;
  jobs: Pick<JobStore, 'enqueue'>;
  state: StateStore;
  dedupe: DedupeStore;
  sms: SmsSender;
  units: Pick<UnitStore, 'get'>;
  /** The unit's on-duty person's phone now (paging rosters), when rosters are kept; HOTLINE_ROSTER for the hotline office. */
  dutyPhone?: (unit: string, at: Date) => Promise<string | null>;
  /** The hotline office's duty phone (SUBAN_HOTLINE_DUTY_PHONE): told when an officer who took a ticket on cannot be. */
  hotlineDutyPhone?: string;
  calendar: Pick<DeadlineCalendar, 'workingDaysBetween'>;
  clock: Clock;
  bus: EventBus;
  log: { warn(o: object, m: string): void };
  wake?: () => void;
  config?: Partial<SupervisionConfig>;
}

const AWAITING_UNIT: TicketState[] = ['dispatched', 'handling'];
/** Waiting for dispatch: watched when a duty officer took it on (接手) with a deadline. */
const AWAITING_DISPATCH: TicketState[] = ['accepted', 'returned'];
const OPEN: TicketState[] = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'];

/** 11月26日 17:30, Shanghai time. */
export function shanghaiLabel(d: Date): string {
  const l = new Date(d.getTime() + SHANGHAI_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${l.getUTCMonth() + 1}月${l.getUTCDate()}日 ${p(l.getUTCHours())}:${p(l.getUTCMinutes())}`;
}

const PHASE_LABEL = { sign: '签收', reply: '办理反馈', dispatch: '派单' } as const;
type Phase = keyof typeof PHASE_LABEL;

export class SupervisionService {
  readonly config: SupervisionConfig;

  private readonly sweeps: PeriodicJob;

  constructor(private readonly d: SupervisionDeps) {
    this.config = { ...DEFAULT_SUPERVISION_CONFIG, ...d.config };
    this.sweeps = periodicJob({ kind: JOB.supervisionSweep, keyPrefix: 'supervision:sweep', everyMs: this.config.sweepMinutes * 60_000, jobs: d.jobs, clock: d.clock, run: () => this.sweep() });
  }

  register(runner: JobHandlers): void {
    this.sweeps.register(runner);
    runner.register(JOB.replyDue, (j) => this.onReplyDue(j.payload));
    runner.register(JOB.ownerDue, (j) => this.onDue(j.payload));
    runner.register(JOB.signOverdue, (j) => this.onDue(j.payload));
  }

  /** Enqueue the next sweep (idempotent: one job per time slot). Call once at start. */
  schedule(): Promise<void> {
    return this.sweeps.schedule();
  }

  /** The moment the reply deadline passes: 督办 at once rather than at the next sweep. */
  private async onReplyDue(p: { ticketId: string; version: number }): Promise<void> {
    const t = await this.d.store.get(p.ticketId);
    if (!t || !t.unit || !AWAITING_UNIT.includes(t.state) || !t.replyDeadline) return;
    const now = this.d.clock.now();
    if (t.replyDeadline.getTime() > now.getTime()) return; // extended meanwhile
    await this.check(t, now, { checked: 0, reminded: 0, supervised: 0, noticed: 0 });
  }

  /** A sign deadline, or that of an officer who took a ticket on (接手), passed: 督办 at once. */
  private async onDue(p: { ticketId: string }): Promise<void> {
    const t = await this.d.store.get(p.ticketId);
    if (!t) return;
    await this.check(t, this.d.clock.now(), { checked: 0, reminded: 0, supervised: 0, noticed: 0 });
  }

  async sweep(): Promise<SweepReport> {
    const now = this.d.clock.now();
    const report: SweepReport = { checked: 0, reminded: 0, supervised: 0, noticed: 0 };
    const owned = (await listAll(this.d.store, { state: AWAITING_DISPATCH })).filter((t) => t.owner && t.ownerDeadline);
    for (const t of [...owned, ...(await listAll(this.d.store, { state: AWAITING_UNIT }))]) {
      report.checked++;
      try {
        await this.check(t, now, report);
      } catch (err) {
        // One ticket that moved on meanwhile must not stop the sweep of the others.
        if (!(err instanceof AppError)) throw err;
        this.d.log.warn({ ticket: t.number, code: err.code }, 'supervision skipped a ticket');
      }
    }
    return report;
  }

  private async check(t: Ticket, now: Date, r: SweepReport): Promise<void> {
    if (AWAITING_DISPATCH.includes(t.state)) {
      // An officer who took it on answers for it like a unit for its sign deadline.
      if (!t.owner || !t.ownerDeadline || t.ownerDeadline.getTime() > now.getTime() || (t.supervision !== 'none' && t.supervision !== '催办')) return;
      await this.mark(t, '督办', 'dispatch', t.ownerDeadline, now, `${t.owner.name}接手后超过时限（${shanghaiLabel(t.ownerDeadline)}）未派单`);
      r.supervised++;
      return;
    }
    if (!t.unit || !AWAITING_UNIT.includes(t.state)) return;
    const cfg = this.config;
    if (t.state === 'dispatched' && t.signDeadline) {
      const left = t.signDeadline.getTime() - now.getTime();
      if (left > 0 && left <= cfg.remindSignBeforeMinutes * 60_000) {
        if (await this.remind(t, 'sign', t.signDeadline, now)) r.reminded++;
      } else if (left <= 0 && (t.supervision === 'none' || t.supervision === '催办')) {
        await this.mark(t, '督办', 'sign', t.signDeadline, now, `超过签收时限（${shanghaiLabel(t.signDeadline)}）未签收`);
        t = { ...t, supervision: '督办' };
        r.supervised++;
      }
    }
    if (!t.replyDeadline) return;
    if (t.replyDeadline.getTime() > now.getTime()) {
      if (this.d.calendar.workingDaysBetween(now, t.replyDeadline) <= cfg.remindReplyWorkingDays) {
        if (await this.remind(t, 'reply', t.replyDeadline, now)) r.reminded++;
      }
      return;
    }
    const overdueDays = this.d.calendar.workingDaysBetween(t.replyDeadline, now);
    if (overdueDays >= cfg.noticeAfterWorkingDays && t.supervision !== '通报') {
      await this.mark(t, '通报', 'reply', t.replyDeadline, now, `超过办理时限 ${overdueDays} 个工作日未反馈`);
      await this.listNotice(t, overdueDays, now);
      r.noticed++;
    } else if (t.supervision === 'none' || t.supervision === '催办') {
      await this.mark(t, '督办', 'reply', t.replyDeadline, now, `超过办理时限（${shanghaiLabel(t.replyDeadline)}）未反馈`);
      r.supervised++;
    }
  }

  /** 催办 once per deadline: the unit is told, the ticket carries the mark. */
  private async remind(t: Ticket, phase: 'sign' | 'reply', deadline: Date, now: Date): Promise<boolean> {
    const key = `${t.id}:${phase}:${deadline.getTime()}`;
    if ((await this.d.dedupe.get('supervision-remind', key)) !== undefined) return false;
    const text = `【12345催办】工单${t.number}将于${shanghaiLabel(deadline)}到达${PHASE_LABEL[phase]}时限，请及时${phase === 'sign' ? '签收' : '办理并反馈'}。`;
    // A ticket already marked 督办 or 通报 (a missed sign deadline) keeps that mark: the 催办 of its reply
    // deadline is sent, but must not lower the mark to 催办 as if nothing had been missed.
    await this.d.tickets.apply(t.id, SUPERVISION_ACTOR, 'system', (cur) =>
      cur.supervision === '督办' || cur.supervision === '通报' ? [] : [{ type: 'supervised', level: '催办', note: `${PHASE_LABEL[phase]}时限（${shanghaiLabel(deadline)}）前自动催办` }],
    );
    await this.d.dedupe.set('supervision-remind', key, now.toISOString(), now);
    await this.notify(t, '催办', phase, deadline, text, now);
    return true;
  }

  private async mark(t: Ticket, level: '督办' | '通报', phase: Phase, deadline: Date, now: Date, why: string): Promise<void> {
    await this.d.tickets.apply(t.id, SUPERVISION_ACTOR, 'system', () => [{ type: 'supervised', level, note: why }]);
    const text = level === '督办' ? `【12345督办】工单${t.number}${why}，已列入督办，请立即办理。` : `【12345通报】工单${t.number}${why}，已列入通报。`;
    await this.notify(t, level, phase, deadline, text, now);
  }

  private async notify(t: Ticket, level: SupervisionNotice['level'], phase: Phase, deadline: Date, text: string, now: Date) {
    const phones = phase === 'dispatch' ? await this.ownerPhones(t, now) : await this.unitPhones(t, now);
    for (const to of phones) {
      try {
        await this.d.sms.send({ to, text, ref: `supervision:${t.id}:${level}:${phase}:${deadline.getTime()}:${to}` });
      } catch (err) {
        this.d.log.warn({ err: String(err), ticket: t.number }, 'supervision SMS not sent');
      }
    }
    const smsTo = phones.join(',') || null;
    const notice: SupervisionNotice = { level, phase, ticketId: t.id, number: t.number, unit: phase === 'dispatch' ? HOTLINE_ROSTER : t.unit!, deadline: deadline.toISOString(), text, smsTo, at: now.toISOString() };
    this.d.bus.publish(TOPIC.supervision, notice);
  }

  private async unitPhones(t: Ticket, now: Date): Promise<string[]> {
    const unit = await this.d.units.get(t.unit!);
    const duty = await this.d.dutyPhone?.(t.unit!, now).catch(() => null);
    // The person on duty acts on it; the head answers for the unit. Both are told, once each.
    const phones = [...new Set([duty, unit?.headPhone].filter((x): x is string => !!x))];
    // A unit with nobody to tell (no roster, no head's phone): the hotline office's duty person, never nobody.
    return phones.length ? phones : this.hotlinePhones(now);
  }

  private async hotlinePhones(now: Date): Promise<string[]> {
    const duty = await this.d.dutyPhone?.(HOTLINE_ROSTER, now).catch(() => null);
    return [duty ?? this.d.hotlineDutyPhone].filter((x): x is string => !!x);
  }

  /** The officer who took it on; when they left no number (a console 接手), the hotline office's duty person. */
  private async ownerPhones(t: Ticket, now: Date): Promise<string[]> {
    if (t.owner?.phone) return [t.owner.phone];
    return this.hotlinePhones(now);
  }

  private async listNotice(t: Ticket, overdueWorkingDays: number, now: Date) {
    const entry: NoticeEntry = { ticketId: t.id, number: t.number, unit: t.unit!, content: t.content.slice(0, 100), replyDeadline: t.replyDeadline!.toISOString(), overdueWorkingDays, listedAt: now.toISOString() };
    await this.d.state.put(NOTICE_SCOPE, t.id, entry, now);
  }

  // ---- lists for the hotline office ----------------------------------------------------------

  /** Open tickets carrying a mark (催办/督办/通报), optionally of one unit or level. */
  async supervised(f: { level?: Ticket['supervision']; unit?: string } = {}): Promise<Ticket[]> {
    const open = await listAll(this.d.store, { state: OPEN, ...(f.unit ? { unit: f.unit } : {}) });
    return open.filter((t) => t.supervision !== 'none' && (!f.level || t.supervision === f.level));
  }

  /** The 通报 list, with each ticket's current state so a resolved one can be seen as such. */
  async notices(): Promise<(NoticeEntry & { state: TicketState | null })[]> {
    const rows = await this.d.state.list<NoticeEntry>(NOTICE_SCOPE, this.d.clock.now());
    const out = [];
    for (const { doc } of rows) out.push({ ...doc, state: (await this.d.store.get(doc.ticketId))?.state ?? null });
    return out;
  }

  /** Decisions waiting for the hotline office: 延期 requests and 退单 to re-dispatch. */
  async pendingDecisions(): Promise<{ extensions: Ticket[]; returns: Ticket[] }> {
    const handling = await listAll(this.d.store, { state: ['handling'] });
    const returns = await listAll(this.d.store, { state: ['returned'] });
    return { extensions: handling.filter((t) => t.pendingExtensionDays > 0), returns };
  }
}
