/**
 * Issue 18, item 1: a 即办 ticket nobody dispatched pages the hotline office's duty officer at once
 * and keeps at it; 接手 (an office ack) makes the officer its owner with a deadline (30 minutes for
 * 即办) watched like a unit's: when it passes, 督办 goes to that officer and the office is paged again.
 */
import t from 'tap';
import { withSupervision } from '../../helpers/supervision.js';
import { pagingHarness, PHONES, UNIT } from './harness.js';

const MIN = 60_000;
const OP = { id: 'op-1', name: '话务员', role: 'operator' as const, unit: null };

t.test('接手 of an undispatched 即办: the officer owns it for 30 minutes, then 督办 to them and the office is paged again', async (t) => {
  const h = await pagingHarness(t);
  withSupervision(h);
  const tk = await h.ticket({ unit: null });
  t.equal(tk.state, 'accepted');
  await h.settle();
  t.equal(h.dialer.calls.length, 1, 'the hotline office is paged at once');
  t.equal(h.dialer.calls[0].to, PHONES.hotline);

  // Nobody answers: the office step repeats until someone does.
  await h.end(h.dialer.calls[0], 'no-answer');
  await h.advance(5 * MIN);
  t.ok(h.dialer.calls.length >= 2, 'still paging the office');
  t.ok(h.dialer.calls.every((c) => c.to === PHONES.hotline));

  h.clock.advance(MIN);
  const r = await h.press(h.dialer.calls.at(-1)!, '1');
  t.match(r, { status: 'acked', side: 'office' });
  await h.idle();
  const owned = (await h.ticketStore.get(tk.id))!;
  t.equal(owned.state, 'accepted', 'still waiting for dispatch');
  t.match(owned.owner, { name: '热线办值班室', phone: PHONES.hotline }, 'the officer who pressed 1 owns it');
  t.equal(owned.ownerDeadline!.getTime(), h.clock.now().getTime() + 30 * MIN, '30 minutes for 即办');
  const timeline = await h.ticketStore.events(tk.id);
  t.match(timeline.at(-1)!.data, { type: 'taken_over', phone: PHONES.hotline });

  // No further calls while the officer has it and the deadline runs.
  const calls = h.dialer.calls.length;
  await h.advance(29 * MIN);
  t.equal(h.dialer.calls.length, calls, 'quiet while the officer has it');
  t.equal((await h.ticketStore.get(tk.id))!.supervision, 'none');

  // The deadline passes without a dispatch: 督办, told to the officer, and the office is paged again.
  await h.advance(MIN);
  const late = (await h.ticketStore.get(tk.id))!;
  t.equal(late.supervision, '督办');
  const dubans = h.sms.sent.filter((m) => m.text.startsWith('【12345督办】'));
  t.equal(dubans.length, 1);
  t.equal(dubans[0].to, PHONES.hotline, 'to the officer who took it on');
  t.match(dubans[0].text, /接手后超过时限.*未派单/);
  t.ok(h.dialer.calls.length > calls, 'the hotline office is paged again');
  const [running] = await h.paging.store.list({ ticketId: tk.id, limit: 1 });
  t.match(running, { reason: 'unassigned', status: 'running' });

  // Dispatch ends it: the unit owns the ticket, the office's page stops, the unit is paged.
  await h.tickets.dispatch(OP, tk.id, UNIT);
  await h.idle();
  await h.settle();
  const dispatched = (await h.ticketStore.get(tk.id))!;
  t.equal(dispatched.owner, null);
  t.equal(dispatched.ownerDeadline, null);
  const pages = await h.paging.store.list({ ticketId: tk.id });
  t.match(pages[0], { reason: 'urgent', unit: UNIT, status: 'running' });
  t.ok(pages.slice(1).every((p) => p.status !== 'running'));
});

t.test('a 即办 the unit returns pages the hotline office again', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket();
  await h.settle();
  t.equal(h.dialer.calls.length, 1, 'the unit is paged');
  await h.tickets.returnTicket({ id: 'u1', name: '城管值班', role: 'unit', unit: UNIT }, tk.id, '不属于本单位职责');
  await h.idle();
  await h.settle();
  const [latest] = await h.paging.store.list({ ticketId: tk.id, limit: 1 });
  t.match(latest, { reason: 'unassigned', status: 'running' });
  t.equal(h.dialer.calls.at(-1)!.to, PHONES.hotline);
  await h.press(h.dialer.calls.at(-1)!, '1');
  await h.idle();
  t.match((await h.ticketStore.get(tk.id))!, { state: 'returned', owner: { phone: PHONES.hotline } });
});
