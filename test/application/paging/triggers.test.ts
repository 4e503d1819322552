import t from 'tap';
import { pagingHarness, PHONES, UNIT } from './harness.js';

const MIN = 60_000;

t.test('a normal ticket not signed by its sign deadline is paged only when the chain says so', async (t) => {
  // Thursday 10:00: a 求助 must be signed within the working-time limit
  const h = await pagingHarness(t, { now: '2026-11-26T10:00:00+08:00' });
  const plain = await h.ticket({ urgent: false });
  await h.settle();
  t.equal(h.dialer.calls.length, 0, 'no page at creation');
  h.clock.set(plain.signDeadline!);
  await h.settle();
  t.equal(h.dialer.calls.length, 0, 'not configured: no page at the deadline');

  await h.duty.saveChain(UNIT, { pageOnSignOverdue: true, steps: [{ target: 'duty', channel: 'sms' }, { target: 'hotline_duty', channel: 'call', repeat: true }] }, h.admin);
  const t2 = await h.ticket({ urgent: false, content: '小区门口路灯不亮' });
  h.clock.set(new Date(t2.signDeadline!.getTime() - 1000));
  await h.settle();
  t.equal(h.sms.sent.length, 0);
  await h.advance(1000);
  t.equal(h.sms.sent.length, 1);
  t.match(h.sms.sent[0].text, new RegExp(`^【12345催签】工单${t2.number}`));
  const [p] = await h.paging.store.list({ ticketId: t2.id });
  t.match(p, { reason: 'sign_overdue', status: 'running' });
});

t.test('an urgent ticket without a unit pages the hotline duty office; dispatching pages the unit', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket({ unit: null });
  t.equal(tk.state, 'accepted');
  await h.settle();
  t.equal(h.dialer.calls.length, 1);
  t.equal(h.dialer.calls[0].to, PHONES.hotline);
  await h.tickets.dispatch({ id: 'op-1', name: '话务员', role: 'operator', unit: null }, tk.id, UNIT);
  await h.idle();
  await h.settle();
  const pages = await h.paging.store.list({ ticketId: tk.id });
  t.match(pages, [
    { reason: 'urgent', unit: UNIT, status: 'running' },
    { reason: 'unassigned', status: 'stopped', endReason: 'ticket_dispatched' },
  ]);
  t.equal(h.dialer.calls.length, 2);
  t.equal(h.dialer.calls[1].to, (await h.duty.onDuty(UNIT, h.clock.now()))!.member.phone);
});

t.test('page now: one running page per ticket, audited', async (t) => {
  const h = await pagingHarness(t, { now: '2026-11-26T10:00:00+08:00' });
  const tk = await h.ticket({ urgent: false });
  const a = await h.paging.start(tk.id, 'manual', { id: 'op-1', name: '话务员' });
  const b = await h.paging.start(tk.id, 'manual', { id: 'op-1', name: '话务员' });
  t.equal(a.created, true);
  t.equal(b.created, false);
  t.equal(b.page.id, a.page.id);
  await h.settle();
  t.equal(h.dialer.calls.length, 1);
  t.match((await h.audit.list(`ticket:${tk.id}`))[0], { kind: 'page.start', actorId: 'op-1' });
});

t.test('the 即办 result is reported to the 市政府值班室 when the ticket is replied', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket();
  await h.settle();
  await h.press(h.dialer.calls[0], '1');
  await h.tickets.reply({ id: 'u1', name: '城管值班', role: 'unit', unit: UNIT }, tk.id, '已设置围挡，抢修队已到场，被困车辆已拖离。');
  await h.idle();
  await h.settle();
  const report = h.sms.sent.filter((m) => m.to === PHONES.city);
  t.equal(report.length, 1);
  t.match(report[0].text, `【12345即办】工单${tk.number}（求助，象湖镇红都大道）已由市城管局处置反馈：已设置围挡`);
  const plain = await h.ticket({ urgent: false });
  await h.tickets.sign({ id: 'u1', name: '城管值班', role: 'unit', unit: UNIT }, plain.id);
  await h.tickets.reply({ id: 'u1', name: '城管值班', role: 'unit', unit: UNIT }, plain.id, '已处理');
  await h.idle();
  await h.advance(MIN);
  t.equal(h.sms.sent.filter((m) => m.to === PHONES.city).length, 1, 'only 即办 results are reported');
});
