import t from 'tap';
import { pagingHarness, PHONES, UNIT } from './harness.js';

const MIN = 60_000;

t.test('the full chain: duty person ×2, SMS, unit head ×2, then the hotline duty office until acknowledged', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket();
  t.equal(tk.state, 'dispatched');
  await h.settle();
  const [page] = await h.paging.store.list({ ticketId: tk.id });
  t.match(page, { status: 'running', unit: UNIT, reason: 'urgent', step: 1, attempt: 1 });
  t.equal(page.chain.length, 4, 'the default chain was copied onto the page');

  // 02:00 Thursday: 张伟 (order[0] from 11-20, 6 days → index 5 → c?) — compute from the roster instead of guessing
  const onDuty = await h.duty.onDuty(UNIT, h.clock.now());
  t.equal(h.dialer.calls.length, 1);
  const c1 = h.dialer.calls[0];
  t.match(c1, { to: onDuty!.member.phone, flow: 'paging', detectMachine: true, ref: `page:${tk.id}:${page.id}:1:1` });
  t.match(c1.vars, { ticketNumber: tk.number, category: '求助', place: '象湖镇红都大道', summary: /路面塌陷/ });

  // no answer after 30 s → second call 60 s later
  await h.advance(30_000);
  await h.end(c1, 'no-answer');
  await h.advance(59_000);
  t.equal(h.dialer.calls.length, 1, 'not before the gap');
  await h.advance(1_000);
  t.equal(h.dialer.calls.length, 2);
  const c2 = h.dialer.calls[1];
  t.match(c2, { to: onDuty!.member.phone, ref: `page:${tk.id}:${page.id}:1:2` });

  // answering machine → not reached → at once the SMS step
  await h.advance(20_000);
  await h.end(c2, 'machine');
  await h.settle();
  t.equal(h.sms.sent.length, 1);
  const m = h.sms.sent[0];
  t.equal(m.to, onDuty!.member.phone);
  t.match(m.text, new RegExp(`^【12345即办】工单${tk.number}（求助，象湖镇红都大道）红都大道路面塌陷.* 回复 \\d{4} 确认接单$`));

  // nobody replies within the 5 min ack timeout → the unit head, twice
  await h.advance(5 * MIN - 1000);
  t.equal(h.dialer.calls.length, 2);
  await h.advance(1000);
  t.equal(h.dialer.calls.length, 3);
  t.equal(h.dialer.calls[2].to, PHONES.head);
  await h.end(h.dialer.calls[2], 'busy');
  await h.advance(60_000);
  t.equal(h.dialer.calls.length, 4);
  t.equal(h.dialer.calls[3].to, PHONES.head);
  // the callback of the last head call is lost: the ack timeout still moves the page on
  await h.advance(5 * MIN);
  t.equal(h.dialer.calls.length, 5);
  t.equal(h.dialer.calls[4].to, PHONES.hotline);

  // the final step repeats, a minute after each unanswered call
  for (let i = 0; i < 3; i++) {
    await h.end(h.dialer.calls.at(-1)!, 'no-answer');
    await h.advance(60_000);
  }
  t.equal(h.dialer.calls.length, 8);
  t.ok(h.dialer.calls.slice(4).every((c) => c.to === PHONES.hotline));
  t.same(
    h.dialer.calls.map((c) => c.ref.split(':').slice(3).join('.')),
    ['1.1', '1.2', '3.1', '3.2', '4.1', '4.2', '4.3', '4.4'],
  );

  // the office presses 1 on the 8th call
  const r = await h.press(h.dialer.calls[7], '1');
  t.match(r, { status: 'acked' });
  // The office has the matter; the unit never answered, so the ticket is not signed for it.
  t.equal((await h.ticketStore.get(tk.id))!.state, 'dispatched');
  const ev = (await h.ticketStore.events(tk.id)).at(-1)!;
  t.match(ev, { data: { type: 'note', text: /热线办值班室确认接手/ }, via: 'call', actorRole: 'duty', actorName: '热线办值班室' });
  await h.advance(60 * MIN);
  t.equal(h.dialer.calls.length, 8, 'nothing after the acknowledgement, not even when the signing falls overdue');
  t.equal(h.sms.sent.length, 1);

  const kinds = (await h.audit.list(`ticket:${tk.id}`)).map((a) => a.kind);
  t.equal(kinds.filter((k) => k === 'page.attempt').length, 9, 'every call and SMS audited');
  t.ok(kinds.includes('page.start') && kinds.includes('page.ack') && kinds.includes('page.outcome'));
  const view = await h.paging.view(page.id);
  t.match(view.page, { status: 'acked', endReason: 'taken_over', ack: { by: '热线办值班室', via: 'call' }, next: null });
  t.equal(view.attempts.length, 9);
  t.match(view.attempts[1], { outcome: 'machine', status: 'sent' });
});

