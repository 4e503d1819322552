import t from 'tap';
import { testApp } from '../helpers/app.js';
import { seedDemoRosters } from '../../src/application/paging/demo.js';

/**
 * The whole pipeline on the simulator: a citizen calls 12345 and presses 1 (即办); nobody is free, so
 * the call is recorded and becomes a 即办 ticket; the unit's duty person is paged and acknowledges by
 * keypress; the unit replies; the 回访 call reaches the citizen, who is satisfied; the ticket is closed.
 */
t.test('call → 即办 ticket → page → acknowledgement → reply → 回访 → 办结', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T02:00:00Z' }); // Thursday 10:00 in Shanghai
  await seedDemoRosters(h.ctx);
  const sim = h.ctx.simVoice!;
  const citizen = '13912340001';
  const onDuty = await h.ctx.duty.onDuty('市城管局', h.clock.now());
  t.ok(onDuty, 'someone is on duty for 市城管局');
  sim.script(onDuty!.member.phone ?? '', { answer: 'answer', press: ['1'] }); // the duty person acknowledges
  sim.script(citizen, { answer: 'answer', press: ['1', '1'] }); // 满意, 已解决

  const call = await sim.placeInbound({ from: citizen, press: ['1'], say: '象湖镇红都大道的电线杆倒了,电线掉在路上还在冒火花' });
  t.ok(call.ticketNumber, `the call became ticket ${call.ticketNumber}`);
  let tk = (await h.ctx.ticketStore.getByNumber(call.ticketNumber!))!;
  t.equal(tk.channel, 'phone');
  t.equal(tk.contact, citizen);
  t.equal(tk.urgent, true, 'flagged 即办');
  t.ok(tk.attachments.some((a) => a.kind === 'recording'), 'with the recording');

  // The page goes to the duty person of whichever unit the 职责清单 chose; a unit without a demo
  // roster gets one here, so the person who presses 1 answers for that unit (an office duty
  // officer's 1 would take the matter on without signing for it).
  const unitDuty = '13800007777';
  if (tk.unit !== '市城管局') {
    const roster = { members: [{ id: 'd', name: '单位值班员', phone: unitDuty }], rotation: { period: 'daily', handoff: '08:30', start: '2026-11-23', order: ['d'], holidays: 'pass' }, leave: [], overrides: [] };
    t.equal((await h.call('admin', 'PUT', `/api/v1/duty/rosters/${encodeURIComponent(tk.unit!)}`, roster)).status, 200);
    sim.script(unitDuty, { answer: 'answer', press: ['1'] });
  }
  // The page: jobs run by the one job runner, the simulated duty person presses 1.
  await h.ctx.runner.runDue();
  await sim.settled();
  await h.ctx.pagingIdle();
  await h.ctx.runner.runDue();
  tk = (await h.ctx.ticketStore.get(tk.id))!;
  const unitPhone = onDuty!.member.phone;
  const pageCall = sim.calls.find((c) => c.direction === 'outbound' && c.flow === 'paging');
  if (tk.unit === '市城管局') {
    t.ok(pageCall, 'the duty person was called');
    t.equal(pageCall!.to.replace(/^\+86/, ''), unitPhone);
  } else {
    t.ok(pageCall, `the duty person of ${tk.unit} was called`);
    t.equal(pageCall!.to.replace(/^\+86/, ''), unitDuty);
  }
  t.equal(tk.state, 'handling', 'the keypress acknowledged the page and signed the ticket');
  const events = await h.ctx.ticketStore.events(tk.id);
  const signed = events.find((e) => e.data.type === 'signed');
  t.ok(signed && signed.via !== 'console', `signed by the duty person via ${signed?.via}`);

  // The unit replies; the 回访 call goes out at once for 即办 and the citizen is satisfied.
  await h.ctx.tickets.apply(tk.id, { id: 'unit-user', role: 'unit', name: '值班员', unit: tk.unit }, 'console', () => [{ type: 'replied', reply: '已断电并更换电线杆' }]);
  for (let i = 0; i < 3; i++) {
    await h.ctx.runner.runDue();
    await sim.settled();
  }
  tk = (await h.ctx.ticketStore.get(tk.id))!;
  t.ok(sim.calls.some((c) => c.direction === 'outbound' && c.flow === 'followup' && c.to.replace(/^\+86/, '') === citizen), 'the 回访 call reached the citizen');
  t.equal(tk.followUp?.satisfaction, '满意');
  t.equal(tk.state, 'closed', '办结');
});
