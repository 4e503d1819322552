import type { TicketEventData } from '../../domain/tickets/events.js';
import type { Ticket } from '../../domain/tickets/ticket.js';
import type { JobSpec } from '../ports/jobs.js';
import type { DeadlineCalendar } from '../ports/routing.js';

/** Job kinds set by ticket changes; their handlers live in the paging, follow-up and supervision services. */
export const JOB = {
  pageStart: 'page.start',
  signDue: 'sla.sign_due',
  replyDue: 'sla.reply_due',
  followupStart: 'followup.start',
} as const;


/**
 * Which timers a change sets, and which it cancels. One place, so "what happens after X" is
 * readable without chasing handlers. Keys embed the ticket version so a re-dispatch gets fresh timers.
 */
export function timersFor(after: Ticket, events: TicketEventData[], cal: DeadlineCalendar, now: Date): { jobs: JobSpec[]; cancel: string[] } {
  const jobs: JobSpec[] = [];
  const cancel: string[] = [];
  const id = after.id;
  for (const e of events) {
    switch (e.type) {
      case 'created':
        if (after.urgent) jobs.push({ kind: JOB.pageStart, key: `page:${id}:start`, runAt: now, payload: { ticketId: id, reason: 'urgent' } });
        break;
      case 'dispatched':
        cancel.push(`sla:${id}:`);
        jobs.push({ kind: JOB.signDue, key: `sla:${id}:sign:${after.version}`, runAt: new Date(e.signDeadline), payload: { ticketId: id, version: after.version } });
        jobs.push({ kind: JOB.replyDue, key: `sla:${id}:reply:${after.version}`, runAt: new Date(e.replyDeadline), payload: { ticketId: id, version: after.version } });
        break;
      case 'signed':
        cancel.push(`page:${id}:`, `sla:${id}:sign`);
        break;
      case 'replied':
        if (after.state === 'replied') jobs.push(followupJob(after, cal, now));
        cancel.push(`sla:${id}:`);
        break;
      case 'review_decided':
        if (e.approved) jobs.push(followupJob(after, cal, now));
        break;
      case 'closed':
      case 'merged':
        cancel.push(`sla:${id}:`, `page:${id}:`, `followup:${id}:`);
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

function followupJob(t: Ticket, cal: DeadlineCalendar, now: Date): JobSpec {
  // As soon as the citizen may be called: 即办 results are followed up at once (the plan: 及时按程序回访),
  // and the next-working-day limit for the rest is met by starting early. Quiet hours still apply to citizens.
  return { kind: JOB.followupStart, key: `followup:${t.id}:${t.version}`, runAt: cal.nextCallTime(now), payload: { ticketId: t.id, version: t.version } };
}
