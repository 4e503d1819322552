/**
 * What the server pushes to the console over its live connection (/ws/operator), defined once for
 * both: the server's modules use these types and the console imports them. Dependency-free (only
 * the domain's types), so the console's build, which has no Node types, can import it.
 */
import type { Category, TicketState } from '../domain/tickets/ticket.js';

/** One entry of the IVR path: which menu, which key, what it meant. */
export interface IvrPathEntry {
  step: string;
  menu?: string;
  digits: string;
  label?: string;
}

/** What the IVR knows of a call when it reaches the operator queue. */
export interface ScreenPop {
  callId: string;
  caller: string;
  called: string;
  queue: string;
  priority: number;
  /** "主菜单 1 即办/紧急 > …", ready to display */
  ivrPath: string;
  path: IvrPathEntry[];
  /** every key sequence the caller entered, in order */
  digits: string[];
  recordingUrl?: string;
}

export interface CallerTicket {
  id: string;
  number: string;
  state: TicketState;
  stateLabel: string;
  category: Category;
  urgent: boolean;
  unit: string | null;
  createdAt: string;
  /** first line of the request, shortened */
  content: string;
}

export interface DraftTicket {
  channel: 'phone';
  contact: string;
  content: string;
  category: Category;
  unit: string | null;
  /** 即办 */
  urgent: boolean;
  urgentReasons: string[];
  township: string | null;
  place: string | null;
  confidence: number;
  needsManualDispatch: boolean;
}

/** The runner's screen pop (call, queue, IVR path, digits, recording) plus what the operator needs to act. */
export interface OperatorScreenPop extends ScreenPop {
  /** what the caller said, if any provider could tell */
  speech: string;
  queuedAt: string;
  /** when the call leaves the waiting list at the latest (its queue's time limit plus a grace), if the provider never says */
  expiresAt?: string;
  /** newest first, at most 5 */
  recentTickets: CallerTicket[];
  /** called before today (any earlier call or ticket since 00:00 Shanghai) */
  repeatCallerToday: boolean;
  callsToday: number;
  draft: DraftTicket;
}

export type OperatorCallState = 'queued' | 'answered' | 'abandoned' | 'left_queue' | 'hungup';

/** A queued call's progress. */
export interface OperatorCallEvent {
  callId: string;
  caller: string;
  state: OperatorCallState;
  queue?: string;
  /** queue result (timeout, full...) or the flow's end result */
  result?: string | null;
  waitedSec?: number;
  /** who took the call, when the provider tells (an operator's line bridged to it) */
  operator?: { id: string; name: string };
  at: string;
}

export type ChatChannel = 'wechat' | 'wechat-mp';

/** One line of a chat transcript. */
export interface TranscriptLine {
  from: 'citizen' | 'bot';
  text: string;
  /** ISO instant */
  at: string;
}

/** A citizen asked for 人工 in a chat, or wrote again while with an operator. */
export interface HandoverEvent {
  channel: ChatChannel;
  contactId: string;
  since: string;
  /** true for the 人工 request itself, false for a message relayed afterwards */
  first: boolean;
  lines: TranscriptLine[];
}

/** A ticket changed (the bus's ticket topic, forwarded to the console). */
export interface TicketChanged {
  id: string;
  number: string;
  state: string;
  unit: string | null;
  urgent: boolean;
  /** the types of the events of this change ('created', 'signed', 'followed_up', ...) */
  events: string[];
}
