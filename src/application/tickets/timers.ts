import type { TicketEventData } from '../../domain/tickets/events.js';
import type { Ticket } from '../../domain/tickets/ticket.js';
import { isAssistEvent, type AssistEventData } from '../../domain/tickets/assist.js';
import { JOB, type JobSpec } from '../ports/jobs.js';
import type { DeadlineCalendar } from '../ports/routing.js';

/** How long a replied ticket with a grid worker waits for their on-the-spot confirmation before the 回访 (default). */
export const DEFAULT_GRID_CONFIRM_MS = 24 * 3600_000;

/**
 * Which timers a change sets, and which it cancels. One place, so "what happens after X" is
 * readable without chasing handlers. Keys embed the ticket version so a re-dispatch gets fresh timers.
 */
export function timersFor(after: Ticket, events: TicketEventData[], cal: DeadlineCalendar, now: Date, opts: { mirror?: boolean; gridConfirmMs?: number } = {}): { jobs: JobSpec[]; cancel: string[] } {
  // A mirror of a case an interconnect platform handles itself (附件2 互联互通): the original platform
  // chases, pages and follows up; the hotline keeps the record only, so no deadline, page or 回访 timers.
  if (opts.mirror) return { jobs: [], cancel: [] };
  const jobs: JobSpec[] = [];
  const cancel: string[] = [];
  const id = after.id;
  for (const e of events) {
    if (isAssistEvent(e)) {
      assistTimers(after, e, now, jobs, cancel);
      continue;
    }
    switch (e.type) {
      case 'created':
        if (after.urgent) jobs.push({ kind: JOB.pageStart, key: `page:${id}:start`, runAt: e.urgentCheckUntil ? new Date(e.urgentCheckUntil) : now, payload: { ticketId: id, reason: 'urgent' } });
        else if (after.state === 'accepted') jobs.push(dispatchDueJob(after, cal, now));
        break;
      case 'urgency_checked':
        // Confirmed: the page waiting for the check goes out now. Cleared: no page, and a running one stops (paging).
        // Either way the page that waited for the check is no longer due at the end of the wait.
        cancel.push(`page:${id}:start`);
        // The page job pages the unit, or the hotline office when the ticket still waits for dispatch.
        if (e.urgent && ['dispatched', 'accepted', 'returned'].includes(after.state)) jobs.push({ kind: JOB.pageStart, key: `page:${id}:confirmed:${after.version}`, runAt: now, payload: { ticketId: id, reason: 'urgent' } });
        break;
      case 'dispatched':
        // Also the timers of an officer who had it (接手): a unit holds it now.
        cancel.push(`sla:${id}:`, `page:${id}:owner:`, `page:${id}:dispatch:`);
        jobs.push(...signJobs(id, after.version, e.signDeadline));
        jobs.push({ kind: JOB.replyDue, key: `sla:${id}:reply:${after.version}`, runAt: new Date(e.replyDeadline), payload: { ticketId: id, version: after.version } });
        // A 即办 ticket dispatched after intake (manual dispatch, re-dispatch): page the new unit at once.
        if (after.urgent && !events.some((x) => x.type === 'created')) jobs.push({ kind: JOB.pageStart, key: `page:${id}:start:${after.version}`, runAt: now, payload: { ticketId: id, reason: 'urgent' } });
        break;
      case 'signed':
        cancel.push(`page:${id}:`, `sla:${id}:sign`);
        break;
      case 'returned':
        // A 即办 the unit sent back waits on the hotline office: its duty officer is paged at once.
        if (after.urgent && after.state === 'returned') jobs.push({ kind: JOB.pageStart, key: `page:${id}:start:${after.version}`, runAt: now, payload: { ticketId: id, reason: 'urgent' } });
        else if (after.state === 'returned') jobs.push(dispatchDueJob(after, cal, now));
        break;
      case 'reopened':
        // 重办: a new round. Back to the unit: its new deadlines' timers, and a 即办 pages the unit again;
        // back to the operator: a 即办 pages the hotline office's duty officer.
        if (e.signDeadline && e.replyDeadline && after.state === 'dispatched') {
          cancel.push(`sla:${id}:`);
          jobs.push(...signJobs(id, after.version, e.signDeadline));
          jobs.push({ kind: JOB.replyDue, key: `sla:${id}:reply:${after.version}`, runAt: new Date(e.replyDeadline), payload: { ticketId: id, version: after.version } });
        }
        if (after.urgent) jobs.push({ kind: JOB.pageStart, key: `page:${id}:start:${after.version}`, runAt: now, payload: { ticketId: id, reason: 'urgent' } });
        else if (after.state === 'returned') jobs.push(dispatchDueJob(after, cal, now));
        break;
      case 'taken_over':
        // The officer's deadline is watched like a unit's: 督办 to them when it passes, and a ticket
        // still not dispatched then pages the hotline office again.
        cancel.push(`page:${id}:dispatch:`);
        jobs.push({ kind: JOB.ownerDue, key: `sla:${id}:owner:${after.version}`, runAt: new Date(e.deadline), payload: { ticketId: id, version: after.version } });
        jobs.push({ kind: JOB.pageStart, key: `page:${id}:owner:${after.version}`, runAt: new Date(e.deadline), payload: { ticketId: id, reason: 'unassigned' } });
        break;
      case 'replied':
        // With a grid worker, the 回访 waits for their on-the-spot confirmation (or its deadline).
        if (after.state === 'replied') jobs.push(after.grid?.status === 'confirming' ? gridConfirmJob(after, now, opts.gridConfirmMs) : followupJob(after, cal, now));
        if (after.state === 'replied') jobs.push(...platformReplyJob(after, now));
        // 即办: the result goes to the 市政府值班室 (the plan, 任务 6), set with the reply so a crash cannot lose it;
        // a reply a managing department still has to approve is reported on its approval (review_decided).
        if (after.urgent && after.state === 'replied') jobs.push({ kind: JOB.urgentReport, key: `report:${id}:${after.version}`, runAt: now, payload: { ticketId: id } });
        cancel.push(`sla:${id}:`);
        // The lead's reply closes the matter: the parts still open are 主办已答复, their timers end.
        cancel.push(`assist:${id}:`);
        break;
      case 'review_decided':
        if (e.approved) jobs.push(after.grid?.status === 'confirming' ? gridConfirmJob(after, now, opts.gridConfirmMs) : followupJob(after, cal, now), ...platformReplyJob(after, now));
        if (e.approved && after.urgent) jobs.push({ kind: JOB.urgentReport, key: `report:${id}:${after.version}`, runAt: now, payload: { ticketId: id } });
        break;
      case 'closed':
      case 'merged':
        cancel.push(`sla:${id}:`, `page:${id}:`, `followup:${id}:`, `assist:${id}:`);
        // 并单: every citizen of the group hears the result and gets their own 回访 (a no-op without merged tickets).
        if (e.type === 'closed') jobs.push({ kind: JOB.mergedGroup, key: `merged-group:${id}:${after.version}`, runAt: now, payload: { ticketId: id, version: after.version } });
        break;
      case 'followed_up':
        if (after.state === 'merged' && (e.result.satisfaction === '不满意' || e.result.solved === false)) {
          jobs.push({ kind: JOB.mergedReopen, key: `merged-reopen:${id}:${after.version}`, runAt: now, payload: { ticketId: id, version: after.version } });
        }
        // 即办: the 回访 result goes to the 市政府值班室 and is archived, set with the 回访 itself so a crash cannot lose it.
        if (after.urgent) jobs.push({ kind: JOB.followupReport, key: `followup-report:${id}:${after.version}`, runAt: now, payload: { ticketId: id, version: after.version } });
        break;
      case 'answered':
        // 直接答复: no unit and no deadline; the page for a ticket waiting for dispatch is no longer due.
        // 回访 follows like after a unit's reply, unless it closed at once (then `closed` cancels the rest).
        cancel.push(`page:${id}:dispatch:`, `page:${id}:owner:`, `sla:${id}:`);
        if (after.state === 'answered') jobs.push(followupJob(after, cal, now));
        break;
      case 'grid_confirmed':
        cancel.push(`grid:${id}:`);
        // Confirmed on the spot: the 回访 now. Not done: back to the unit, whose reply deadline runs on.
        if (e.ok) jobs.push(followupJob(after, cal, now));
        else jobs.push({ kind: JOB.replyDue, key: `sla:${id}:reply:${after.version}`, runAt: after.replyDeadline && after.replyDeadline > now ? after.replyDeadline : now, payload: { ticketId: id, version: after.version } });
        break;
      case 'grid_confirm_lapsed':
        jobs.push(followupJob(after, cal, now));
        break;
      case 'extension_decided':
        if (e.approved && after.replyDeadline) {
          cancel.push(`sla:${id}:reply`);
          jobs.push({ kind: JOB.replyDue, key: `sla:${id}:reply:${after.version}`, runAt: after.replyDeadline, payload: { ticketId: id, version: after.version } });
        }
        break;
      default:
        break;
    }
  }
  return { jobs, cancel };
}

