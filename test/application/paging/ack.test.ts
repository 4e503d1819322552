import t from 'tap';
import { nextLockRequest, pagingHarness, PHONES, ROSTER, UNIT } from './harness.js';

const MIN = 60_000;
const SMS_CHAIN = { steps: [{ target: 'duty' as const, channel: 'sms' as const }, { target: 'hotline_duty' as const, channel: 'call' as const, repeat: true }] };
const codeOf = (text: string) => /回复 (\d{4}) 确认接单/.exec(text)![1];

t.test('ack by call: the ticket is signed by the duty person, a second press learns who was first', async (t) => {
  const h = await pagingHarness(t);
  const tk = await h.ticket();
  await h.settle();
  const c1 = h.dialer.calls[0];
  const r = await h.press(c1, '1');
  t.match(r, { status: 'acked' });
  await h.end(c1, 'completed', 'acknowledged');
  const ev = (await h.ticketStore.events(tk.id)).at(-1)!;
  t.match(ev, { data: { type: 'signed' }, via: 'call', actorRole: 'duty', actorName: (await h.duty.onDuty(UNIT, h.clock.now()))!.member.name });
  t.match(await h.press(c1, '1'), { status: 'already' });
  await h.advance(30 * MIN);
  t.equal(h.dialer.calls.length, 1);
  t.equal(h.sms.sent.length, 0);
  const kinds = (await h.audit.list(`ticket:${tk.id}`)).map((a) => a.kind);
  t.ok(kinds.includes('page.ack') && kinds.includes('page.ack_repeat'));
});

t.test('ack by SMS: code formats, wrong code (one rate-limited error reply), unknown number, second ack', async (t) => {
  const h = await pagingHarness(t, { chain: SMS_CHAIN });
  const tk1 = await h.ticket();
  const tk2 = await h.ticket({ content: '供水管爆裂，道路积水' });
  await h.settle();
  const duty = (await h.duty.onDuty(UNIT, h.clock.now()))!.member;
  t.equal(h.sms.sent.length, 2);
  const [m1, m2] = h.sms.sent;
  t.equal(m1.to, duty.phone);
  const code1 = codeOf(m1.text);
  const code2 = codeOf(m2.text);
  t.not(code1, code2, 'codes differ between the open pages of one person');

  t.same(await h.paging.handleInboundSms({ from: '13999999999', text: code1 }), { handled: false }, 'a number we never paged changes nothing');
  t.equal((await h.ticketStore.get(tk1.id))!.state, 'dispatched');

  const wrong = code1 === '9999' ? '9998' : '9999';
  const w1 = await h.paging.handleInboundSms({ from: duty.phone!, text: wrong });
  t.match(w1, { handled: true, reply: new RegExp(`确认码 ${wrong} 无效`) });
  const w2 = await h.paging.handleInboundSms({ from: duty.phone!, text: wrong });
  t.same(w2, { handled: true, reply: undefined }, 'the second error within 10 minutes gets no reply');

  const ok = await h.paging.handleInboundSms({ from: `+86 ${duty.phone}`, text: `确认${code2}` });
  t.match(ok, { handled: true, reply: new RegExp(`已确认接单，工单${tk2.number}已签收`) });
  t.equal((await h.ticketStore.get(tk2.id))!.state, 'handling');
  t.equal((await h.ticketStore.get(tk1.id))!.state, 'dispatched', 'the code picks the page');
  const ev = (await h.ticketStore.events(tk2.id)).at(-1)!;
  t.match(ev, { via: 'sms', actorName: duty.name, actorRole: 'duty' });

  const bare = await h.paging.handleInboundSms({ from: duty.phone!, text: ' ack ' });
  t.match(bare, { handled: true, reply: /已确认接单/ }, 'a bare reply takes the latest open page');
  t.equal((await h.ticketStore.get(tk1.id))!.state, 'handling');

  const again = await h.paging.handleInboundSms({ from: duty.phone!, text: ` ack ${code1} ` });
  t.same(again.reply, `【12345即办】工单${tk1.number}已由${duty.name}确认`);
  await h.advance(30 * MIN);
  t.equal(h.dialer.calls.length, 0, 'no escalation after the acks');
  const kinds = (await h.audit.list(`ticket:${tk1.id}`)).map((a) => a.kind);
  t.ok(kinds.includes('page.sms_in'));
});

