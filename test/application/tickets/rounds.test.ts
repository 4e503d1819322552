/**
 * Issue 18, items 2 and 7.
 * 2: 重办 starts a new round — new sign and reply deadlines from the reopening, their timers in the
 *    job table, no 督办 on the old ones, and a reopened 即办 pages the unit again.
 * 7: one deadline truth — a refused 退单 (re-dispatch to the same unit) keeps the first deadline, and
 *    that shown deadline is the one the 响应率 judges.
 */
import t from 'tap';
import { computeKpis } from '../../../src/domain/kpi/index.js';
import { withSupervision } from '../../helpers/supervision.js';
import { pagingHarness, UNIT } from '../paging/harness.js';

const OP = { id: 'op-1', name: '话务员', role: 'operator' as const, unit: null };
const U = { id: 'u1', name: '城管值班', role: 'unit' as const, unit: UNIT };
const OTHER = '润泉供水公司';

t.test('重办 by an operator: new deadlines from the reopening, their timers, no 督办 at once', async (t) => {
  // Thursday 2026-11-26 10:00: a 求助 (sign within 2 working hours, reply within 10 working days).
  const h = await pagingHarness(t, { now: '2026-11-26T10:00:00+08:00' });
  const supervision = withSupervision(h);
  const tk = await h.ticket({ urgent: false });
  await h.tickets.sign(U, tk.id);
  await h.tickets.reply(U, tk.id, '已修复');
  // Wednesday 12-02 10:00: the citizen calls back, it is not fixed.
  h.clock.set('2026-12-02T10:00:00+08:00');
  const re = await h.tickets.reopen(OP, tk.id, '群众反映仍未修复');
  t.equal(re.state, 'dispatched');
  t.equal(re.signDeadline!.toISOString(), new Date('2026-12-02T12:00:00+08:00').toISOString(), 'sign within 2 working hours of the reopening');
  t.ok(re.replyDeadline!.getTime() > new Date('2026-12-15T00:00:00+08:00').getTime(), 'reply within 10 working days of the reopening');
  t.equal(re.supervision, 'none');

  const pending = await h.jobs.list({ status: 'pending', kindPrefix: 'sla.' });
  const mine = pending.filter((j) => j.payload.ticketId === tk.id);
  t.same(mine.map((j) => [j.kind, j.runAt.toISOString()]).sort(), [
    ['sla.reply_due', re.replyDeadline!.toISOString()],
    ['sla.sign_due', re.signDeadline!.toISOString()],
    ['sla.sign_overdue', re.signDeadline!.toISOString()],
  ]);
  t.same(await supervision.sweep(), { checked: 1, reminded: 0, supervised: 0, noticed: 0 }, 'not 督办ed on the first round\'s deadlines');
  // The new sign deadline is watched: 督办 when it passes unsigned.
  h.clock.set('2026-12-02T12:05:00+08:00');
  await supervision.sweep();
  t.equal((await h.ticketStore.get(tk.id))!.supervision, '督办');
});

t.test('重办 from a 回访 (不满意) is a new round as well', async (t) => {
  const h = await pagingHarness(t, { now: '2026-11-26T10:00:00+08:00' });
  const tk = await h.ticket({ urgent: false });
  await h.tickets.sign(U, tk.id);
  await h.tickets.reply(U, tk.id, '已修复');
  h.clock.set('2026-11-27T15:00:00+08:00');
  const re = await h.tickets.recordFollowUp(OP, tk.id, { satisfaction: '不满意', solved: false, via: 'phone' });
  t.equal(re.state, 'dispatched');
  t.equal(re.signDeadline!.toISOString(), new Date('2026-11-27T17:00:00+08:00').toISOString());
});