/**
 * A 协办 part's timers: its own sign and reply deadlines (督办 of the part when they pass), and for a
 * 联动 the page of each unit's duty person (the added 协办 units, and the lead unit's). Keys carry the
 * unit, so one part's change never touches another's.
 */
function assistTimers(after: Ticket, e: AssistEventData, now: Date, jobs: JobSpec[], cancel: string[]): void {
  const id = after.id;
  const v = after.version;
  switch (e.type) {
    case 'assist_added':
      jobs.push({ kind: JOB.assistSignDue, key: `assist:${id}:${e.unit}:sign:${v}`, runAt: new Date(e.signDeadline), payload: { ticketId: id, unit: e.unit } });
      jobs.push({ kind: JOB.assistReplyDue, key: `assist:${id}:${e.unit}:reply:${v}`, runAt: new Date(e.replyDeadline), payload: { ticketId: id, unit: e.unit } });
      if (e.linkage) jobs.push({ kind: JOB.linkagePage, key: `assist:${id}:${e.unit}:page:${v}`, runAt: now, payload: { ticketId: id, unit: e.unit } });
      break;
    case 'assist_signed':
      cancel.push(`assist:${id}:${e.unit}:sign:`);
      break;
    case 'assist_replied':
    case 'assist_removed':
      cancel.push(`assist:${id}:${e.unit}:`);
      break;
    case 'linkage_started':
      if (after.unit) jobs.push({ kind: JOB.linkagePage, key: `linkage:${id}:lead:${v}`, runAt: now, payload: { ticketId: id, unit: null } });
      break;
    default:
      break;
  }
}

