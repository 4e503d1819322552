import type { TicketEvent } from '../tickets/events.js';
import { applyEvent } from '../tickets/lifecycle.js';
import type { FollowUpResult, Ticket, TicketState } from '../tickets/ticket.js';
import type { KpiConfig } from './config.js';
import type { KpiSubject } from './group-by.js';
import { assistContributions } from './assist.js';

/** A reporting period [from, to). Only events before `to` are read, so a past period always gives the same figures. */
export interface Period {
  from: Date;
  to: Date;
}

export type ValidSatisfaction = Exclude<FollowUpResult['satisfaction'], '未回访'>;

/** One ticket's share of the figures of a period, each charged to a subject. */
export type Contribution =
  /** 受理量: created in the period. */
  | { kind: 'accepted'; subject: KpiSubject }
  /** 办结率 cohort: created in the period; closed at period end; and on time. */
  | { kind: 'closing'; subject: KpiSubject; closed: boolean; onTime: boolean }
  /** 响应率: a sign obligation whose deadline falls in the period; met = signed by the deadline. */
  | { kind: 'sign'; subject: KpiSubject; met: boolean }
  /** Clock minutes from dispatch to 签收, for signs in the period. */
  | { kind: 'signTime'; subject: KpiSubject; minutes: number }
  /** Clock minutes from dispatch (or 重办) to 反馈, for replies in the period. */
  | { kind: 'replyTime'; subject: KpiSubject; minutes: number }
  /** The ticket's last valid 回访 in the period (解决率, 满意率). */
  | { kind: 'followUp'; subject: KpiSubject; satisfaction: ValidSatisfaction; solved: boolean | undefined }
  /** 重办 in the period, charged to the unit whose reply was rejected. */
  | { kind: 'reopen'; subject: KpiSubject }
  /** Still awaiting the unit at period end with the reply deadline passed. */
  | { kind: 'overdueOpen'; subject: KpiSubject }
  /** Completed (反馈 or 办结, per config) in the period after the deadline then in force. */
  | { kind: 'completedLate'; subject: KpiSubject }
  /** 现场处置: clock minutes from the unit getting the matter (dispatch, 协办 part: the page) to its people's arrival, in the period (kpi/assist.ts). */
  | { kind: 'arrival'; subject: KpiSubject; minutes: number }
  /** A 即办 ticket (or 协办 part) the unit signed in the period: whether its arrival on the scene was recorded. */
  | { kind: 'onsiteRecorded'; subject: KpiSubject; recorded: boolean };

/**
 * A sign obligation: one unit holding the ticket until it signs or the ticket leaves it.
 *
 * 退单 choice: a return does NOT stop the sign clock by itself. It stops it only when approved,
 * i.e. the operator re-dispatches the ticket to another unit; the obligation is then dropped if
 * the return (or the operator's re-routing) came before the sign deadline, else it stays missed.
 * Re-dispatch to the same unit means the return was rejected: the original deadline still runs
 * (only a 即办 flag the hotline office cleared brings the category's ordinary limit). TicketService
 * puts that same deadline on the re-dispatch (`openSignObligation`), so what the ticket shows is what
 * is judged; histories written before it did show a later deadline but are judged as before.
 * A return still pending at period end has not been approved, so it does not excuse.
 */
interface SignEpisode {
  unit: string;
  start: Date;
  deadline: Date;
  signedAt: Date | null;
  returnedAt: Date | null;
  excused: boolean;
}

/** The sign obligations of one ticket, event by event: the one rule for the rates and for dispatch. */
class SignEpisodes {
  readonly all: SignEpisode[] = [];
  cur: SignEpisode | null = null;
  /** the 即办 flag was just cleared: the same-unit dispatch that follows carries the ordinary deadline */
  private urgencyCleared = false;

  on(e: Pick<TicketEvent, 'at' | 'data'>): void {
    const d = e.data;
    const cur = this.cur;
    switch (d.type) {
      case 'dispatched': {
        const stillUnsigned = cur && cur.signedAt === null && !cur.excused;
        if (cur && stillUnsigned && cur.unit === d.unit) {
          cur.returnedAt = null; // return rejected: the original deadline keeps running
          // ...unless the hotline office found the matter was no 即办: then its ordinary limit applies.
          if (this.urgencyCleared) cur.deadline = new Date(d.signDeadline);
        } else {
          if (cur && stillUnsigned) {
            const left = cur.returnedAt ?? e.at;
            cur.excused = left.getTime() <= cur.deadline.getTime();
          }
          this.cur = { unit: d.unit, start: e.at, deadline: new Date(d.signDeadline), signedAt: null, returnedAt: null, excused: false };
          this.all.push(this.cur);
        }
        this.urgencyCleared = false;
        break;
      }
      case 'urgency_checked':
        this.urgencyCleared = !d.urgent;
        break;
      case 'signed':
        if (cur && cur.signedAt === null) cur.signedAt = e.at;
        break;
      case 'returned':
        if (cur && cur.signedAt === null) cur.returnedAt = e.at;
        break;
      case 'merged':
        if (cur && cur.signedAt === null && !cur.excused) cur.excused = e.at.getTime() <= cur.deadline.getTime();
        break;
      default:
        break;
    }
  }
}

/**
 * The sign obligation still open on a ticket (a unit that has not signed and was not relieved),
 * from its events: a re-dispatch to that unit continues it with its deadline.
 */
