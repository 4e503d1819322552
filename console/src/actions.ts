/**
 * Which buttons a ticket shows: the lifecycle says what may happen in this state (the API's
 * `allowed`), the role policy says who may do it. The same two rules the server enforces.
 */
import { mayAct, type TicketAction } from '../../src/domain/policy.js';
import type { TicketView, User } from './types.js';

export interface ActionSpec {
  event: string;
  action: TicketAction;
  label: string;
  path: string;
  /** form fields; none = confirm only */
  form: 'none' | 'dispatch' | 'reason' | 'extension' | 'decision' | 'reply' | 'followup' | 'reopen' | 'note' | 'supervise' | 'merge';
  primary?: boolean;
}

export const ACTIONS: ActionSpec[] = [
  { event: 'signed', action: 'sign', label: '签收', path: 'sign', form: 'none', primary: true },
  { event: 'replied', action: 'reply', label: '反馈办理结果', path: 'reply', form: 'reply', primary: true },
  { event: 'extension_requested', action: 'request_extension', label: '申请延期', path: 'extension', form: 'extension' },
  { event: 'returned', action: 'return', label: '退单', path: 'return', form: 'reason' },
  { event: 'dispatched', action: 'dispatch', label: '派单', path: 'dispatch', form: 'dispatch', primary: true },
  { event: 'extension_decided', action: 'decide_extension', label: '延期审批', path: 'extension/decision', form: 'decision' },
  { event: 'review_decided', action: 'review', label: '审核回复', path: 'review', form: 'decision' },
  { event: 'followed_up', action: 'followup', label: '录入回访结果', path: 'followup', form: 'followup' },
  { event: 'closed', action: 'close', label: '办结', path: 'close', form: 'note' },
  { event: 'reopened', action: 'reopen', label: '重办', path: 'reopen', form: 'reopen' },
  { event: 'supervised', action: 'supervise', label: '督办', path: 'supervise', form: 'supervise' },
  { event: 'merged', action: 'merge', label: '并单', path: 'merge', form: 'merge' },
  { event: 'note', action: 'note', label: '备注', path: 'notes', form: 'note' },
];

export function actionsFor(user: User, t: TicketView, allowed: string[]): ActionSpec[] {
  const ticket = { unit: t.unit };
  return ACTIONS.filter((a) => {
    if (!allowed.includes(a.event) || !mayAct(user, a.action, ticket)) return false;
    if (a.event === 'extension_decided') return t.pendingExtensionDays > 0;
    if (a.event === 'extension_requested') return t.pendingExtensionDays === 0;
    return true;
  }).map((a) => (a.event === 'dispatched' && t.unit ? { ...a, label: '改派' } : a));
}
