import type { NoReplyPayload } from '../answers/service.js';
import type { ChatInput } from '../conversation/ports.js';

/**
 * Every job kind, once. The ticket timers (tickets/timers.ts) set the first group in the ticket's
 * own transaction; the services set the rest for their own steps. Each kind has one handler,
 * registered on the one runner by the service named in its comment; its payload is in JobPayloads.
 */
export const JOB = {
  // ---- set by ticket changes (tickets/timers.ts) ----
  /** Page the unit (即办), or the hotline office for a ticket still waiting for dispatch (handler: paging). */
  pageStart: 'page.start',
  /** The unit's sign deadline passed: page it when its chain says so (handler: paging). */
  signDue: 'sla.sign_due',
  /** The unit's reply deadline (handler: supervision). */
  replyDue: 'sla.reply_due',
  /** The deadline of a duty officer who took on (接手) a ticket waiting for dispatch (handler: supervision). */
  ownerDue: 'sla.owner_due',
  /** A unit's sign deadline passed: 督办 at once, not at the next sweep (handler: supervision; sign_due pages). */
  signOverdue: 'sla.sign_overdue',
  /** Start a 回访 round (handler: followup). */
  followupStart: 'followup.start',
  /** Send the reply back to the outside platform the ticket came from (handler: platforms). */
  platformReply: 'platform.reply',
  /** Report a 即办 ticket's handling result to the 市政府值班室 (handler: paging). */
  urgentReport: 'page.report',
  /** Report a 即办 ticket's 回访 result to the 市政府值班室 and archive it (handler: followup). */
  followupReport: 'followup.report',
  /** A closed ticket's result goes to the citizens of the tickets merged into it, each with their own 回访 (handler: followup). */
  mergedGroup: 'followup.merged_group',
  /** A merged ticket's citizen was not satisfied: the group's ticket is reopened (handler: followup). */
  mergedReopen: 'followup.merged_reopen',
  /** 网格员: the grid worker did not confirm the unit's result in time; the 回访 goes ahead (handler: grid). */
  gridConfirmDue: 'grid.confirm_due',
  /** A 协办 part's sign / reply deadline (handler: tickets/assist.ts). */
  assistSignDue: 'assist.sign_due',
  assistReplyDue: 'assist.reply_due',
  /** 联动: page one unit's duty person (a 协办 unit, or the lead unit when `unit` is null) (handler: tickets/assist.ts). */
  linkagePage: 'assist.linkage_page',

  // ---- set by the services for their own steps ----
  /** One attempt of a page (paging). */
  pageStep: 'page.step',
  /** A 到场确认 call after an acknowledged page (paging). */
  pageArrivalCheck: 'page.arrival_check',
  /** One automated 回访 call, the SMS, a WeChat question, the end of a round (followup). */
  followupCall: 'followup.call',
  followupSms: 'followup.sms',
  followupChat: 'followup.chat',
  followupExpire: 'followup.expire',
  /** The periodic deadline sweep (supervision). */
  supervisionSweep: 'supervision.sweep',
  /** The periodic hotspot scan (hotspots). */
  hotspotScan: 'hotspots.scan',
  /** Poll an outside platform for new cases (platforms). */
  platformPoll: 'platform.poll',
  /** A bot's answer the citizen never confirmed: a ticket after all (answers, wired in the composition root). */
  answerNoReply: 'answers.no_reply',
  /** An Official Account message WeChat was told `success` about before its replies existed (wechat-mp). */
  mpUnanswered: 'wechat-mp.unanswered',
} as const;

type TicketVersion = { ticketId: string; version: number };
type FollowupRound = { ticketId: string; round: number };

/**
 * What each job kind carries, once: the services that set a job and the handler that runs it are
 * checked against the same type, so neither casts the payload. The payload is stored as JSON: an
 * instant travels as an ISO string.
 */
