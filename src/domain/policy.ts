import type { Actor, Ticket } from './tickets/ticket.js';
import type { GridTask } from './tickets/grid.js';
import type { AssistPart } from './tickets/assist.js';

export const ROLES = ['operator', 'unit', 'supervisor', 'admin', 'grid', 'media'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = { operator: '话务员', unit: '承办单位', supervisor: '督办员', admin: '管理员', grid: '网格员', media: '融媒体中心' };

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
  | 'page'
  /** 协办 and 联动: the office adds or removes supporting units and starts an emergency 联动 */
  | 'assist'
  /** a 协办 unit signs / replies its own part */
  | 'assist_sign'
  | 'assist_reply'
  /** 现场处置: who was sent to the scene, their arrival (the lead or a 协办 unit, or the office for them) */
  | 'onsite'
  /** 网格员: hand a ticket to a grid worker (a township unit or the office); the grid worker's report and confirmation */
  | 'grid_assign'
  | 'grid_report'
  | 'grid_confirm'
  /** choose a closed ticket for the 市融媒体中心 (or withdraw it) */
  | 'publish';

/**
 * Who may do what. Units act only on tickets dispatched to them; the hotline office (operator,
 * supervisor) works across units; admins configure and may do everything an office user does.
 */
const ALLOWED: Record<Role, TicketAction[]> = {
  operator: ['read', 'create', 'dispatch', 'followup', 'reopen', 'close', 'merge', 'update', 'reveal_contact', 'note', 'page', 'decide_extension', 'assist', 'onsite', 'grid_assign'],
  unit: ['read', 'sign', 'return', 'request_extension', 'reply', 'note', 'reveal_contact', 'onsite', 'grid_assign'],
  supervisor: ['read', 'create', 'dispatch', 'decide_extension', 'review', 'followup', 'reopen', 'close', 'supervise', 'merge', 'update', 'reveal_contact', 'note', 'page', 'assist', 'onsite', 'grid_assign', 'publish'],
  admin: ['read', 'create', 'dispatch', 'decide_extension', 'review', 'followup', 'reopen', 'close', 'supervise', 'merge', 'update', 'reveal_contact', 'note', 'page', 'assist', 'onsite', 'grid_assign', 'publish'],
  // A grid worker acts only on tickets they reported or were handed (mayAct); the media centre reads published tickets through its own view only.
  grid: ['read', 'create', 'grid_report', 'grid_confirm', 'note'],
  media: [],
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

/** What a 协办 unit may do on a ticket it supports: read it, sign and reply its own part, record its people on the scene. */
const ASSIST_ACTIONS: readonly TicketAction[] = ['read', 'assist_sign', 'assist_reply', 'onsite'];

export function mayAct(p: Principal, action: TicketAction, ticket?: Pick<Ticket, 'unit'> & { reviewer?: string | null; grid?: Pick<GridTask, 'workerId' | 'reporterId'> | null; assists?: AssistPart[] }): boolean {
  if (p.role === 'grid') return mayGridAct(p, action, ticket?.grid);
  if (p.role === 'unit' && !!ticket && !!p.unit && ticket.reviewer === p.unit && ticket.unit !== p.unit) return REVIEWER_ACTIONS.includes(action);
  if (p.role === 'unit' && !!ticket && !!p.unit && ticket.unit !== p.unit && ticket.assists?.some((a) => a.unit === p.unit && a.state !== 'removed')) return ASSIST_ACTIONS.includes(action);
  if (action === 'assist_sign' || action === 'assist_reply') return false;
  if (!ALLOWED[p.role].includes(action)) return false;
  if (p.role === 'unit') return !!ticket && !!p.unit && ticket.unit === p.unit;
  return true;
}

/** A grid worker reads the tickets they reported or were handed; only the one who has it reports and confirms. */
function mayGridAct(p: Principal, action: TicketAction, grid: Pick<GridTask, 'workerId' | 'reporterId'> | null | undefined): boolean {
  if (!ALLOWED.grid.includes(action)) return false;
  if (action === 'create') return true;
  if (!grid) return false;
  if (action === 'read') return grid.workerId === p.id || grid.reporterId === p.id;
  return grid.workerId === p.id;
}

/** The hotline office: who sees the office's lists and takes calls. */
export const OFFICE_ROLES: readonly Role[] = ['operator', 'supervisor', 'admin'];
/** Who decides for the office (督办 sweeps, 联席会议, the callers' block list). */
export const DECIDER_ROLES: readonly Role[] = ['supervisor', 'admin'];
/** Administration (users, directory, KPI rules). */
export const ADMIN_ROLES: readonly Role[] = ['admin'];
/** The hotline office and the units: the statistics, first-contact figures, a ticket's attachments. */
export const OFFICE_AND_UNIT_ROLES: readonly Role[] = [...OFFICE_ROLES, 'unit'];

/** Whether this principal sees caller contacts unmasked without an explicit, audited reveal. */
export const seesFullContact = (p: Principal) => OFFICE_ROLES.includes(p.role);

/** A signed-in principal as the author of an event. */
export const actorOf = (p: Principal): Actor => ({ id: p.id, role: p.role, name: p.name, unit: p.unit });
