/**
 * The lifecycle transition table, pure: every state against every state-changing event, checked
 * against an expected table written out here by hand (not read from TRANSITIONS), so a changed
 * rule in lifecycle.ts fails this test until the table below is changed with it.
 */
import t from 'tap';
import { AppError } from '../../../src/domain/errors.js';
import { allowedEvents, applyEvent, assertTransition, foldEvents } from '../../../src/domain/tickets/lifecycle.js';
import type { TicketEvent, TicketEventData } from '../../../src/domain/tickets/events.js';
import { STATES, type Ticket, type TicketState } from '../../../src/domain/tickets/ticket.js';

const T0 = Date.parse('2026-11-26T02:00:00Z');
const iso = (min: number) => new Date(T0 + min * 60_000).toISOString();
const UNIT = '市城管局';

const created: TicketEventData = {
  type: 'created',
  number: '20261126-0001',
  channel: 'phone',
  contact: null,
  contactName: null,
  content: '红都大道路灯不亮',
  category: '求助',
  urgent: false,
  township: null,
  place: null,
  attachments: [],
  noCallback: false,
  externalRef: null,
};
const ev = (data: TicketEventData, min = 1): Pick<TicketEvent, 'ticketId' | 'at' | 'data'> => ({ ticketId: 'tk1', at: new Date(T0 + min * 60_000), data });

/** A ticket of the given state with a unit (the fold is pure, so any state can be set directly). */
function inState(state: TicketState, extra: Partial<Ticket> = {}): Ticket {
  return { ...foldEvents([ev(created, 0)]), unit: UNIT, state, ...extra };
}

const E = {
  dispatched: { type: 'dispatched', unit: UNIT, signDeadline: iso(30), replyDeadline: iso(24 * 60) },
  signed: { type: 'signed' },
  returned: { type: 'returned', reason: '非本单位职责' },
  replied: { type: 'replied', reply: '已修复' },
  reviewApproved: { type: 'review_decided', approved: true },
  reviewRejected: { type: 'review_decided', approved: false },
  followedUp: { type: 'followed_up', result: { satisfaction: '满意', solved: true, via: 'phone' } },
  reopenedToUnit: { type: 'reopened', reason: '群众不满意', toOperator: false },
  reopenedToOperator: { type: 'reopened', reason: '派错单位', toOperator: true },
  closed: { type: 'closed' },
  merged: { type: 'merged', into: 'tk0', intoNumber: '20261126-0000' },
  answered: { type: 'answered', entryId: null, answer: '办理时间为工作日', by: '话务员', channel: 'phone', sms: false },
  takenOver: { type: 'taken_over', by: '值班长', byId: 'u1', phone: null, deadline: iso(60) },
  supervised: { type: 'supervised', level: '督办' },
  note: { type: 'note', text: '备注' },
  published: { type: 'published' },
  gridOk: { type: 'grid_confirmed', ok: true },
  gridNotOk: { type: 'grid_confirmed', ok: false },
} satisfies Record<string, TicketEventData>;

type Name = keyof typeof E;
const OPEN: TicketState[] = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing', 'answered'];

/**
 * The expected table: for each event, the states it may happen in and where it leads from each
 * ('same' keeps the state). Every pair not listed must be refused with illegal_transition.
 */
const EXPECTED: Record<Name, Partial<Record<TicketState, TicketState | 'same'>>> = {
  dispatched: { accepted: 'dispatched', returned: 'dispatched', dispatched: 'dispatched' },
  signed: { dispatched: 'handling' },
  returned: { dispatched: 'returned', handling: 'returned' },
  replied: { handling: 'replied' },
  reviewApproved: { reviewing: 'replied' },
  reviewRejected: { reviewing: 'handling' },
  followedUp: { replied: 'same', merged: 'same', answered: 'same' },
  reopenedToUnit: { replied: 'dispatched', closed: 'dispatched', answered: 'dispatched' },
  reopenedToOperator: { replied: 'returned', closed: 'returned', answered: 'returned' },
  closed: { replied: 'closed', answered: 'closed' },
  merged: { accepted: 'merged', dispatched: 'merged', returned: 'merged', handling: 'merged' },
  answered: { accepted: 'answered' },
  takenOver: { accepted: 'same', returned: 'same' },
  supervised: Object.fromEntries(OPEN.map((s) => [s, 'same'])),
  note: Object.fromEntries([...OPEN, 'closed', 'merged'].map((s) => [s, 'same'])),
  published: { closed: 'same' },
  gridOk: { replied: 'replied' },
  gridNotOk: { replied: 'handling' },
};

