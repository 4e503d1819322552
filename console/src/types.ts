/** Shapes of the REST API's answers, as the console reads them. */
import type { Role } from '../../src/domain/policy.js';

export interface User {
  id: string;
  name: string;
  role: Role;
  unit: string | null;
}

export interface Attachment {
  kind: 'recording' | 'voicemail' | 'image' | 'voice' | 'file';
  url: string;
  note?: string;
}

export interface TicketView {
  id: string;
  number: string;
  channel: string;
  contact: string | null;
  contactMasked: boolean;
  contactName: string | null;
  content: string;
  category: string;
  urgent: boolean;
  unit: string | null;
  township: string | null;
  place: string | null;
  attachments: Attachment[];
  state: string;
  stateLabel: string;
  signDeadline: string | null;
  replyDeadline: string | null;
  overdue: boolean;
  noCallback: boolean;
  externalRef: string | null;
  reviewer: string | null;
  mergedInto: string | null;
  /** 接手: the hotline duty officer who took on a ticket waiting for dispatch, and by when they must dispatch it */
  owner?: { id: string; name: string; phone: string | null } | null;
  ownerDeadline?: string | null;
  reopenCount: number;
  supervision: string;
  pendingExtensionDays: number;
  lastReply: string | null;
  followUp: { satisfaction: string; solved?: boolean; reason?: string; via: string } | null;
  /** 网格员: who reported it or was handed it; status confirming = the 回访 waits for their confirmation */
  grid?: { workerId: string; workerName: string; township: string | null; reporterId: string | null; status: string; at: string } | null;
  /** chosen by the 热线办 for the 市融媒体中心 */
  publication?: { headline: string | null; summary: string | null; at: string } | null;
  /** 联动: the 突发事件 type once started */
  emergencyType?: string | null;
  /** 协办: the supporting units' parts */
  assists?: AssistPartView[];
  /** 现场处置: who each unit sent to the scene and their arrival */
  onSite?: OnSiteView[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface TicketEventView {
  seq: number;
  at: string;
  type: string;
  label: string;
  actorId: string;
  actorRole: string;
  actorName: string | null;
  via: string;
  data: Record<string, unknown>;
}

export interface Classification {
  unit: string | null;
  category: string;
  urgent: boolean;
  urgentReasons: string[];
  township: string | null;
  place: string | null;
  confidence: number;
  evidence: string[];
  suggestions: { unit: string; score: number; evidence: string[] }[];
  needsManualDispatch: boolean;
}

export interface Duplicate {
  id: string;
  number: string;
  reason: string;
  score: number;
}

export interface Unit {
  name: string;
  kind: string;
  active: boolean;
}

/** The screen pop /ws/operator pushes (src/application/voice/screen-pop.ts). */
export interface ScreenPop {
  callId: string;
  caller: string;
  called: string;
  queue: string;
  priority: number;
  ivrPath: string;
  path: { step: string; menu?: string; digits: string; label?: string }[];
  digits: string[];
  recordingUrl?: string;
  speech: string;
  queuedAt: string;
  recentTickets: { id: string; number: string; state: string; stateLabel: string; category: string; urgent: boolean; unit: string | null; createdAt: string; content: string }[];
  repeatCallerToday: boolean;
  callsToday: number;
  draft: {
    channel: 'phone';
    contact: string;
    content: string;
    category: string;
    unit: string | null;
    urgent: boolean;
    urgentReasons: string[];
    township: string | null;
    place: string | null;
    confidence: number;
    needsManualDispatch: boolean;
  };
}

export interface CallStateEvent {
  callId: string;
  caller: string;
  state: 'queued' | 'answered' | 'abandoned' | 'left_queue' | 'hungup';
  queue?: string;
  result?: string | null;
  waitedSec?: number;
  /** who took it, when an operator's own phone line was bridged to it */
  operator?: { id: string; name: string };
  at: string;
}

export interface HandoverEvent {
  channel: string;
  contactId: string;
  since: string;
  first: boolean;
  lines: { from: string; text: string; at: string }[];
}

/** The bus's `ticket` topic as forwarded to the console. */
export interface TicketChange {
  id: string;
  number: string;
  state: string;
  unit: string | null;
  urgent: boolean;
  events: string[];
}

/** A 协办 unit's part of a ticket. */
export interface AssistPartView {
  unit: string;
  state: string;
  stateLabel: string;
  addedAt: string;
  signDeadline: string;
  replyDeadline: string;
  signedAt: string | null;
  repliedAt: string | null;
  reply: string | null;
  attachments: Attachment[];
  supervision: string;
  linkage: boolean;
  note: string | null;
  overdue: boolean;
}

/** 现场处置 of one unit. */
export interface OnSiteView {
  unit: string;
  sentAt: string | null;
  people: string[];
  count: number;
  equipment: string[];
  note: string | null;
  arrivedAt: string | null;
  arrivedVia: string | null;
  photos: Attachment[];
  minutes: number | null;
}
