import type { Ticket } from '../../domain/tickets/ticket.js';
import type { TicketFilter, TicketStore } from '../ports/tickets.js';

/** Every ticket a filter matches (at most `max`), walking the store's pages by cursor. */
export async function listAll(store: Pick<TicketStore, 'list'>, filter: TicketFilter, max = Infinity): Promise<Ticket[]> {
  const out: Ticket[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: Ticket[]; next: string | null } = await store.list(filter, { limit: 500, cursor });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor && out.length < max);
  return out.slice(0, max);
}
