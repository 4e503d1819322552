import type { AssistEventData } from './assist.js';
import { ASSIST_EVENT_LABELS } from './assist.js';
import type { Attachment, FollowUpResult, GeoPoint, Ticket, TicketState } from './ticket.js';

/** What a ticket is created with, as the ticket keeps it. */
type CreatedFields = Pick<Ticket, 'number' | 'channel' | 'contact' | 'contactName' | 'content' | 'category' | 'urgent' | 'township' | 'place' | 'attachments' | 'noCallback' | 'externalRef'>;

/** The append-only facts about a ticket. The ticket row is a projection of these. */
export type TicketEventData =
  | ({
      type: 'created';
      reviewer?: string | null;
      classification?: unknown;
      /**
       * A 即办 flag the model alone raised on a channel no operator saw (WeChat, a message left on
       * the phone, a platform): the first page waits until then for the hotline office to confirm
       * or clear it, and goes out anyway if nobody does.
       */
      urgentCheckUntil?: string | null;
      /** 网格员: found and reported on patrol by this grid worker, who then follows it (channel `grid`). */
      gridReporter?: { id: string; name: string; township: string | null } | null;
      /** Coordinates the channel gave (Open311 lat/long, a shared WeChat location). */
      location?: GeoPoint | null;
    } & CreatedFields)
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
  | { type: 'urgency_checked'; urgent: boolean; note?: string }
  /** 交网格员: a township or the hotline office handed the ticket to a grid worker to check or handle on the spot. */
  | { type: 'grid_assigned'; workerId: string; workerName: string; township: string | null; note?: string }
  /** The grid worker's on-the-spot report (text and photos). */
  | { type: 'grid_reported'; text: string; attachments?: Attachment[] }
  /** The grid worker confirmed the unit's result on the spot (ok: the 回访 follows) or not (back to the unit). */
  | { type: 'grid_confirmed'; ok: boolean; note?: string; attachments?: Attachment[] }
  /** Nobody confirmed within the limit: the 回访 goes ahead anyway. */
  | { type: 'grid_confirm_lapsed' }
  /** 市长热线日: the decision on a matter the 联席会议 could not settle, recorded on each of its tickets. */
  | { type: 'mayor_day_decided'; agendaId: string; date: string; decision: string; unit?: string | null }
  /** Chosen by the 热线办 for the 市融媒体中心's follow-up report (closed tickets), or withdrawn. */
  | { type: 'published'; headline?: string; summary?: string }
  | { type: 'unpublished'; note?: string }
  /**
   * 直接答复: answered on first contact from the knowledge base (知识库) by an operator, a bot or the
   * IVR, instead of dispatch. `entryId` is the entry read (null when answered without one); `sms`
   * when the answer was also texted to the citizen. 回访 follows (or it closes at once: a setting).
   */
  | { type: 'answered'; entryId: string | null; answer: string; by: string; channel: string; sms: boolean }
  /** 协办, 联动 and 现场处置 (src/domain/tickets/assist.ts). */
  | AssistEventData;

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
  grid_assigned: '交网格员',
  grid_reported: '网格员反馈',
  grid_confirmed: '网格员确认',
  grid_confirm_lapsed: '网格员确认超时',
  mayor_day_decided: '市长热线日决定',
  published: '媒体公开',
  unpublished: '撤回公开',
  answered: '直接答复',
  ...ASSIST_EVENT_LABELS,
};

export type { TicketState };
