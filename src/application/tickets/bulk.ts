import { AppError } from '../../domain/errors.js';
import type { Ticket } from '../../domain/tickets/ticket.js';

/** Most tickets one bulk action takes (the console selects one page of at most 50; the API allows 200). */
export const BULK_MAX = 200;

/** What a bulk action did to one ticket: done, or why not (the code and message a single action would have answered). */
export interface BulkItemResult {
  id: string;
  ok: boolean;
  /** the ticket number when it was done (for the console's result list) */
  number?: string;
  error?: { code: string; message: string };
}

/**
 * Runs one single-ticket action for each id, one after the other, each in its own transaction (the
 * action's own): a ticket whose state, unit or version does not allow it is reported with the error
 * the single action gives, and the others go on. Repeated ids are done once. An unexpected failure
 * (not a refusal of ours) is reported as `internal_error` for that id and handed to `onUnexpected`.
 */
export async function eachTicket(ids: readonly string[], run: (id: string) => Promise<Ticket>, onUnexpected?: (err: unknown, id: string) => void): Promise<BulkItemResult[]> {
  const out: BulkItemResult[] = [];
  for (const id of new Set(ids)) {
    try {
      const t = await run(id);
      out.push({ id, ok: true, number: t.number });
    } catch (err) {
      if (err instanceof AppError) {
        out.push({ id, ok: false, error: { code: err.code, message: err.message } });
      } else {
        onUnexpected?.(err, id);
        out.push({ id, ok: false, error: { code: 'internal_error', message: '处理失败，请稍后重试' } });
      }
    }
  }
  return out;
}