t.test('the chain copied on the page: later edits do not change a running page', async (t) => {
  const h = await pagingHarness(t, { chain: { steps: [{ target: 'duty', channel: 'call', attempts: 1 }, { target: 'city_duty', channel: 'call', repeat: true }] } });
  const tk = await h.ticket();
  await h.settle();
  await h.duty.saveChain(UNIT, { steps: [{ target: 'hotline_duty', channel: 'sms', repeat: true }] }, h.admin);
  await h.end(h.dialer.calls[0], 'no-answer');
  await h.settle();
  t.equal(h.dialer.calls.length, 2);
  t.equal(h.dialer.calls[1].to, PHONES.city, 'the old chain goes on');
  t.equal(h.sms.sent.length, 0);
  const [p] = await h.paging.store.list({ ticketId: tk.id });
  t.equal(p.chain.length, 2);
});

t.test('9 passes to the next step at once; a stale 9 does nothing', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket();
  await h.settle();
  const c1 = h.dialer.calls[0];
  await h.press(c1, '9');
  await h.end(c1, 'completed', 'passed');
  await h.settle();
  t.equal(h.dialer.calls.length, 1, 'the second call of step 1 is skipped');
  t.equal(h.sms.sent.length, 1, 'step 2 (SMS) at once');
  await h.press(c1, '9');
  await h.settle();
  t.equal(h.dialer.calls.length, 1, 'pressing 9 again on the old call does not skip the SMS step');
  const kinds = (await h.audit.list(`ticket:${tk.id}`)).map((a) => a.kind);
  t.ok(kinds.includes('page.pass'));
});

t.test('nobody on duty: the step is skipped, with a warning in the audit', async (t) => {
  const h = await pagingHarness(t, { roster: null });
  const tk = await h.ticket();
  await h.settle();
  t.equal(h.sms.sent.length, 0);
  t.equal(h.dialer.calls.length, 1);
  t.equal(h.dialer.calls[0].to, PHONES.head, 'straight to the unit head');
  const a = await h.paging.store.attempts((await h.paging.store.list({ ticketId: tk.id }))[0].id);
  t.match(a.slice(0, 2), [
    { step: 1, status: 'unreachable', error: '该时段无人值班' },
    { step: 2, attempt: 1, status: 'unreachable' },
  ]);
});

t.test('a failed provider request counts as not reached', async (t) => {
  const h = await pagingHarness(t);
  h.dialer.fail = new Error('provider down');
  await h.ticket();
  await h.settle();
  h.dialer.fail = null;
  await h.advance(60_000);
  t.equal(h.dialer.calls.length, 1, 'the second attempt a minute later');
  t.match(h.dialer.calls[0].ref, /:1:2$/);
});

t.test('signed in the console meanwhile: the page stops', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket();
  await h.settle();
  await h.tickets.sign({ id: 'u1', name: '城管值班', role: 'unit', unit: UNIT }, tk.id);
  await h.idle();
  await h.advance(30 * 60_000);
  t.equal(h.dialer.calls.length, 1);
  const [p] = await h.paging.store.list({ ticketId: tk.id });
  t.match(p, { status: 'stopped', endReason: 'ticket_handling' });
});

t.test('cancel and escalate by hand', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket();
  await h.settle();
  const [p] = await h.paging.store.list({ ticketId: tk.id });
  await h.paging.passOn(p.id, null, { id: 'op-1' }, 'page.escalate');
  await h.settle();
  t.equal(h.sms.sent.length, 1, 'escalated to step 2');
  await h.paging.cancel(p.id, { id: 'op-1', name: '话务员' }, '已电话联系');
  await h.advance(60 * 60_000);
  t.same(h.dialer.calls.map((c) => c.ref.split(':').slice(3).join('.')), ['1.1']);
  t.match(await h.paging.store.get(p.id), { status: 'cancelled', endReason: '已电话联系' });
  await t.rejects(h.paging.cancel(p.id, { id: 'op-1' }), { code: 'page_not_running' });
  const kinds = (await h.audit.list(`ticket:${tk.id}`)).map((a) => a.kind);
  t.ok(kinds.includes('page.escalate') && kinds.includes('page.cancel'));
});