function attempt(tk: Ticket, data: TicketEventData): { ok: true; state: TicketState } | { ok: false; code: string; allowed: unknown } {
  try {
    assertTransition(tk, data);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return { ok: false, code: e.code, allowed: (e.details as { allowed?: unknown } | undefined)?.allowed };
  }
  return { ok: true, state: applyEvent(tk, ev(data)).state };
}

t.test('every state against every event: allowed exactly where the table says, leading where it says', async (t) => {
  let pairs = 0;
  for (const name of Object.keys(E) as Name[]) {
    for (const state of STATES) {
      const want = EXPECTED[name][state];
      const got = attempt(inState(state), E[name]);
      pairs++;
      if (want === undefined) {
        t.same(got, { ok: false, code: 'illegal_transition', allowed: allowedEvents(state) }, `${name} in ${state} is refused`);
      } else {
        t.same(got, { ok: true, state: want === 'same' ? state : want }, `${name} in ${state} → ${want}`);
      }
    }
  }
  t.equal(pairs, Object.keys(E).length * STATES.length);
});

t.test('a reply goes to review when the ticket has a reviewer, and reopening without a unit goes to the operator', async (t) => {
  t.same(attempt(inState('handling', { reviewer: '市政府办' }), E.replied), { ok: true, state: 'reviewing' });
  t.equal(applyEvent(inState('answered', { unit: null }), ev(E.reopenedToUnit)).state, 'returned', '已答复 has no unit: back to dispatch');
  t.equal(applyEvent(inState('closed'), ev(E.reopenedToUnit)).state, 'dispatched');
});

t.test('closed and merged are near-terminal: only records, 回访 of a merged citizen and reopening remain', async (t) => {
  t.same(allowedEvents('merged').sort(), ['contact_revealed', 'followed_up', 'merge_result', 'note'].sort());
  t.notOk(allowedEvents('closed').includes('dispatched'));
  t.ok(allowedEvents('closed').includes('reopened'));
  t.notOk(allowedEvents('merged').includes('reopened'));
});

t.test('created starts a ticket and nothing else; events before created are refused', async (t) => {
  t.throws(() => assertTransition(inState('accepted'), created), { code: 'bad_event' });
  t.throws(() => applyEvent(null, ev(E.signed)), { code: 'bad_event' });
  t.throws(() => foldEvents([]), { code: 'no_events' });
  t.equal(foldEvents([ev(created, 0)]).state, 'accepted');
});

t.test('the main path folds to closed with one version per event, and the 409 names the allowed events', async (t) => {
  const path: TicketEventData[] = [created, E.dispatched, E.signed, E.replied, E.followedUp, E.closed];
  let tk: Ticket | null = null;
  const states: TicketState[] = [];
  path.forEach((data, i) => {
    if (tk) assertTransition(tk, data);
    tk = applyEvent(tk, ev(data, i));
    states.push(tk.state);
  });
  t.same(states, ['accepted', 'dispatched', 'handling', 'replied', 'replied', 'closed']);
  t.equal(tk!.version, path.length);
  t.equal(tk!.unit, UNIT);
  const err = attempt(tk!, E.signed);
  t.same(err, { ok: false, code: 'illegal_transition', allowed: allowedEvents('closed') });
});

t.test('extension requests: one at a time, decided only when pending', async (t) => {
  const req: TicketEventData = { type: 'extension_requested', days: 3, reason: '需采购配件' };
  const dec: TicketEventData = { type: 'extension_decided', approved: true, replyDeadline: iso(5 * 24 * 60) };
  const handling = inState('handling');
  t.throws(() => assertTransition(handling, dec), { code: 'no_extension_pending' });
  const pending = applyEvent(handling, ev(req));
  t.equal(pending.state, 'handling');
  t.equal(pending.pendingExtensionDays, 3);
  t.throws(() => assertTransition(pending, req), { code: 'extension_pending' });
  const decided = applyEvent(pending, ev(dec));
  t.equal(decided.pendingExtensionDays, 0);
  t.equal(decided.replyDeadline?.toISOString(), iso(5 * 24 * 60));
  t.throws(() => assertTransition(inState('dispatched'), req), { code: 'illegal_transition' });
});
