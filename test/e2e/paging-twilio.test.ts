/**
 * Paging end to end on the Twilio adapter: calls and SMS really go through the SDK to the
 * loopback fake; Twilio's webhooks (the call's TwiML turns, status callbacks, inbound SMS) come
 * back signed.
 */
import t from 'tap';
import { twilioApp, twimlUrls, sayText, HOTLINE } from '../adapters/twilio/helpers.js';

const UNIT = '市城管局';
const DUTY = '13800000001';
const roster = { members: [{ id: 'a', name: '张伟', phone: DUTY }], rotation: { period: 'daily' as const, handoff: '08:30', start: '2026-11-20', order: ['a'], holidays: 'pass' as const }, leave: [], overrides: [] };

t.test('a 即办 page over Twilio: machine, no answer, SMS, then the SMS reply acknowledges', async (t) => {
  const h = await twilioApp(t);
  const { ctx } = h;
  await ctx.duty.saveRoster(UNIT, roster, { id: 'admin' });
  const { ticket } = await ctx.tickets.intake({ channel: 'phone', content: '红都大道路面塌陷，有车辆被困', place: '象湖镇红都大道', category: '求助', urgent: true, unit: UNIT }, { id: 'op', role: 'operator' }, 'console');
  const settle = async () => {
    for (let i = 0; i < 10 && (await ctx.runner.runDue()) > 0; i++) await ctx.pagingIdle();
    await ctx.pagingIdle();
  };
  await settle();
  t.equal(h.twilio.calls.length, 1);
  const c1 = h.twilio.calls[0];
  t.match(c1, { to: `+86${DUTY}`, from: HOTLINE, machineDetection: 'Enable', statusCallback: /^https:\/\/hotline\.example\.cn\/twilio\/status\?oc=/ });

  // an answering machine picks up
  const st1 = await h.hooks.post(c1.statusCallback!, { CallSid: c1.sid, CallStatus: 'completed', AnsweredBy: 'machine_end_beep', To: c1.to, From: c1.from });
  t.equal(st1.status, 200);
  // Twilio retries the callback: deduplicated
  await h.hooks.post(c1.statusCallback!, { CallSid: c1.sid, CallStatus: 'completed', AnsweredBy: 'machine_end_beep', To: c1.to, From: c1.from });
  await ctx.pagingIdle();
  h.clock.advance(60_000);
  await settle();
  t.equal(h.twilio.calls.length, 2, 'the second call a minute after the machine');
  const c2 = h.twilio.calls[1];
  await h.hooks.post(c2.statusCallback!, { CallSid: c2.sid, CallStatus: 'no-answer', To: c2.to, From: c2.from });
  await ctx.pagingIdle();
  await settle();
  t.equal(h.twilio.messages.length, 1, 'then the SMS step');
  const m = h.twilio.messages[0];
  t.equal(m.to, `+86${DUTY}`);
  const code = /回复 (\d{4}) 确认接单/.exec(m.body)![1];
  t.match(m.body, `【12345即办】工单${ticket.number}`);

  const forged = await h.hooks.post('/twilio/sms', { MessageSid: 'SM' + 'f'.repeat(32), From: `+86${DUTY}`, To: HOTLINE, Body: code }, { signature: 'bad' });
  t.equal(forged.status, 403, 'unsigned replies are refused');
  t.equal((await ctx.ticketStore.get(ticket.id))!.state, 'dispatched');

  const r = await h.hooks.post('/twilio/sms', { MessageSid: 'SM' + 'a'.repeat(32), From: `+86${DUTY}`, To: HOTLINE, Body: ` ack ${code} ` });
  t.equal(r.status, 200);
  const after = await ctx.ticketStore.get(ticket.id);
  t.equal(after!.state, 'handling');
  t.match((await ctx.ticketStore.events(ticket.id)).at(-1), { via: 'sms', actorName: '张伟' });
  t.match(h.twilio.messages.at(-1), { to: `+86${DUTY}`, body: /已确认接单/ });
  h.clock.advance(3600_000);
  await settle();
  // No more paging; the one call after the acknowledgement is the 现场处置 check (ivr-flows/arrival.yaml,
  // SUBAN_ARRIVAL_CHECK_MIN after it) asking the same person whether their people have arrived.
  t.equal(h.twilio.calls.length, 3, 'one call after the acknowledgement: the arrival check');
  const check = h.twilio.calls[2];
  t.equal(check.to, `+86${DUTY}`);
  const asked = await h.hooks.post(check.url, { CallSid: check.sid, CallStatus: 'in-progress', AnsweredBy: 'human', From: check.from, To: check.to, Direction: 'outbound-api' });
  t.match(sayText(asked.body), /是否已到达现场/);
  t.notMatch(sayText(asked.body), /需要您立即处理/, 'not a page again');
  t.equal(await ctx.tickets.getByNumber(ticket.number).then((x) => x!.state), 'handling');
});

t.test('a 即办 page over Twilio acknowledged by pressing 1 on the call', async (t) => {
  const h = await twilioApp(t);
  const { ctx } = h;
  await ctx.duty.saveRoster(UNIT, roster, { id: 'admin' });
  const { ticket } = await ctx.tickets.intake({ channel: 'phone', content: '化工厂附近有刺鼻气味', place: '象湖镇', category: '求助', urgent: true, unit: UNIT }, { id: 'op', role: 'operator' }, 'console');
  await ctx.runner.runDue();
  await ctx.pagingIdle();
  await ctx.runner.runDue();
  t.equal(h.twilio.calls.length, 1);
  const c = h.twilio.calls[0];
  const first = await h.hooks.post(c.url, { CallSid: c.sid, CallStatus: 'in-progress', AnsweredBy: 'human', From: c.from, To: c.to, Direction: 'outbound-api' });
  t.equal(first.status, 200);
  t.match(sayText(first.body), /有一件即办工单需要您立即处理/);
  const gather = twimlUrls(first.body).gather!;
  const second = await h.hooks.post(gather, { CallSid: c.sid, Digits: '1', From: c.from, To: c.to });
  t.match(sayText(second.body), /已确认接单/);
  await h.hooks.post(c.statusCallback!, { CallSid: c.sid, CallStatus: 'completed', AnsweredBy: 'human', From: c.from, To: c.to });
  await ctx.pagingIdle();
  const after = await ctx.ticketStore.get(ticket.id);
  t.equal(after!.state, 'handling');
  t.match((await ctx.ticketStore.events(ticket.id)).at(-1), { via: 'call', actorName: '张伟', actorRole: 'duty' });
  const [page] = await ctx.paging.store.list({ ticketId: ticket.id });
  const attempts = await ctx.paging.store.attempts(page.id);
  t.match(attempts, [{ providerId: c.sid, outcome: 'completed', result: 'acknowledged' }]);
  const kinds = (await ctx.audit.list(`page:${page.id}`)).map((a) => a.kind);
  t.same(kinds, ['page.keypress']);
});
