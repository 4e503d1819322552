import type { Category } from '../../domain/tickets/ticket.js';
import type { Classification } from '../../domain/routing/classifier.js';

/** What the classifier decided and why (the domain's type); kept on the ticket for the operator and for audits. */
export type ClassificationResult = Classification;

/** In-process (synchronous) or on a worker thread (adapters/threads/classifier-pool.ts): callers await either. */
export interface ClassifierPort {
  classify(text: string): ClassificationResult | Promise<ClassificationResult>;
}

/** Deadlines and calling hours: the SLA calendar as the services need it. */
export interface DeadlineCalendar {
  deadlines(input: { category: Category; urgent: boolean; from: Date }): { signBy: Date; replyBy: Date };
  extendReply(replyBy: Date, days: number): Date;
  isWorkingTime(at: Date): boolean;
  /** Earliest moment at or after `at` inside the citizen calling window (default 08:30–21:00). */
  nextCallTime(at: Date): Date;
  /** Start of the next working day's hours strictly after `at`'s day (for "回访 by next working day"). */
  nextWorkingDayEnd(at: Date): Date;
  workingDaysBetween(a: Date, b: Date): number;
}
