/** The rules of a page (即办 paging) that depend on the ticket alone. */
import type { Ticket } from '../tickets/ticket.js';

/**
 * urgent: a 即办 ticket; unassigned: a 即办 ticket nobody dispatched yet (the hotline duty office is paged);
 * assist: a 联动 page of a 协办 unit (one per unit, running beside the lead unit's page)
 */
export type PageReason = 'urgent' | 'sign_overdue' | 'manual' | 'unassigned' | 'assist';

/** Whether the ticket still needs this page: once signed (or withdrawn) paging stops. */
export function pageStillNeeded(p: { reason: PageReason; unit: string | null }, t: Pick<Ticket, 'state' | 'unit' | 'urgent' | 'assists'>): boolean {
  switch (p.reason) {
    case 'urgent':
      // A 即办 flag the hotline office cleared needs no page.
      return t.state === 'dispatched' && t.unit === p.unit && t.urgent;
    case 'sign_overdue':
      return t.state === 'dispatched' && t.unit === p.unit;
    case 'unassigned':
      return t.state === 'accepted' || t.state === 'returned';
    case 'manual':
      return t.state !== 'closed' && t.state !== 'merged';
    case 'assist':
      // A 联动 page of a 协办 unit: until its part is signed (or removed, or the lead replied).
      return t.assists.some((a) => a.unit === p.unit && a.state === 'dispatched');
  }
}
