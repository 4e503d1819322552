import { randomUUID } from 'node:crypto';
import type { TicketEventData } from '../../src/domain/tickets/events.js';
import type { Actor, Category } from '../../src/domain/tickets/ticket.js';

export const OPERATOR: Actor = { id: 'op-1', role: 'operator', name: '话务员' };

/** A "created" event with sensible defaults: the Mother of test tickets. */
export function createdEvent(number: string, over: Partial<Extract<TicketEventData, { type: 'created' }>> = {}): TicketEventData {
  return {
    type: 'created',
    number,
    channel: 'phone',
    contact: '13800138000',
    contactName: null,
    content: '象湖镇红都大道路灯不亮',
    category: '求助' as Category,
    urgent: false,
    township: '象湖镇',
    place: '红都大道',
    attachments: [],
    noCallback: false,
    externalRef: null,
    ...over,
  };
}

export const dispatchedEvent = (unit = '市城管局', from = new Date('2026-11-26T02:00:00Z')): TicketEventData => ({
  type: 'dispatched',
  unit,
  signDeadline: new Date(from.getTime() + 2 * 3600_000).toISOString(),
  replyDeadline: new Date(from.getTime() + 10 * 86400_000).toISOString(),
});

export const newId = () => randomUUID();
