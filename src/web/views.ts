import { maskContact } from '../domain/phone.js';
import { seesFullContact, type Principal } from '../domain/policy.js';
import { EVENT_LABELS, type TicketEvent } from '../domain/tickets/events.js';
import { STATE_LABELS, type Ticket } from '../domain/tickets/ticket.js';
import { PART_STATE_LABELS } from '../domain/tickets/assist.js';
import type { TicketView } from './schemas/tickets.js';

const OPEN = new Set(['dispatched', 'handling', 'returned', 'accepted']);

/** The API's picture of a ticket for one principal: units see the caller masked unless they revealed it. */
export function ticketView(t: Ticket, p: Principal, now: Date, revealed = false): TicketView {
  const full = seesFullContact(p) || revealed;
  const overdue =
    (t.state === 'dispatched' && !!t.signDeadline && t.signDeadline < now) ||
    (OPEN.has(t.state) && !!t.replyDeadline && t.replyDeadline < now) ||
    ((t.state === 'accepted' || t.state === 'returned') && !!t.ownerDeadline && t.ownerDeadline < now);
  return {
    id: t.id,
    number: t.number,
    channel: t.channel,
    contact: t.contact ? (full ? t.contact : maskContact(t.contact)) : null,
    contactMasked: !!t.contact && !full,
    contactName: t.contactName,
    content: t.content,
    category: t.category,
    urgent: t.urgent,
    unit: t.unit,
    township: t.township,
    place: t.place,
    attachments: t.attachments,
    state: t.state,
    stateLabel: STATE_LABELS[t.state],
    signDeadline: t.signDeadline?.toISOString() ?? null,
    replyDeadline: t.replyDeadline?.toISOString() ?? null,
    overdue,
    noCallback: t.noCallback,
    externalRef: t.externalRef,
    reviewer: t.reviewer,
    mergedInto: t.mergedInto,
    owner: t.owner,
    ownerDeadline: t.ownerDeadline?.toISOString() ?? null,
    reopenCount: t.reopenCount,
    supervision: t.supervision,
    pendingExtensionDays: t.pendingExtensionDays,
    lastReply: t.lastReply,
    followUp: t.followUp,
    grid: t.grid,
    publication: t.publication,
    emergencyType: t.emergencyType,
    assists: t.assists.map((a) => ({
      ...a,
      stateLabel: PART_STATE_LABELS[a.state],
      overdue: (a.state === 'dispatched' && new Date(a.signDeadline) < now) || ((a.state === 'dispatched' || a.state === 'signed') && new Date(a.replyDeadline) < now),
    })),
    onSite: t.onSite.map((r) => ({ ...r, minutes: r.sentAt && r.arrivedAt ? Math.round((Date.parse(r.arrivedAt) - Date.parse(r.sentAt)) / 6000) / 10 : null })),
    location: t.location,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    version: t.version,
  };
}

export function eventView(e: TicketEvent, p: Principal) {
  let data: unknown = e.data;
  // A created event repeats the caller's contact: mask it like the ticket.
  if (e.data.type === 'created' && !seesFullContact(p)) data = { ...e.data, contact: maskContact(e.data.contact) };
  return { seq: e.seq, at: e.at.toISOString(), type: e.data.type, label: EVENT_LABELS[e.data.type], actorId: e.actorId, actorRole: e.actorRole, actorName: e.actorName ?? null, via: e.via, data };
}
