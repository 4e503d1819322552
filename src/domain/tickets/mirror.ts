/**
 * A mirror of another platform's case (附件2 platforms) follows that platform's state: the
 * lifecycle steps that take our ticket there, within the transition table.
 */
import type { TicketEventData } from './events.js';
import type { Ticket } from './ticket.js';

export type MirrorTarget = 'replied' | 'closed';

/**
 * The events that take a mirror from its state to the platform's (empty when it is there already
 * or cannot get there): signed, then replied with the platform's reply, then closed.
 */
export function mirrorEvents(t: Pick<Ticket, 'state'>, target: MirrorTarget, reply: string, closedNote: string): TicketEventData[] {
  const ev: TicketEventData[] = [];
  let state = t.state;
  if (state === 'dispatched') {
    ev.push({ type: 'signed' });
    state = 'handling';
  }
  if (state === 'handling') {
    ev.push({ type: 'replied', reply });
    state = 'replied';
  }
  if (target === 'closed' && state === 'replied') ev.push({ type: 'closed', note: closedNote });
  return ev;
}