t.test('a reopened 即办 pages the unit again', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket();
  await h.settle();
  await h.press(h.dialer.calls[0], '1'); // the unit's duty person signs
  await h.idle();
  await h.tickets.reply(U, tk.id, '已处置');
  await h.idle();
  await h.settle();
  const calls = h.dialer.calls.length;
  h.clock.advance(3600_000);
  const re = await h.tickets.reopen(OP, tk.id, '现场仍有险情');
  t.equal(re.signDeadline!.getTime(), h.clock.now().getTime() + 30 * 60_000, '30 minutes for 即办, from the reopening');
  await h.idle();
  await h.settle();
  t.equal(h.dialer.calls.length, calls + 1, 'the unit is paged again');
  const [latest] = await h.paging.store.list({ ticketId: tk.id, limit: 1 });
  t.match(latest, { reason: 'urgent', unit: UNIT, status: 'running' });
});

t.test('a refused 退单: the re-dispatch to the same unit shows the first sign deadline, and that is what 响应率 judges', async (t) => {
  const h = await pagingHarness(t, { now: '2026-11-26T10:00:00+08:00' });
  const tk = await h.ticket({ urgent: false });
  const first = tk.signDeadline!;
  t.equal(first.toISOString(), new Date('2026-11-26T12:00:00+08:00').toISOString());
  h.clock.set('2026-11-26T10:30:00+08:00');
  await h.tickets.returnTicket(U, tk.id, '不属于本单位');
  h.clock.set('2026-11-26T14:40:00+08:00');
  const again = await h.tickets.dispatch(OP, tk.id, UNIT);
  t.equal(again.signDeadline!.toISOString(), first.toISOString(), 'the first sign deadline is shown');
  const signJob = (await h.jobs.list({ status: 'pending', kindPrefix: 'sla.sign' })).find((j) => j.payload.ticketId === tk.id);
  t.equal(signJob?.runAt.toISOString(), first.toISOString(), 'and watched');
  h.clock.set('2026-11-26T15:00:00+08:00');
  await h.tickets.sign(U, tk.id);
  const k = computeKpis([await h.ticketStore.events(tk.id)], { from: new Date('2026-11-01T00:00:00+08:00'), to: new Date('2026-12-01T00:00:00+08:00') }).get('全市')!;
  t.same(k.response, { numerator: 0, denominator: 1, rate: 0 }, 'signed after the shown deadline: missed');

  // Returned again and sent to another unit: a new obligation with a deadline of its own.
  const t2 = await h.ticket({ urgent: false, content: '小区门口路灯不亮' });
  h.clock.set('2026-11-26T15:10:00+08:00');
  await h.tickets.returnTicket(U, t2.id, '不属于本单位');
  const other = await h.tickets.dispatch(OP, t2.id, OTHER);
  t.equal(other.signDeadline!.toISOString(), new Date('2026-11-26T17:10:00+08:00').toISOString(), 'another unit gets its own deadline');
});

t.test('a 催办 of the reply deadline does not lower the 督办 of a missed sign deadline (found by the lifecycle property)', async (t) => {
  // Thursday 10:00, a 咨询: sign by 12:00, reply by Tuesday 12-01 17:30.
  const h = await pagingHarness(t, { now: '2026-11-26T10:00:00+08:00' });
  const supervision = withSupervision(h);
  const tk = await h.ticket({ urgent: false, category: '咨询' });
  h.clock.set('2026-11-26T12:01:00+08:00');
  await h.settle();
  t.equal((await h.ticketStore.get(tk.id))!.supervision, '督办', '督办 the moment the sign deadline passed');
  await h.tickets.sign(U, tk.id);
  // Monday evening: one working day left before the reply deadline.
  h.clock.set('2026-11-30T18:00:00+08:00');
  const r = await supervision.sweep();
  t.equal(r.reminded, 1, 'the unit is reminded of the reply deadline');
  t.ok(h.sms.sent.some((m) => m.text.startsWith('【12345催办】') && m.text.includes(tk.number)));
  t.equal((await h.ticketStore.get(tk.id))!.supervision, '督办', 'and the ticket keeps its 督办 mark');
});
