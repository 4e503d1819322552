/** A platform mirror's steps to the platform's state, pure (domain/tickets/mirror.ts), checked against the lifecycle. */
import t from 'tap';
import { assertTransition, applyEvent, foldEvents } from '../../../src/domain/tickets/lifecycle.js';
import { mirrorEvents } from '../../../src/domain/tickets/mirror.js';
import type { TicketEventData } from '../../../src/domain/tickets/events.js';
import type { Ticket, TicketState } from '../../../src/domain/tickets/ticket.js';

const T0 = new Date('2026-11-26T02:00:00Z');
const base = foldEvents([{ ticketId: 'tk', at: T0, data: { type: 'created', number: '20261126-0001', channel: 'platform:jxzwfw', contact: null, contactName: null, content: '路灯不亮', category: '求助', urgent: false, township: null, place: null, attachments: [], noCallback: false, externalRef: 'JX-1' } }]);
const inState = (state: TicketState): Ticket => ({ ...base, unit: '市城管局', state });
const types = (ev: TicketEventData[]) => ev.map((e) => e.type);

t.test('from each state, the steps to replied and to closed', async (t) => {
  t.same(types(mirrorEvents(inState('dispatched'), 'replied', '已修复', '平台已办结')), ['signed', 'replied']);
  t.same(types(mirrorEvents(inState('dispatched'), 'closed', '已修复', '平台已办结')), ['signed', 'replied', 'closed']);
  t.same(types(mirrorEvents(inState('handling'), 'closed', '已修复', '平台已办结')), ['replied', 'closed']);
  t.same(types(mirrorEvents(inState('replied'), 'closed', '已修复', '平台已办结')), ['closed']);
  t.same(mirrorEvents(inState('replied'), 'replied', '已修复', '平台已办结'), [], 'already there');
  t.same(mirrorEvents(inState('closed'), 'closed', '已修复', '平台已办结'), []);
  t.same(mirrorEvents(inState('accepted'), 'closed', '已修复', '平台已办结'), [], 'not dispatched: cannot get there');
});

t.test('the reply and the closing note are the ones given, and every step is legal in turn', async (t) => {
  const ev = mirrorEvents(inState('dispatched'), 'closed', '已修复', '平台已办结');
  t.match(ev[1], { type: 'replied', reply: '已修复' });
  t.match(ev[2], { type: 'closed', note: '平台已办结' });
  let tk = inState('dispatched');
  for (const e of ev) {
    assertTransition(tk, e);
    tk = applyEvent(tk, { ticketId: tk.id, at: T0, data: e });
  }
  t.equal(tk.state, 'closed');
});