t.test('ack by SMS from another person on the chain says who was first', async (t) => {
  const h = await pagingHarness(t, { chain: SMS_CHAIN });
  const tk = await h.ticket();
  await h.settle();
  const code = codeOf(h.sms.sent[0].text);
  await h.advance(5 * MIN);
  t.equal(h.dialer.calls.length, 1, 'escalated to the hotline office');
  await h.press(h.dialer.calls[0], '1');
  const late = await h.paging.handleInboundSms({ from: h.sms.sent[0].to, text: code });
  t.equal(late.reply, `【12345即办】工单${tk.number}已由热线办值班室确认`);
});

t.test('ack in the console and by WeChat', async (t) => {
  const h = await pagingHarness(t, { chain: { steps: [{ target: 'duty', channel: 'wechat' }, { target: 'hotline_duty', channel: 'call', repeat: true }] } });
  // 张伟 (wx_zhangwei) is on duty by an override
  await h.duty.addOverride(UNIT, { person: 'a', start: '2026-11-25T00:00:00Z', end: '2026-11-27T00:00:00Z', reason: '值班调整' }, h.admin);
  const tk1 = await h.ticket();
  const tk2 = await h.ticket({ content: '化工厂附近有刺鼻气味' });
  await h.settle();
  t.equal(h.wechat.sent.length, 2);
  t.equal(h.wechat.sent[0].to, 'wx_zhangwei');
  const code = codeOf(h.wechat.sent[0].text);
  const r = await h.paging.handleInboundWechat({ from: 'wx_zhangwei', text: code });
  t.match(r, { handled: true, reply: /已确认接单/ });
  t.match((await h.ticketStore.events(tk1.id)).at(-1), { via: 'wechat', actorName: '张伟' });

  const c = await h.paging.acknowledgeTicket(tk2.id, { id: 'unit-user-1', name: '城管局小王', side: 'unit' }, 'console');
  t.match(c, { status: 'acked', page: { ack: { by: '城管局小王', via: 'console' } } });
  t.match((await h.ticketStore.events(tk2.id)).at(-1), { via: 'console', actorName: '城管局小王', data: { type: 'signed' } });
  t.match(await h.paging.acknowledgeTicket(tk2.id, { id: 'op-2', name: '另一位', side: 'office' }, 'console'), { status: 'already', by: '城管局小王' });
});

t.test('the hotline office’s duty officer takes an unanswered page on: paging stops, but the unit has not signed', async (t) => {
  const h = await pagingHarness(t, { chain: { steps: [{ target: 'duty', channel: 'call', attempts: 1 }, { target: 'hotline_duty', channel: 'call', repeat: true }] } });
  const tk = await h.ticket();
  await h.settle();
  await h.end(h.dialer.calls[0], 'no-answer');
  await h.settle();
  const office = h.dialer.calls[1];
  t.equal(office.to, PHONES.hotline, 'escalated to the hotline office');
  t.match(await h.press(office, '1'), { status: 'acked' });
  await h.end(office, 'completed', 'acknowledged');
  const after = (await h.ticketStore.get(tk.id))!;
  t.equal(after.state, 'dispatched', 'not signed: the unit never answered, so its 响应率 must not count it');
  t.match((await h.ticketStore.events(tk.id)).at(-1), { via: 'call', data: { type: 'note', text: /确认接手，市城管局尚未签收/ } });
  await h.advance(20 * MIN);
  t.equal(h.dialer.calls.length, 2, 'no more calls once someone has it');
  // The page is over; the unit signs in its own inbox, or when a sign-overdue page reaches its duty person.
  t.match(await h.paging.acknowledgeTicket(tk.id, { id: 'unit-user-1', name: '城管局小王', side: 'unit' }, 'console'), { status: 'already' });
});

t.test('an operator acknowledging from the console stops the calls without signing for the unit', async (t) => {
  const h = await pagingHarness(t, { chain: SMS_CHAIN });
  const tk = await h.ticket();
  await h.settle();
  t.match(await h.paging.acknowledgeTicket(tk.id, { id: 'op-1', name: '话务员小李', side: 'office' }, 'console'), { status: 'acked' });
  t.equal((await h.ticketStore.get(tk.id))!.state, 'dispatched');
  t.match((await h.ticketStore.events(tk.id)).at(-1), { via: 'console', actorName: '话务员小李', data: { type: 'note' } });
});

