import type { CallingWindow } from '../../domain/sla/calling-window.js';
import type { FollowUpResult } from '../../domain/tickets/ticket.js';
import type { ChatChannel } from '../conversation/ports.js';
import { DEFAULT_SLOT_STARTS } from './schedule.js';

/**
 * Sends the 回访 question into a citizen's WeChat conversation. Implemented by the WeChat
 * transports (Official Account customer-service message, wechaty bot); absent when neither runs.
 */
export interface FollowupChat {
  send(channel: ChatChannel, contactId: string, text: string): Promise<void>;
  /** When the citizen last wrote to us on this channel; null when unknown (the ticket's creation is used). */
  lastInboundAt?(channel: ChatChannel, contactId: string): Promise<Date | null>;
}

export interface FollowupConfig {
  callWindow: CallingWindow;
  /** Automated calls before falling back to SMS. */
  maxCalls: number;
  /** Parts of the day the retries are spread over (see schedule.ts). */
  slotStarts: string[];
  minGapMinutes: number;
  /** Wait after the last call before the SMS, so a late call outcome is not overtaken. */
  smsAfterLastCallMinutes: number;
  /** How long an SMS or WeChat question waits for an answer before 未回访. */
  answerHours: number;
  /**
   * Hours after the citizen's last message in which we may still write to them, per channel.
   * The Official Account only allows customer-service messages within 48 h; the bot has no such
   * limit (absent = no limit).
   */
  chatWindowHours: Partial<Record<ChatChannel, number>>;
  /**
   * A WeChat question that could not be sent is tried again after these waits (durable jobs);
   * when all failed, or the send window has closed, the 回访 goes to the phone number the citizen
   * left in the dialogue (call, else SMS), and only without one ends as 未回访.
   */
  chatRetryMinutes: number[];
  /** 市政府值班室: receives 即办 results. Empty = archived but not reported (a warning is logged). */
  cityDutyPhone: string;
}

export const DEFAULT_FOLLOWUP_CONFIG: Omit<FollowupConfig, 'callWindow' | 'cityDutyPhone'> = {
  maxCalls: 3,
  slotStarts: DEFAULT_SLOT_STARTS,
  minGapMinutes: 120,
  smsAfterLastCallMinutes: 30,
  answerHours: 24,
  chatWindowHours: { 'wechat-mp': 48 },
  chatRetryMinutes: [1, 5, 30],
};

export type FollowupStage = 'calling' | 'sms' | 'chat' | 'done';

export interface FollowupAttempt {
  n: number;
  /** ISO instant */
  at: string;
  slot: number;
  ref: string;
  callId: string | null;
  outcome: string | null;
  result: string | null;
}

/** One ticket's 回访 progress (StateStore scope `followup`, key ticket id), for the console and for idempotency. */
export interface FollowupDoc {
  ticketId: string;
  number: string;
  /** The ticket version at the reply: one round per reply, a 重办 and new reply start a new round. */
  round: number;
  stage: FollowupStage;
  startedAt: string;
  attempts: FollowupAttempt[];
  sms: { to: string; sentAt: string } | null;
  chat: { channel: ChatChannel; contactId: string; sentAt: string } | null;
  /** Failed sends of the WeChat question so far. */
  chatFailures?: number;
  /** A WeChat ticket's 回访 that went to the citizen's callback phone instead, and why. */
  phone?: string | null;
  fallbackReason?: string | null;
  /** Key of the IVR action execution that recorded the answer: a retried webhook finds it here. */
  answeredKey: string | null;
  finishedAt: string | null;
  result: FollowUpResult | null;
}

/** An SMS question waiting for the citizen (scope `followup-sms`, key the normalised phone). */
export interface PendingSms {
  ticketId: string;
  number: string;
  round: number;
  sentAt: string;
  satisfaction?: Exclude<FollowUpResult['satisfaction'], '未回访'>;
  solved?: boolean;
  /** Words the citizen added after an answer ("3 未解决，坑还在"). */
  comment?: string;
}

export const FOLLOWUP_SCOPE = 'followup';
export const FOLLOWUP_SMS_SCOPE = 'followup-sms';