export function openSignObligation(events: readonly Pick<TicketEvent, 'seq' | 'at' | 'data'>[]): { unit: string; deadline: Date } | null {
  const ep = new SignEpisodes();
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) ep.on(e);
  const c = ep.cur;
  return c && c.signedAt === null && !c.excused ? { unit: c.unit, deadline: c.deadline } : null;
}

const AWAITING_UNIT: Record<KpiConfig['onTimeBasis'], readonly TicketState[]> = {
  replied: ['dispatched', 'handling', 'returned'],
  closed: ['dispatched', 'handling', 'returned', 'replied', 'reviewing'],
};

const minutesBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 60_000;

/**
 * Work out what one ticket (all its events) contributes to the figures of `period`. `now`, for a
 * period that has not ended yet: a deadline after it is neither met nor missed, so deadlines are
 * judged up to the present only (the running month's 响应率 and 超期 count what is already due).
 */
export function ticketContributions(events: readonly TicketEvent[], period: Period, config: KpiConfig, now?: Date): Contribution[] {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const judgedTo = now ? Math.min(to, now.getTime()) : to;
  const dueInPeriod = (d: Date) => d.getTime() >= from && d.getTime() < judgedTo;
  const inPeriod = (d: Date) => d.getTime() >= from && d.getTime() < to;
  const sorted = [...events].sort((a, b) => a.seq - b.seq).filter((e) => e.at.getTime() < to);

  let t: Ticket | null = null;
  const signs = new SignEpisodes();
  let workStart: Date | null = null; // when the unit last got the work: dispatch or 重办
  let replyingUnit: string | null = null;
  let completionJudged = false; // only the first completion after each dispatch is judged on time
  let lastJudgedOnTime = false;
  let merged = false;
  let followUp: { unit: string | null; result: FollowUpResult } | null = null;
  // Subjects are filled in at the end, with the ticket's category/township as of period end.
  const pending: Array<{ unit: string | null; part?: boolean; make: (s: KpiSubject) => Contribution }> = [];
  const add = (unit: string | null, make: (s: KpiSubject) => Contribution) => pending.push({ unit, make });

  const judge = (at: Date, deadline: Date | null, unit: string | null) => {
    completionJudged = true;
    lastJudgedOnTime = deadline === null || at.getTime() <= deadline.getTime();
    if (!lastJudgedOnTime && inPeriod(at)) add(unit, (subject) => ({ kind: 'completedLate', subject }));
  };

  for (const e of sorted) {
    t = applyEvent(t, e);
    const d = e.data;
    const before = signs.cur;
    const unsignedBefore = before !== null && before.signedAt === null;
    signs.on(e);
    switch (d.type) {
      case 'dispatched':
        workStart = e.at;
        completionJudged = false;
        break;
      case 'signed':
        if (before && unsignedBefore) {
          const ep = before;
          if (inPeriod(e.at)) add(ep.unit, (subject) => ({ kind: 'signTime', subject, minutes: minutesBetween(ep.start, e.at) }));
        }
        break;
      case 'merged':
        merged = true;
        break;
      case 'replied': {
        replyingUnit = t.unit;
        const start = workStart;
        if (inPeriod(e.at) && start) add(t.unit, (subject) => ({ kind: 'replyTime', subject, minutes: minutesBetween(start, e.at) }));
        if (config.onTimeBasis === 'replied' && !completionJudged) judge(e.at, t.replyDeadline, t.unit);
        break;
      }
      case 'closed':
        if (config.onTimeBasis === 'closed' && !completionJudged) judge(e.at, t.replyDeadline, t.unit);
        break;
      case 'reopened':
        workStart = e.at;
        if (inPeriod(e.at)) add(replyingUnit ?? t.unit, (subject) => ({ kind: 'reopen', subject }));
        break;
      case 'followed_up':
        if (d.result.satisfaction !== '未回访' && inPeriod(e.at)) followUp = { unit: replyingUnit ?? t.unit, result: d.result };
        break;
      default:
        break;
    }
  }
  if (!t) return [];
  const ticket: Ticket = t;

  if (inPeriod(ticket.createdAt)) {
    add(ticket.unit, (subject) => ({ kind: 'accepted', subject }));
    if (!(merged && config.excludeMerged)) {
      const closed = ticket.state === 'closed';
      add(ticket.unit, (subject) => ({ kind: 'closing', subject, closed, onTime: closed && lastJudgedOnTime }));
    }
  }
  for (const ep of signs.all) {
    if (ep.excused || !dueInPeriod(ep.deadline)) continue;
    const met = ep.signedAt !== null && ep.signedAt.getTime() <= ep.deadline.getTime();
    add(ep.unit, (subject) => ({ kind: 'sign', subject, met }));
  }
  if (followUp) {
    const { unit, result } = followUp;
    add(unit, (subject) => ({ kind: 'followUp', subject, satisfaction: result.satisfaction as ValidSatisfaction, solved: result.solved }));
  }
  if (ticket.replyDeadline && ticket.replyDeadline.getTime() < judgedTo && AWAITING_UNIT[config.onTimeBasis].includes(ticket.state)) {
    // A returned ticket waits on the hotline operator, not on a unit: it shows in the city total only.
    add(ticket.state === 'returned' ? null : ticket.unit, (subject) => ({ kind: 'overdueOpen', subject }));
  }

  // 协办 parts (each unit's own part) and 现场处置.
  pending.push(...assistContributions(sorted, ticket, period, judgedTo));

  return pending.map(({ unit, part, make }) =>
    make({ ticketId: ticket.id, unit, township: ticket.township, channel: ticket.channel, category: ticket.category, urgent: ticket.urgent, ...(part ? { part: true } : {}) }),
  );
}
