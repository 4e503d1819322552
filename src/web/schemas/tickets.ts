import { Type, type Static } from 'typebox';
import { CATEGORIES, STATES } from '../../domain/tickets/ticket.js';
import { literals } from './common.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Category = literals([...CATEGORIES]);
const State = literals([...STATES]);
const Channel = Type.String({ pattern: '^(phone|wechat|wechat-mp|sms|web|open311|platform:.+)$', maxLength: 80 });

export const Attachment = Type.Object({
  kind: literals(['recording', 'voicemail', 'image', 'voice', 'file']),
  url: Type.String({ maxLength: 2000 }),
  note: Type.Optional(Type.String({ maxLength: 500 })),
});
export type Attachment = Static<typeof Attachment>;

/**
 * An attachment a person sends (operators at intake): an http(s) URL or one of our own /media/
 * paths, nothing else — `javascript:`, `data:` and other schemes are refused here rather than left
 * to the console's CSP. (Adapters add their own internal references, e.g. sim:// recordings.)
 */
export const ATTACHMENT_URL_PATTERN = '^(https?://[^\\s/?#\\\\][^\\s\\\\]*|/media/(?!.*\\.\\.)[^\\s?#\\\\]+)$';
export const AttachmentIn = Type.Object(
  {
    kind: literals(['recording', 'voicemail', 'image', 'voice', 'file']),
    url: Type.String({ maxLength: 2000, pattern: ATTACHMENT_URL_PATTERN, description: 'https://…, http://… or /media/…' }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const AssistPartView = Type.Object({
  unit: Type.String(),
  state: Type.String({ description: 'dispatched 待签收, signed 办理中, replied 已答复, superseded 主办已答复, removed 已撤销' }),
  stateLabel: Type.String(),
  addedAt: Type.String(),
  signDeadline: Type.String(),
  replyDeadline: Type.String(),
  signedAt: Nullable(Type.String()),
  repliedAt: Nullable(Type.String()),
  reply: Nullable(Type.String()),
  attachments: Type.Array(Attachment),
  supervision: Type.String(),
  linkage: Type.Boolean(),
  note: Nullable(Type.String()),
  overdue: Type.Boolean(),
});
export type AssistPartView = Static<typeof AssistPartView>;

export const OnSiteView = Type.Object({
  unit: Type.String(),
  sentAt: Nullable(Type.String()),
  people: Type.Array(Type.String()),
  count: Type.Integer(),
  equipment: Type.Array(Type.String()),
  note: Nullable(Type.String()),
  arrivedAt: Nullable(Type.String()),
  arrivedVia: Nullable(Type.String()),
  photos: Type.Array(Attachment),
  /** minutes from leaving to arriving, when both are known */
  minutes: Nullable(Type.Number()),
});
export type OnSiteView = Static<typeof OnSiteView>;

export const TicketView = Type.Object(
  {
    id: Type.String(),
    number: Type.String(),
    channel: Type.String(),
    contact: Nullable(Type.String()),
    contactMasked: Type.Boolean(),
    contactName: Nullable(Type.String()),
    content: Type.String(),
    category: Type.String(),
    urgent: Type.Boolean(),
    unit: Nullable(Type.String()),
    township: Nullable(Type.String()),
    place: Nullable(Type.String()),
    attachments: Type.Array(Attachment),
    state: Type.String(),
    stateLabel: Type.String(),
    signDeadline: Nullable(Type.String()),
    replyDeadline: Nullable(Type.String()),
    overdue: Type.Boolean(),
    noCallback: Type.Boolean(),
    externalRef: Nullable(Type.String()),
    reviewer: Nullable(Type.String()),
    mergedInto: Nullable(Type.String()),
    owner: Nullable(Type.Object({ id: Type.String(), name: Type.String(), phone: Nullable(Type.String()) }, { description: '接手: the hotline duty officer who took on a ticket waiting for dispatch' })),
    ownerDeadline: Nullable(Type.String({ description: 'by when the officer who took it on must dispatch it' })),
    reopenCount: Type.Integer(),
    supervision: Type.String(),
    pendingExtensionDays: Type.Integer(),
    lastReply: Nullable(Type.String()),
    followUp: Nullable(Type.Object({ satisfaction: Type.String(), solved: Type.Optional(Type.Boolean()), reason: Type.Optional(Type.String()), comment: Type.Optional(Type.String()), via: Type.String() })),
    grid: Type.Optional(
      Nullable(
        Type.Object(
          { workerId: Type.String(), workerName: Type.String(), township: Nullable(Type.String()), reporterId: Nullable(Type.String()), status: Type.String(), at: Type.String() },
          { description: '网格员: the grid worker who reported it or was handed it; status confirming = the 回访 waits for their on-the-spot confirmation' },
        ),
      ),
    ),
    publication: Type.Optional(Nullable(Type.Object({ headline: Nullable(Type.String()), summary: Nullable(Type.String()), at: Type.String() }, { description: 'chosen by the 热线办 for the 市融媒体中心' }))),
    emergencyType: Type.Optional(Nullable(Type.String({ description: '突发事件 type once a 联动 was started' }))),
    assists: Type.Optional(Type.Array(AssistPartView, { description: '协办: the supporting units\' parts' })),
    onSite: Type.Optional(Type.Array(OnSiteView, { description: '现场处置: who each unit sent to the scene and their arrival' })),
    location: Type.Optional(Nullable(Type.Object({ lat: Type.Number(), lng: Type.Number(), source: Type.String() }, { description: 'WGS84 coordinates the channel gave (Open311 lat/long, a shared WeChat location)' }))),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    version: Type.Integer(),
  },
  { $id: 'Ticket' },
);
export type TicketView = Static<typeof TicketView>;

export const Classification = Type.Object({
  unit: Nullable(Type.String()),
  category: Type.String(),
  urgent: Type.Boolean(),
  urgentReasons: Type.Array(Type.String()),
  urgentCheck: Type.Optional(Type.Boolean({ description: '待核实: a possible danger an operator confirms or clears; paged anyway after SUBAN_URGENT_CHECK_MIN' })),
  urgentCheckReasons: Type.Optional(Type.Array(Type.String())),
  township: Nullable(Type.String()),
  place: Nullable(Type.String()),
  confidence: Type.Number(),
  evidence: Type.Array(Type.String()),
  suggestions: Type.Array(Type.Object({ unit: Type.String(), score: Type.Number(), evidence: Type.Array(Type.String()) })),
  needsManualDispatch: Type.Boolean(),
});
export type Classification = Static<typeof Classification>;

export const Duplicate = Type.Object({ id: Type.String(), number: Type.String(), reason: Type.String(), score: Type.Number() });
export type Duplicate = Static<typeof Duplicate>;

export const CreateTicketBody = Type.Object(
  {
    channel: Type.Optional(Channel),
    content: Type.String({ minLength: 1, maxLength: 5000 }),
    contact: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    contactName: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    category: Type.Optional(Category),
    urgent: Type.Optional(Type.Boolean()),
    unit: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    township: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    place: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    attachments: Type.Optional(Type.Array(AttachmentIn, { maxItems: 20 })),
    noCallback: Type.Optional(Type.Boolean()),
    externalRef: Type.Optional(Nullable(Type.String({ maxLength: 200, description: "a reference of the caller's own (a paper form, a call id); platform case ids come only from the platform adapters" }))),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type CreateTicketBody = Static<typeof CreateTicketBody>;

export const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 200, description: 'comma-separated states' })),
    unit: Type.Optional(Type.String({ maxLength: 64 })),
    channel: Type.Optional(Type.String({ maxLength: 80 })),
    urgent: Type.Optional(Type.Boolean()),
    overdue: Type.Optional(Type.Boolean()),
    needsDispatch: Type.Optional(Type.Boolean()),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const TicketEventView = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  type: Type.String(),
  label: Type.String(),
  actorId: Type.String(),
  actorRole: Type.String(),
  actorName: Nullable(Type.String()),
  via: Type.String(),
  data: Type.Any(),
});
export type TicketEventView = Static<typeof TicketEventView>;

export { State, Category, Channel };