t.test('an ack arriving as an escalation falls due: no page goes out after the ack is stored', async (t) => {
  const h = await pagingHarness(t);
  await h.ticket();
  await h.settle();
  const order: string[] = [];
  h.dialer.log = order;
  const c1 = h.dialer.calls[0];
  await h.end(c1, 'no-answer');
  const [page] = await h.paging.store.list({ status: 'running' });
  const due = (await h.paging.store.get(page.id))!.next!.at;

  // 1) the step gets the lock first and its provider request is slow: the ack waits for it
  h.clock.set(due);
  const provider = h.dialer.hold();
  const step = h.runner.runDue();
  await provider.reached; // the step holds the page lock and its send is in flight
  const request = nextLockRequest(h.paging.store, page.id, order, 'ack holds the lock');
  const ack = h.paging.acknowledge(page.id, { id: 'x', name: '张伟', side: 'unit' }, 'sms').then((r) => {
    order.push(`ack ${r.status}`);
    return r;
  });
  await request.asked;
  // A read of the page asked for after the ack's request: once it is answered, an ack that did not
  // wait for the lock would have read the page too and be holding it.
  await h.paging.store.get(page.id);
  t.same(order, [], 'the ack asked for the lock while the send is in flight, and has not got it');
  provider.open();
  await Promise.all([step, ack]);
  t.same(order, [`call ${c1.ref.replace(/:1$/, ':2')}`, 'ack holds the lock', 'ack acked'], 'the ack got the lock, and was stored, only after the call went out');
  await h.advance(60 * MIN);
  t.equal(h.dialer.calls.length, 2, 'and nothing after it');
});

t.test('an ack stored just before the escalation job runs: the job sends nothing', async (t) => {
  const h = await pagingHarness(t);
  await h.ticket();
  await h.settle();
  await h.end(h.dialer.calls[0], 'no-answer');
  const [page] = await h.paging.store.list({ status: 'running' });
  h.clock.set(page.next!.at);
  // both start in the same tick; the ack takes the lock first
  const [ackR] = await Promise.all([h.paging.acknowledge(page.id, { id: 'x', name: '张伟', side: 'unit' }, 'sms'), h.runner.runDue()]);
  t.equal(ackR.status, 'acked');
  await h.settle();
  t.equal(h.dialer.calls.length, 1);
  const job = await h.jobs.get(`page:${page.ticketId}:${page.id}:1:2`);
  t.match(job, { status: /cancelled|done/ });
});

t.test('rotation handoff during a page: the next attempt calls whoever is on duty then', async (t) => {
  // 08:29:30 Shanghai, half a minute before the 08:30 handoff
  const h = await pagingHarness(t, { now: '2026-11-26T08:29:30+08:00' });
  await h.ticket();
  await h.settle();
  const before = (await h.duty.onDuty(UNIT, h.clock.now()))!.member;
  await h.end(h.dialer.calls[0], 'no-answer');
  await h.advance(60_000);
  const after = (await h.duty.onDuty(UNIT, h.clock.now()))!.member;
  t.not(before.id, after.id);
  t.same(h.dialer.calls.map((c) => c.to), [before.phone, after.phone]);
});

t.test('a member on leave is replaced; the holiday rule decides who holds the turn', async (t) => {
  // 2026-10-02 (National Day holiday) 03:00; rotation from 09-30 holding over holidays → order[0] (a) holds
  const h = await pagingHarness(t, {
    now: '2026-10-02T03:00:00+08:00',
    roster: { ...ROSTER, rotation: { ...ROSTER.rotation!, start: '2026-09-30', holidays: 'hold' }, leave: [{ id: 'l', memberId: 'a', start: '2026-10-02T00:00:00+08:00', end: '2026-10-03T00:00:00+08:00', reason: '病假' }] },
  });
  await h.ticket();
  await h.settle();
  t.equal(h.dialer.calls[0].to, PHONES.b, 'a holds the turn over the holiday but is on leave: b stands in');
  await h.duty.removeLeave(UNIT, 'l', h.admin);
  await h.end(h.dialer.calls[0], 'busy');
  await h.advance(60_000);
  t.equal(h.dialer.calls[1].to, PHONES.a, 'leave withdrawn: a again');
  const kinds = (await h.audit.list(`roster:${UNIT}`)).map((a) => a.kind);
  t.same(kinds, ['duty.roster.save', 'duty.leave.remove']);
});