export interface JobPayloads {
  [JOB.pageStart]: { ticketId: string; reason: 'urgent' | 'unassigned' };
  [JOB.signDue]: TicketVersion;
  [JOB.replyDue]: TicketVersion;
  [JOB.ownerDue]: TicketVersion;
  [JOB.signOverdue]: TicketVersion;
  [JOB.followupStart]: TicketVersion;
  [JOB.platformReply]: TicketVersion;
  [JOB.urgentReport]: { ticketId: string };
  [JOB.followupReport]: TicketVersion;
  [JOB.mergedGroup]: TicketVersion;
  [JOB.mergedReopen]: TicketVersion;
  [JOB.gridConfirmDue]: TicketVersion;
  [JOB.assistSignDue]: { ticketId: string; unit: string };
  [JOB.assistReplyDue]: { ticketId: string; unit: string };
  [JOB.linkagePage]: { ticketId: string; unit: string | null };
  [JOB.pageStep]: { pageId: string; ticketId: string; step: number; attempt: number };
  [JOB.pageArrivalCheck]: { pageId: string; ticketId: string; to: string; n: number };
  [JOB.followupCall]: FollowupRound & { n: number };
  [JOB.followupSms]: FollowupRound;
  [JOB.followupChat]: FollowupRound & { n: number };
  [JOB.followupExpire]: FollowupRound;
  [JOB.supervisionSweep]: Record<string, never>;
  [JOB.hotspotScan]: Record<string, never>;
  [JOB.platformPoll]: { slug: string };
  [JOB.answerNoReply]: NoReplyPayload;
  [JOB.mpUnanswered]: { key: string; input: Omit<ChatInput, 'at'> & { at: string } };
}

export type JobKind = keyof JobPayloads;
/** A kind added to JOB without its payload above fails to compile here. */
type PayloadOfEveryKind<T extends Record<(typeof JOB)[keyof typeof JOB], unknown>> = T;
type _Checked = PayloadOfEveryKind<JobPayloads>;

/** A timer that must survive a restart: one row in the job table, of a known kind with its payload. */
export type JobSpec<K extends JobKind = JobKind> = K extends JobKind ? { kind: K; key: string; runAt: Date; payload: JobPayloads[K] } : never;

/** How far a stored job got. */
interface JobState {
  id: number;
  attempts: number;
  status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
}

/**
 * A job row as read back (lists, claims): any kind, its payload as stored, since a row may have
 * been written by another version of the service. The runner hands each handler a `JobOf` its kind.
 */
export interface Job extends JobState {
  kind: string;
  key: string;
  runAt: Date;
  payload: Record<string, unknown>;
}

/** A claimed job of a known kind, as its handler gets it. */
export type JobOf<K extends JobKind> = JobSpec<K> & JobState;

export type JobHandler<K extends JobKind> = (job: JobOf<K>) => Promise<void>;

/** Where the services register their job handlers (the one JobRunner): one handler per kind. */
export interface JobHandlers {
  register<K extends JobKind>(kind: K, handler: JobHandler<K>): unknown;
}

export interface JobStore {
  enqueue(jobs: readonly JobSpec[]): Promise<void>;
  /** Claim due jobs under a lease; on PostgreSQL with FOR UPDATE SKIP LOCKED so instances never share one. */
  claim(now: Date, limit: number, worker: string, leaseMs: number): Promise<Job[]>;
  complete(id: number, now: Date): Promise<void>;
  retry(id: number, error: string, runAt: Date): Promise<void>;
  fail(id: number, error: string, now: Date): Promise<void>;
  /** Cancel pending jobs whose key starts with the prefix (e.g. every step of an acknowledged page). */
  cancelByPrefix(prefix: string, now: Date): Promise<number>;
  get(key: string): Promise<Job | null>;
  list(filter: { status?: Job['status']; kindPrefix?: string; limit?: number }): Promise<Job[]>;
  nextDue(): Promise<Date | null>;
}
