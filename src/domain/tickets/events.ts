import type { Attachment, Category, Channel, FollowUpResult, Ticket, TicketState } from './ticket.js';

/** The append-only facts about a ticket. The ticket row is a projection of these. */
export type TicketEventData =
  | {
      type: 'created';
      number: string;
      channel: Channel;
      contact: string | null;
      contactName: string | null;
      content: string;
      category: Category;
      urgent: boolean;
      township: string | null;
      place: string | null;
      attachments: Attachment[];
      noCallback: boolean;
      externalRef: string | null;
      reviewer?: string | null;
      classification?: unknown;
      /**
       * A 即办 flag the model alone raised on a channel no operator saw (WeChat, a message left on
       * the phone, a platform): the first page waits until then for the hotline office to confirm
       * or clear it, and goes out anyway if nobody does.
       */
      urgentCheckUntil?: string | null;
    }
  | { type: 'dispatched'; unit: string; signDeadline: string; replyDeadline: string; note?: string }
  | { type: 'signed' }
  | { type: 'returned'; reason: string }
  | { type: 'extension_requested'; days: number; reason: string }
  | { type: 'extension_decided'; approved: boolean; replyDeadline?: string; note?: string }
  | { type: 'replied'; reply: string; attachments?: Attachment[] }
  | { type: 'review_decided'; approved: boolean; note?: string }
  | { type: 'followed_up'; result: FollowUpResult }
  /**
   * 重办: a new round. Back to the unit (`dispatched`) with new sign and reply deadlines counted from
   * the reopening (absent on events recorded before rounds had their own deadlines), or to the
   * hotline operator (`returned`) when the unit was wrong.
   */
  | { type: 'reopened'; reason: string; toOperator: boolean; signDeadline?: string; replyDeadline?: string }
  /**
   * 接手: a duty officer of the hotline office took on a ticket waiting for dispatch (the 即办 page
   * to the office was acknowledged). The officer owns it until it is dispatched, by `deadline`.
   */
  | { type: 'taken_over'; by: string; byId: string; phone: string | null; deadline: string }
  | { type: 'closed'; note?: string }
  | { type: 'supervised'; level: '催办' | '督办' | '通报'; note?: string }
  | { type: 'merged'; into: string; intoNumber: string }
  | { type: 'merge_received'; from: string; fromNumber: string }
  /**
   * The ticket this one was merged into (并单) was closed: its result is this citizen's too, and
   * their own 回访 follows (a new round per closing of the target, `intoVersion`).
   */
  | { type: 'merge_result'; into: string; intoNumber: string; intoVersion: number; reply: string }
  | { type: 'updated'; changes: Partial<Pick<Ticket, 'category' | 'urgent' | 'township' | 'place' | 'content'>> }
  | { type: 'attachment_added'; attachment: Attachment }
  | { type: 'contact_revealed' }
  | { type: 'note'; text: string }
  /** The hotline office confirmed (page now) or cleared (no page) a 即办 flag it was asked to check. */
  | { type: 'urgency_checked'; urgent: boolean; note?: string };

export type TicketEventType = TicketEventData['type'];

export interface TicketEvent {
  id?: number;
  ticketId: string;
  seq: number;
  at: Date;
  actorId: string;
  actorRole: string;
  actorName?: string | null;
  via: string;
  data: TicketEventData;
}

export const EVENT_LABELS: Record<TicketEventType, string> = {
  created: '受理',
  dispatched: '派单',
  signed: '签收',
  returned: '退单',
  extension_requested: '申请延期',
  extension_decided: '延期审批',
  replied: '反馈',
  review_decided: '回复审核',
  followed_up: '回访',
  reopened: '重办',
  taken_over: '接手',
  closed: '办结',
  supervised: '督办',
  merged: '并单',
  merge_received: '并入',
  merge_result: '并单办结',
  updated: '修改',
  attachment_added: '添加附件',
  contact_revealed: '查看号码',
  note: '备注',
  urgency_checked: '即办核实',
};

export type { TicketState };
