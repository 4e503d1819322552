/** The rules of a 回访 result: what makes it negative, and which lifecycle events it leads to. */
import type { TicketEventData } from './events.js';
import type { FollowUpResult, Ticket } from './ticket.js';

/** Not satisfied, or the matter not solved: the ticket goes back for 重办. */
export function isNegativeFollowUp(r: { satisfaction?: FollowUpResult['satisfaction'] | null; solved?: boolean | null }): boolean {
  return r.satisfaction === '不满意' || r.solved === false;
}

/**
 * A 回访 result: satisfied and solved closes; otherwise 重办 back to the unit (or the operator when
 * the unit was wrong). A merged (并单) ticket only records its citizen's answer: the group's ticket
 * carries the matter, and a negative answer reopens that one (timers: JOB.mergedReopen).
 */
export function followUpEvents(result: FollowUpResult, wrongUnit = false, state?: Ticket['state']): TicketEventData[] {
  const events: TicketEventData[] = [{ type: 'followed_up', result }];
  if (state === 'merged') return events;
  if (isNegativeFollowUp(result)) {
    // A direct answer (已答复) that did not help has no unit: it goes to the operator to dispatch.
    events.push({ type: 'reopened', reason: result.reason || (result.solved === false ? '群众反映问题未解决' : '群众不满意'), toOperator: wrongUnit || state === 'answered' });
  } else {
    events.push({ type: 'closed', note: result.satisfaction === '未回访' ? '未回访办结' : undefined });
  }
  return events;
}
