import type { TicketEventData } from '../../domain/tickets/events.js';
import type { Ticket } from '../../domain/tickets/ticket.js';
import type { JobSpec } from '../ports/jobs.js';
import type { DeadlineCalendar } from '../ports/routing.js';

/** Job kinds set by ticket changes; their handlers live in the paging, follow-up and supervision services. */
export const JOB = {
  pageStart: 'page.start',
  signDue: 'sla.sign_due',
  replyDue: 'sla.reply_due',
  /** The deadline of a duty officer who took on (接手) a ticket waiting for dispatch (handler: supervision). */
  ownerDue: 'sla.owner_due',
  /** A unit's sign deadline passed: 督办 at once, not at the next sweep (handler: supervision; sign_due pages). */
  signOverdue: 'sla.sign_overdue',
  followupStart: 'followup.start',
  /** Send the reply back to the outside platform the ticket came from (handler: application/platforms). */
  platformReply: 'platform.reply',
  /** Report a 即办 ticket's result to the 市政府值班室 (handler: application/paging). */
  urgentReport: 'page.report',
  /** A closed ticket's result goes to the citizens of the tickets merged into it, each with their own 回访 (handler: followup). */
  mergedGroup: 'followup.merged_group',
  /** A merged ticket's citizen was not satisfied: the group's ticket is reopened (handler: followup). */
  mergedReopen: 'followup.merged_reopen',
} as const;

/**
 * Which timers a change sets, and which it cancels. One place, so "what happens after X" is
 * readable without chasing handlers. Keys embed the ticket version so a re-dispatch gets fresh timers.
 */
export function timersFor(after: Ticket, events: TicketEventData[], cal: DeadlineCalendar, now: Date, opts: { mirror?: boolean } = {}): { jobs: JobSpec[]; cancel: string[] } {
  // A mirror of a case an interconnect platform handles itself (附件2 互联互通): the original platform
  // chases, pages and follows up; the hotline keeps the record only, so no deadline, page or 回访 timers.
  if (opts.mirror) return { jobs: [], cancel: [] };
  const jobs: JobSpec[] = [];
  const cancel: string[] = [];
  const id = after.id;
  for (const e of events) {
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
        if (after.state === 'replied') jobs.push(followupJob(after, cal, now));
        if (after.state === 'replied') jobs.push(...platformReplyJob(after, now));
        // 即办: the result goes to the 市政府值班室 (the plan, 任务 6), set with the reply so a crash cannot lose it;
        // a reply a managing department still has to approve is reported on its approval (review_decided).
        if (after.urgent && after.state === 'replied') jobs.push({ kind: JOB.urgentReport, key: `report:${id}:${after.version}`, runAt: now, payload: { ticketId: id } });
        cancel.push(`sla:${id}:`);
        break;
      case 'review_decided':
        if (e.approved) jobs.push(followupJob(after, cal, now), ...platformReplyJob(after, now));
        if (e.approved && after.urgent) jobs.push({ kind: JOB.urgentReport, key: `report:${id}:${after.version}`, runAt: now, payload: { ticketId: id } });
        break;
      case 'closed':
      case 'merged':
        cancel.push(`sla:${id}:`, `page:${id}:`, `followup:${id}:`);
        // 并单: every citizen of the group hears the result and gets their own 回访 (a no-op without merged tickets).
        if (e.type === 'closed') jobs.push({ kind: JOB.mergedGroup, key: `merged-group:${id}:${after.version}`, runAt: now, payload: { ticketId: id, version: after.version } });
        break;
      case 'followed_up':
        if (after.state === 'merged' && (e.result.satisfaction === '不满意' || e.result.solved === false)) {
          jobs.push({ kind: JOB.mergedReopen, key: `merged-reopen:${id}:${after.version}`, runAt: now, payload: { ticketId: id, version: after.version } });
        }
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

function followupJob(t: Ticket, cal: DeadlineCalendar, now: Date): JobSpec {
  // As soon as the citizen may be called: 即办 results are followed up at once (the plan: 及时按程序回访),
  // and the next-working-day limit for the rest is met by starting early. Quiet hours still apply to citizens.
  return { kind: JOB.followupStart, key: `followup:${t.id}:${t.version}`, runAt: cal.nextCallTime(now), payload: { ticketId: t.id, version: t.version } };
}
