/** The ticket (工单) as the domain sees it: plain data, no storage or transport concerns. */
import type { AssistPart, EmergencyType, OnSiteRecord } from './assist.js';
import type { GridTask, Publication } from './grid.js';

export const CATEGORIES = ['咨询', '求助', '投诉', '举报', '建议', '表扬'] as const;
export type Category = (typeof CATEGORIES)[number];

export const BASE_CHANNELS = ['phone', 'wechat', 'wechat-mp', 'sms', 'web', 'open311', 'grid'] as const;
/** `platform:<name>` for the outside platforms of 附件2. */
export type Channel = (typeof BASE_CHANNELS)[number] | `platform:${string}`;

export function isChannel(s: string): s is Channel {
  return (BASE_CHANNELS as readonly string[]).includes(s) || /^platform:.+/.test(s);
}

export const STATES = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing', 'closed', 'merged', 'answered'] as const;
export type TicketState = (typeof STATES)[number];

/** Chinese names the users see. */
export const STATE_LABELS: Record<TicketState, string> = {
  accepted: '已受理',
  dispatched: '已派单',
  returned: '已退单',
  handling: '办理中',
  replied: '已反馈',
  reviewing: '待审核',
  closed: '已办结',
  merged: '已并单',
  answered: '已答复',
};

export interface Attachment {
  kind: 'recording' | 'voicemail' | 'image' | 'voice' | 'file';
  url: string;
  note?: string;
}

export interface FollowUpResult {
  satisfaction: '满意' | '基本满意' | '不满意' | '未回访';
  solved?: boolean;
  reason?: string;
  /** The citizen's own words after the answer ("3 未解决，坑还在" → "坑还在"). */
  comment?: string;
  via: string;
}

export interface Ticket {
  id: string;
  number: string;
  channel: Channel;
  contact: string | null;
  contactName: string | null;
  content: string;
  category: Category;
  urgent: boolean;
  unit: string | null;
  township: string | null;
  place: string | null;
  attachments: Attachment[];
  state: TicketState;
  signDeadline: Date | null;
  replyDeadline: Date | null;
  noCallback: boolean;
  externalRef: string | null;
  /** Managing department that must approve the reply (附件2 merged-review platforms), else null. */
  reviewer: string | null;
  mergedInto: string | null;
  /**
   * The hotline office's duty officer who took on (接手) a ticket waiting for dispatch, and by when
   * it must be dispatched; null once a unit has it (dispatch) or nobody took it on.
   */
  owner: TicketOwner | null;
  ownerDeadline: Date | null;
  reopenCount: number;
  supervision: 'none' | '催办' | '督办' | '通报';
  /** working days asked for by a pending 延期 request; 0 when none is pending */
  pendingExtensionDays: number;
  lastReply: string | null;
  followUp: FollowUpResult | null;
  /** 网格员: the grid worker who reported it or was handed it (domain/tickets/grid.ts), else null. */
  grid: GridTask | null;
  /** Chosen by the 热线办 for the 市融媒体中心 (closed tickets only), else null. */
  publication: Publication | null;
  /** 突发事件 type once a 联动 was started (src/domain/tickets/assist.ts), else null */
  emergencyType: EmergencyType | null;
  /** 协办: the supporting units' parts, each with its own state and deadlines */
  assists: AssistPart[];
  /** 现场处置: who each unit sent to the scene and when they arrived */
  onSite: OnSiteRecord[];
  /** Where it is, when the channel gave coordinates (Open311 lat/long, a shared WeChat location), else null. */
  location: GeoPoint | null;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/** WGS84 coordinates of a ticket's place and the channel they came from. */
export interface GeoPoint {
  lat: number;
  lng: number;
  /** e.g. `open311`, `wechat` (a shared location) */
  source: string;
}

/** A valid WGS84 point (finite, in range), or null: coordinates from outside are checked before they are kept. */
export function geoPoint(lat: unknown, lng: unknown, source: string): GeoPoint | null {
  if (typeof lat !== 'number' || typeof lng !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lng)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  return { lat, lng, source };
}

/** A named person who answers for a ticket no unit holds yet. */
export interface TicketOwner {
  id: string;
  name: string;
  phone: string | null;
}

/** Who did something, and through what. Kept on every event. */
export interface Actor {
  id: string;
  role: 'system' | 'citizen' | 'operator' | 'unit' | 'supervisor' | 'admin' | 'duty' | 'grid' | 'media';
  name?: string;
  unit?: string | null;
}

export const SYSTEM: Actor = { id: 'system', role: 'system', name: '系统' };
