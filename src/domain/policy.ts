import type { Actor, Ticket } from './tickets/ticket.js';

export const ROLES = ['operator', 'unit', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = { operator: '话务员', unit: '承办单位', supervisor: '督办员', admin: '管理员' };

export type TicketAction =
  | 'read'
  | 'create'
  | 'dispatch'
  | 'sign'
  | 'return'
  | 'request_extension'
  | 'decide_extension'
  | 'reply'
  | 'review'
  | 'followup'
  | 'reopen'
  | 'close'
  | 'supervise'
  | 'merge'
  | 'update'
  | 'reveal_contact'
  | 'note'
  | 'page';

/**
 * Who may do what. Units act only on tickets dispatched to them; the hotline office (operator,
 * supervisor) works across units; admins configure and may do everything an office user does.
 */
const ALLOWED: Record<Role, TicketAction[]> = {
  operator: ['read', 'create', 'dispatch', 'followup', 'reopen', 'close', 'merge', 'update', 'reveal_contact', 'note', 'page', 'decide_extension'],
  unit: ['read', 'sign', 'return', 'request_extension', 'reply', 'note', 'reveal_contact'],
  supervisor: ['read', 'create', 'dispatch', 'decide_extension', 'review', 'followup', 'reopen', 'close', 'supervise', 'merge', 'update', 'reveal_contact', 'note', 'page'],
  admin: ['read', 'create', 'dispatch', 'decide_extension', 'review', 'followup', 'reopen', 'close', 'supervise', 'merge', 'update', 'reveal_contact', 'note', 'page'],
};

export interface Principal {
  id: string;
  name: string;
  role: Role;
  unit: string | null;
}

/**
 * What the managing department of a merged-review platform (附件2) may do on a ticket whose reply
 * it approves: read it, approve or send back the reply, add a note. It is not the handling unit.
 */
const REVIEWER_ACTIONS: readonly TicketAction[] = ['read', 'review', 'note'];

export function mayAct(p: Principal, action: TicketAction, ticket?: Pick<Ticket, 'unit'> & { reviewer?: string | null }): boolean {
  if (p.role === 'unit' && !!ticket && !!p.unit && ticket.reviewer === p.unit && ticket.unit !== p.unit) return REVIEWER_ACTIONS.includes(action);
  if (!ALLOWED[p.role].includes(action)) return false;
  if (p.role === 'unit') return !!ticket && !!p.unit && ticket.unit === p.unit;
  return true;
}

/** The hotline office: who sees the office's lists and takes calls. */
export const OFFICE_ROLES: readonly Role[] = ['operator', 'supervisor', 'admin'];
/** Who decides for the office (督办 sweeps, 联席会议, the callers' block list). */
export const DECIDER_ROLES: readonly Role[] = ['supervisor', 'admin'];

/** Whether this principal sees caller contacts unmasked without an explicit, audited reveal. */
export const seesFullContact = (p: Principal) => OFFICE_ROLES.includes(p.role);

/** A signed-in principal as the author of an event. */
export const actorOf = (p: Principal): Actor => ({ id: p.id, role: p.role, name: p.name, unit: p.unit });
