/** The ports of paging: where pages and their attempts live, and how a page is locked while it sends. */
import type { EscalationStep, PageChannel, TargetKind } from '../../domain/duty/escalation.js';
import type { JobSpec } from '../ports/jobs.js';

export type PageStatus = 'running' | 'acked' | 'cancelled' | 'stopped';
export type { PageReason } from '../../domain/paging/page.js';
import type { PageReason } from '../../domain/paging/page.js';
export type AckVia = 'call' | 'sms' | 'wechat' | 'console';

/** What the call reads out (ivr-flows/paging.yaml inputs). */
export interface PageVars {
  ticketNumber: string;
  category: string;
  place: string;
  summary: string;
  [k: string]: string;
}

export interface Page {
  id: string;
  ticketId: string;
  ticketNumber: string;
  unit: string | null;
  reason: PageReason;
  status: PageStatus;
  /** copied from the unit's chain when the page started */
  chain: EscalationStep[];
  vars: PageVars;
  /** the last attempt made; 0/0 before the first */
  step: number;
  attempt: number;
  /** the attempt that is due next (exactly one job exists for it) */
  next: { step: number; attempt: number; at: Date } | null;
  startedAt: Date;
  startedBy: string;
  endedAt: Date | null;
  endReason: string | null;
  ack: { at: Date; by: string; byId: string; via: AckVia } | null;
}

export type AttemptStatus = 'sending' | 'sent' | 'failed' | 'unreachable';

export interface PageAttempt {
  pageId: string;
  ticketId: string;
  step: number;
  attempt: number;
  target: TargetKind;
  targetName: string | null;
  channel: PageChannel;
  /** phone number, or WeChat id for a WeChat message */
  to: string | null;
  /** SMS/WeChat acknowledgement code */
  code: string | null;
  status: AttemptStatus;
  /** CallSid / SMS id */
  providerId: string | null;
  /** how a call ended (no-answer, busy, machine, completed ...) */
  outcome: string | null;
  /** the flow's result (acknowledged, passed, not_reached ...) */
  result: string | null;
  error: string | null;
  at: Date;
  endedAt: Date | null;
}

export type PagePatch = Partial<Pick<Page, 'status' | 'step' | 'attempt' | 'next' | 'endedAt' | 'endReason' | 'ack'>>;
export type AttemptPatch = Partial<Pick<PageAttempt, 'status' | 'providerId' | 'outcome' | 'result' | 'error' | 'endedAt'>>;

/** Writes made while a page is locked. */
export interface PageWriter {
  updatePage(id: string, patch: PagePatch): Promise<void>;
  /** false when the attempt already exists: it was made before (a job that ran twice) */
  insertAttempt(a: PageAttempt): Promise<boolean>;
  updateAttempt(pageId: string, step: number, attempt: number, patch: AttemptPatch): Promise<void>;
  enqueue(jobs: JobSpec[]): Promise<void>;
  /** Move a pending job earlier (never later). */
  bringForward(key: string, runAt: Date): Promise<void>;
  cancelJobs(prefix: string): Promise<number>;
}

export interface PageLock {
  /** the page, read under the lock */
  page: Page;
  /**
   * Writes. On PostgreSQL they join the transaction that holds the row lock (committed when the
   * lock is released); on SQLite each call is its own transaction under an in-process page lock.
   */
  write<T>(fn: (w: PageWriter) => Promise<T>): Promise<T>;
}

export interface PageFilter {
  status?: PageStatus;
  unit?: string;
  ticketId?: string;
  limit?: number;
}

export interface PagingStore {
  /** Creates the page and its first job atomically; a running page of the ticket or a used source key wins. */
  create(page: Page, sourceKey: string | null, firstJob: JobSpec): Promise<{ page: Page; created: boolean }>;
  get(id: string): Promise<Page | null>;
  runningForTicket(ticketId: string): Promise<Page | null>;
  list(f: PageFilter): Promise<Page[]>;
  attempts(pageId: string): Promise<PageAttempt[]>;
  attemptsOf(pageIds: string[]): Promise<Map<string, PageAttempt[]>>;
  attemptByProvider(providerId: string): Promise<PageAttempt | null>;
  /** SMS/WeChat attempts sent to `to` since `since`, newest first, with their page's status. */
  messagesTo(to: string, since: Date): Promise<(PageAttempt & { pageStatus: PageStatus })[]>;
  /** Every attempt (calls too) made to `to` since `since`, newest first, with their page's status (现场处置 arrival reports). */
  attemptsTo(to: string, since: Date): Promise<(PageAttempt & { pageStatus: PageStatus })[]>;
  /** Codes `to` holds on running pages. */
  openCodes(to: string): Promise<Set<string>>;
  /**
   * Runs `fn` with the page locked against every other lock holder (a step sending, an ack, a
   * call outcome), across instances on PostgreSQL. `null` when the page does not exist.
   */
  withLock<T>(pageId: string, fn: (l: PageLock | null) => Promise<T>): Promise<T>;
}