/** The unit's sign deadline: paging (sign_due, when the chain says so) and the 督办 at once (sign_overdue). */
function signJobs(id: string, version: number, signDeadline: string): JobSpec[] {
  const runAt = new Date(signDeadline);
  return [
    { kind: JOB.signDue, key: `sla:${id}:sign:${version}`, runAt, payload: { ticketId: id, version } },
    { kind: JOB.signOverdue, key: `sla:${id}:sign-overdue:${version}`, runAt, payload: { ticketId: id, version } },
  ];
}

/**
 * A ticket waiting in the manual-dispatch queue (or sent back by a unit) that nobody dispatched
 * within its category's sign limit pages the hotline office's duty officer, whose 接手 then gives it
 * an owner and a deadline: no ticket waits unnoticed. (A 即办 pages at once instead.)
 */
function dispatchDueJob(t: Ticket, cal: DeadlineCalendar, now: Date): JobSpec {
  const runAt = cal.deadlines({ category: t.category, urgent: t.urgent, from: now }).signBy;
  return { kind: JOB.pageStart, key: `page:${t.id}:dispatch:${t.version}`, runAt, payload: { ticketId: t.id, reason: 'unassigned' } };
}

/**
 * A ticket from an outside platform that reaches `replied` owes the platform its reply. Set here, in
 * the same transaction as the reply (or the approving review), so a crash cannot lose it; the handler
 * decides by the platform's kind whether anything is sent (interconnect platforms reply themselves).
 */
function platformReplyJob(t: Ticket, now: Date): JobSpec[] {
  if (!t.channel.startsWith('platform:')) return [];
  return [{ kind: JOB.platformReply, key: `platform.reply:${t.id}:${t.version}`, runAt: now, payload: { ticketId: t.id, version: t.version } }];
}

function gridConfirmJob(t: Ticket, now: Date, ms = DEFAULT_GRID_CONFIRM_MS): JobSpec {
  return { kind: JOB.gridConfirmDue, key: `grid:${t.id}:confirm:${t.version}`, runAt: new Date(now.getTime() + ms), payload: { ticketId: t.id, version: t.version } };
}

function followupJob(t: Ticket, cal: DeadlineCalendar, now: Date): JobSpec {
  // As soon as the citizen may be called: 即办 results are followed up at once (the plan: 及时按程序回访),
  // and the next-working-day limit for the rest is met by starting early. Quiet hours still apply to citizens.
  return { kind: JOB.followupStart, key: `followup:${t.id}:${t.version}`, runAt: cal.nextCallTime(now), payload: { ticketId: t.id, version: t.version } };
}
