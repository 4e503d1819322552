import { conflict, invalid } from '../errors.js';
import { applyAssist, assertAssist, isAssistEvent, supersedeOpenParts } from './assist.js';
import type { TicketEvent, TicketEventData, TicketEventType } from './events.js';
import { STATE_LABELS, type Ticket, type TicketState } from './ticket.js';
import { gridAfter } from './grid.js';

/**
 * The explicit transition table. Each state-changing event lists the states it may happen in
 * and the state it leads to (`same` keeps the state). Anything not listed is illegal.
 */
type Target = TicketState | 'same' | ((t: Ticket, e: TicketEventData) => TicketState);

const OPEN: TicketState[] = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing', 'answered'];

export const TRANSITIONS: Record<Exclude<TicketEventType, 'created'>, { from: TicketState[]; to: Target }> = {
  dispatched: { from: ['accepted', 'returned', 'dispatched'], to: 'dispatched' },
  signed: { from: ['dispatched'], to: 'handling' },
  returned: { from: ['dispatched', 'handling'], to: 'returned' },
  extension_requested: { from: ['handling'], to: 'same' },
  extension_decided: { from: ['handling', 'replied'], to: 'same' },
  replied: { from: ['handling'], to: (t) => (t.reviewer ? 'reviewing' : 'replied') },
  review_decided: { from: ['reviewing'], to: (_t, e) => (e.type === 'review_decided' && e.approved ? 'replied' : 'handling') },
  // A merged ticket's citizen is followed up on their own ticket once the group's ticket closed.
  followed_up: { from: ['replied', 'merged', 'answered'], to: 'same' },
  // A direct answer (已答复) that did not help has no unit: back to the operator to dispatch.
  reopened: { from: ['replied', 'closed', 'answered'], to: (t, e) => (e.type === 'reopened' && (e.toOperator || !t.unit) ? 'returned' : 'dispatched') },
  taken_over: { from: ['accepted', 'returned'], to: 'same' },
  closed: { from: ['replied', 'answered'], to: 'closed' },
  supervised: { from: OPEN, to: 'same' },
  merged: { from: ['accepted', 'dispatched', 'returned', 'handling'], to: 'merged' },
  merge_received: { from: OPEN, to: 'same' },
  merge_result: { from: ['merged'], to: 'same' },
  updated: { from: ['accepted', 'dispatched', 'returned', 'handling'], to: 'same' },
  urgency_checked: { from: ['accepted', 'dispatched', 'returned', 'handling'], to: 'same' },
  attachment_added: { from: [...OPEN, 'closed'], to: 'same' },
  contact_revealed: { from: [...OPEN, 'closed', 'merged'], to: 'same' },
  note: { from: [...OPEN, 'closed', 'merged'], to: 'same' },
  grid_assigned: { from: ['accepted', 'dispatched', 'returned', 'handling'], to: 'same' },
  grid_reported: { from: ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'], to: 'same' },
  // Not ok on the spot: back to the unit, which replies again.
  grid_confirmed: { from: ['replied'], to: (_t, e) => (e.type === 'grid_confirmed' && !e.ok ? 'handling' : 'replied') },
  grid_confirm_lapsed: { from: ['replied'], to: 'same' },
  mayor_day_decided: { from: [...OPEN, 'closed'], to: 'same' },
  published: { from: ['closed'], to: 'same' },
  unpublished: { from: ['closed'], to: 'same' },
  // 直接答复 on first contact, from the knowledge base, instead of dispatch.
  answered: { from: ['accepted'], to: 'answered' },
  // 协办 parts and 现场处置 (assist.ts): the part's own state is checked by assertAssist.
  assist_added: { from: ['accepted', 'dispatched', 'returned', 'handling'], to: 'same' },
  assist_removed: { from: OPEN, to: 'same' },
  assist_signed: { from: OPEN, to: 'same' },
  assist_replied: { from: OPEN, to: 'same' },
  assist_supervised: { from: OPEN, to: 'same' },
  linkage_started: { from: ['accepted', 'dispatched', 'returned', 'handling'], to: 'same' },
  onsite_dispatched: { from: OPEN, to: 'same' },
  onsite_arrived: { from: [...OPEN, 'closed'], to: 'same' },
};

const GRID_EVENT_TYPES: ReadonlySet<TicketEventType> = new Set(['grid_assigned', 'published']);

/** Which event types may happen now; the 409 names them. */
export function allowedEvents(state: TicketState): TicketEventType[] {
  return (Object.keys(TRANSITIONS) as Exclude<TicketEventType, 'created'>[]).filter((k) => TRANSITIONS[k].from.includes(state));
}

export function assertTransition(t: Ticket, e: TicketEventData): void {
  if (e.type === 'created') throw invalid('bad_event', 'created can only start a ticket');
  const rule = TRANSITIONS[e.type];
  if (!rule.from.includes(t.state)) {
    const allowed = allowedEvents(t.state);
    throw conflict(
      'illegal_transition',
      `工单 ${t.number} 当前状态为「${STATE_LABELS[t.state]}」(${t.state}),不能执行 ${e.type};允许的操作:${allowed.join(', ') || '无'}`,
      { state: t.state, action: e.type, allowed },
    );
  }
  if (e.type === 'extension_requested' && t.pendingExtensionDays > 0) throw conflict('extension_pending', '已有待审批的延期申请');
  if (e.type === 'extension_decided' && t.pendingExtensionDays === 0) throw conflict('no_extension_pending', '没有待审批的延期申请');
  if (isAssistEvent(e)) assertAssist(t, e);
}

function nextState(t: Ticket, e: TicketEventData): TicketState {
  if (e.type === 'created') return 'accepted';
  const to = TRANSITIONS[e.type].to;
  if (to === 'same') return t.state;
  return typeof to === 'function' ? to(t, e) : to;
}

/** Apply one event to a ticket (pure). `created` builds the ticket from nothing. */
export function applyEvent(t: Ticket | null, ev: Pick<TicketEvent, 'ticketId' | 'at' | 'data'>): Ticket {
  const e = ev.data;
  if (e.type === 'created') {
    const created: Ticket = {
      id: ev.ticketId,
      number: e.number,
      channel: e.channel,
      contact: e.contact,
      contactName: e.contactName,
      content: e.content,
      category: e.category,
      urgent: e.urgent,
      unit: null,
      township: e.township,
      place: e.place,
      attachments: [...e.attachments],
      state: 'accepted',
      signDeadline: null,
      replyDeadline: null,
      noCallback: e.noCallback,
      externalRef: e.externalRef,
      reviewer: e.reviewer ?? null,
      mergedInto: null,
      owner: null,
      ownerDeadline: null,
      reopenCount: 0,
      supervision: 'none',
      pendingExtensionDays: 0,
      lastReply: null,
      followUp: null,
      grid: null,
      publication: null,
      emergencyType: null,
      assists: [],
      onSite: [],
      location: e.location ?? null,
      createdAt: ev.at,
      updatedAt: ev.at,
      version: 1,
    };
    if (e.gridReporter) created.grid = gridAfter(created, e, 'accepted', ev.at).grid;
    return created;
  }
  if (!t) throw invalid('bad_event', 'event before created');
  // Copied, then changed: a spread followed by more properties gives every copy a new hidden class
  // in Node 20's V8 (measured ~5 µs each, and slower property reads after).
  const n: Ticket = { ...t };
  n.state = nextState(t, e);
  n.updatedAt = ev.at;
  n.version = t.version + 1;
  switch (e.type) {
    case 'dispatched':
      n.unit = e.unit;
      n.signDeadline = new Date(e.signDeadline);
      n.replyDeadline = new Date(e.replyDeadline);
      n.supervision = 'none';
      n.owner = null;
      n.ownerDeadline = null;
      break;
    case 'taken_over':
      n.owner = { id: e.byId, name: e.by, phone: e.phone };
      n.ownerDeadline = new Date(e.deadline);
      n.supervision = 'none';
      break;
    case 'returned':
      n.unit = t.unit; // stays visible as the unit that returned it until re-dispatch
      break;
    case 'extension_requested':
      n.pendingExtensionDays = e.days;
      break;
    case 'extension_decided':
      n.pendingExtensionDays = 0;
      if (e.approved && e.replyDeadline) n.replyDeadline = new Date(e.replyDeadline);
      break;
    case 'replied':
      n.lastReply = e.reply;
      if (e.attachments) n.attachments = [...n.attachments, ...e.attachments];
      supersedeOpenParts(n);
      break;
    case 'followed_up':
      n.followUp = e.result;
      break;
    case 'reopened':
      n.reopenCount = t.reopenCount + 1;
      n.followUp = null;
      // A new round: the unit's new deadlines, and no 督办 carried over from the last one.
      if (e.signDeadline && e.replyDeadline && !e.toOperator) {
        n.signDeadline = new Date(e.signDeadline);
        n.replyDeadline = new Date(e.replyDeadline);
        n.supervision = 'none';
      }
      break;
    case 'supervised':
      n.supervision = e.level;
      break;
    case 'merged':
      n.mergedInto = e.into;
      break;
    case 'merge_result':
      n.lastReply = e.reply;
      n.followUp = null;
      break;
    case 'updated':
      Object.assign(n, e.changes);
      break;
    case 'urgency_checked':
      n.urgent = e.urgent;
      break;
    case 'answered':
      n.lastReply = e.answer;
      n.owner = null;
      n.ownerDeadline = null;
      break;
    case 'attachment_added':
      n.attachments = [...n.attachments, e.attachment];
      break;
    case 'grid_reported':
    case 'grid_confirmed':
      // the grid worker's photos from the spot go with the ticket
      if (e.attachments?.length) n.attachments = [...n.attachments, ...e.attachments];
      break;
    default:
      if (isAssistEvent(e)) applyAssist(n, e, ev.at);
      break;
  }
  // 网格员 and media publication (domain/tickets/grid.ts).
  if (t.grid || t.publication || GRID_EVENT_TYPES.has(e.type)) {
    const g = gridAfter(t, e, n.state, ev.at);
    n.grid = g.grid;
    n.publication = g.publication;
  }
  return n;
}

/** The current ticket derived from its events alone; the store's row must always equal this. */
export function foldEvents(events: Pick<TicketEvent, 'ticketId' | 'at' | 'data'>[]): Ticket {
  let t: Ticket | null = null;
  for (const e of events) t = applyEvent(t, e);
  if (!t) throw invalid('no_events', 'a ticket needs at least its created event');
  return t;
}
