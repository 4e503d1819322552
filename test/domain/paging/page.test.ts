/** Whether a page is still needed, by its reason and the ticket alone (domain/paging/page.ts). */
import t from 'tap';
import { pageStillNeeded, type PageReason } from '../../../src/domain/paging/page.js';
import type { AssistPart } from '../../../src/domain/tickets/assist.js';
import type { Ticket, TicketState } from '../../../src/domain/tickets/ticket.js';

const UNIT = '市城管局';
const OTHER = '润泉供水公司';
type T = Pick<Ticket, 'state' | 'unit' | 'urgent' | 'assists'>;
const tk = (state: TicketState, extra: Partial<T> = {}): T => ({ state, unit: UNIT, urgent: true, assists: [], ...extra });
const page = (reason: PageReason, unit: string | null = UNIT) => ({ reason, unit });
const part = (unit: string, state: AssistPart['state']) => ({ unit, state }) as AssistPart;

t.test('urgent: while the ticket waits for its unit to sign and is still 即办', async (t) => {
  t.equal(pageStillNeeded(page('urgent'), tk('dispatched')), true);
  t.equal(pageStillNeeded(page('urgent'), tk('handling')), false, 'signed');
  t.equal(pageStillNeeded(page('urgent'), tk('dispatched', { urgent: false })), false, 'the office cleared the 即办 flag');
  t.equal(pageStillNeeded(page('urgent'), tk('dispatched', { unit: OTHER })), false, 're-dispatched to another unit');
});

t.test('sign_overdue: the same without the 即办 flag', async (t) => {
  t.equal(pageStillNeeded(page('sign_overdue'), tk('dispatched', { urgent: false })), true);
  t.equal(pageStillNeeded(page('sign_overdue'), tk('handling')), false);
  t.equal(pageStillNeeded(page('sign_overdue'), tk('dispatched', { unit: OTHER })), false);
});

t.test('unassigned: until somebody dispatches it', async (t) => {
  t.equal(pageStillNeeded(page('unassigned', null), tk('accepted', { unit: null })), true);
  t.equal(pageStillNeeded(page('unassigned', null), tk('returned')), true);
  t.equal(pageStillNeeded(page('unassigned', null), tk('dispatched')), false);
});

t.test('manual: until the ticket is closed or merged', async (t) => {
  for (const s of ['accepted', 'dispatched', 'handling', 'replied'] as const) t.equal(pageStillNeeded(page('manual'), tk(s)), true, s);
  t.equal(pageStillNeeded(page('manual'), tk('closed')), false);
  t.equal(pageStillNeeded(page('manual'), tk('merged')), false);
});

t.test("assist: until the 协办 unit's own part is signed or gone", async (t) => {
  t.equal(pageStillNeeded(page('assist', OTHER), tk('handling', { assists: [part(OTHER, 'dispatched')] })), true);
  t.equal(pageStillNeeded(page('assist', OTHER), tk('handling', { assists: [part(OTHER, 'signed')] })), false);
  t.equal(pageStillNeeded(page('assist', OTHER), tk('handling', { assists: [part(UNIT, 'dispatched')] })), false, 'another unit\'s part');
  t.equal(pageStillNeeded(page('assist', OTHER), tk('handling')), false);
});
