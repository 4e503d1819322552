/** The duty and paging API: rosters, who is on duty, import/export, chains, pages by hand, and who may do what. */
import t from 'tap';
import { testApp } from '../helpers/app.js';

const UNIT = '市城管局';
const U = encodeURIComponent(UNIT);
const roster = {
  members: [
    { id: 'a', name: '张伟', phone: '13800000001' },
    { id: 'b', name: '李娜', phone: '13800000002' },
    { id: 'c', name: '王强', phone: null },
  ],
  rotation: { period: 'daily', handoff: '08:30', start: '2026-11-23', order: ['a', 'b', 'c'], holidays: 'pass' },
  leave: [],
  overrides: [],
};

t.test('rosters: edit, who is on duty, warnings, overrides, import/export, iCal, permissions', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T02:00:00Z' });
  t.equal((await h.call('operator', 'PUT', `/api/v1/duty/rosters/${U}`, roster)).status, 403, 'operators only view');
  t.equal((await h.call('unitA', 'PUT', `/api/v1/duty/rosters/${U}`, roster)).status, 403);
  const put = await h.call('supervisor', 'PUT', `/api/v1/duty/rosters/${U}`, roster);
  t.equal(put.status, 200);
  t.equal(put.json.roster.version, 1);
  t.equal((await h.call('admin', 'PUT', `/api/v1/duty/rosters/${U}`, { ...roster, expectedVersion: 0 })).status, 409, 'a stale edit is refused');
  t.equal((await h.call('admin', 'PUT', `/api/v1/duty/rosters/${encodeURIComponent('不存在的单位')}`, roster)).status, 400);
  t.equal((await h.call('admin', 'PUT', `/api/v1/duty/rosters/${U}`, { ...roster, rotation: { ...roster.rotation, order: ['zz'] } })).status, 400);

  // 2026-11-26 10:00 Shanghai: index 3 → a
  const now = await h.call('operator', 'GET', `/api/v1/duty/on-duty?unit=${U}`);
  t.match(now.json.items, [{ unit: UNIT, onDuty: { member: { id: 'a', name: '张伟' }, source: 'rotation' }, reachable: true }]);
  const later = await h.call('unitA', 'GET', `/api/v1/duty/on-duty?unit=${U}&at=2026-11-28T03:00:00Z`);
  t.match(later.json.items, [{ onDuty: { member: { id: 'c' } }, reachable: false }]);
  t.equal((await h.call('unitB', 'GET', `/api/v1/duty/on-duty?unit=${U}`)).status, 403, 'another unit sees only its own');
  t.equal((await h.call('unitB', 'GET', '/api/v1/duty/rosters')).json.items.length, 0);

  const ov = await h.call('admin', 'POST', `/api/v1/duty/rosters/${U}/overrides`, { start: '2026-11-26T00:00:00Z', end: '2026-11-27T00:00:00Z', person: 'b', reason: '张伟出差' });
  t.equal(ov.status, 200);
  t.match((await h.call('operator', 'GET', `/api/v1/duty/on-duty?unit=${U}`)).json.items[0].onDuty, { member: { id: 'b' }, source: 'override', reason: '张伟出差', replaces: { id: 'a' } });
  const sched = await h.call('operator', 'GET', `/api/v1/duty/rosters/${U}/schedule?from=2026-11-26T00:00:00Z&to=2026-11-29T00:00:00Z`);
  t.equal(sched.status, 200);
  t.match(sched.json.warnings, [{ kind: 'no_phone', memberId: 'c' }, { kind: 'unreachable', memberId: 'c', start: '2026-11-28T00:30:00.000Z', end: '2026-11-29T00:00:00.000Z' }]);
  const audit = await h.ctx.audit.list(`roster:${UNIT}`);
  t.same(audit.map((a) => a.kind), ['duty.roster.save', 'duty.override.add']);

  const csv = await h.call('operator', 'GET', `/api/v1/duty/rosters/${U}/export?format=csv`);
  t.match(csv.headers['content-type'], /text\/csv/);
  t.match(csv.body, /override,override-2-1,b,,,,2026-11-26T00:00:00.000Z/);
  const yaml = await h.call('operator', 'GET', `/api/v1/duty/rosters/${U}/export`);
  t.match(yaml.body, /holidays: pass/);
  const imp = await h.call('admin', 'POST', `/api/v1/duty/rosters/${U}/import`, { format: 'yaml', content: yaml.body.replace('holidays: pass', 'holidays: hold') });
  t.equal(imp.status, 200);
  t.match(imp.json.roster, { version: 3, rotation: { holidays: 'hold' }, overrides: [{ person: 'b' }] });
  const bad = await h.call('admin', 'POST', `/api/v1/duty/rosters/${U}/import`, { format: 'csv', content: 'kind,id\nboss,1\n' });
  t.match(bad, { status: 400, json: { error: { code: 'bad_csv' } } });

  const ics = await h.call('unitA', 'GET', `/api/v1/duty/rosters/${U}/ical?from=2026-11-26T00:00:00Z&to=2026-11-28T00:00:00Z`);
  t.match(ics.headers['content-type'], /text\/calendar/);
  t.match(ics.body, /BEGIN:VEVENT[\s\S]*SUMMARY:值班：李娜（市城管局）/);

  const delOv = await h.call('admin', 'DELETE', `/api/v1/duty/rosters/${U}/overrides/override-2-1`);
  t.equal(delOv.json.roster.overrides.length, 0);
  const leave = await h.call('admin', 'POST', `/api/v1/duty/rosters/${U}/leave`, { memberId: 'a', start: '2026-11-26T00:00:00Z', end: '2026-11-27T00:00:00Z', reason: '病假' });
  t.equal(leave.status, 200);
  t.match((await h.call('operator', 'GET', `/api/v1/duty/on-duty?unit=${U}`)).json.items[0].onDuty, { member: { id: 'b' }, source: 'substitute', replaces: { id: 'a' } });
});

t.test('chains: the default, validation of the repeating final step, saving', async (t) => {
  const h = await testApp(t);
  const def = await h.call('operator', 'GET', `/api/v1/duty/chains/${U}`);
  t.match(def.json.chain, { version: 0, steps: [{ target: 'duty', channel: 'call', attempts: 2 }, {}, {}, { target: 'hotline_duty', repeat: true }] });
  const noRepeat = await h.call('admin', 'PUT', `/api/v1/duty/chains/${U}`, { steps: [{ target: 'duty', channel: 'call' }] });
  t.match(noRepeat, { status: 400, json: { error: { code: 'final_step_must_repeat' } } });
  const ok = await h.call('supervisor', 'PUT', `/api/v1/duty/chains/${U}`, { pageOnSignOverdue: true, steps: [{ target: 'duty', channel: 'sms', ackTimeoutSec: 120 }, { target: 'city_duty', channel: 'call', repeat: true }] });
  t.equal(ok.status, 200);
  t.match(ok.json.chain, { version: 1, pageOnSignOverdue: true, steps: [{ ackTimeoutSec: 120, attempts: 1, gapSec: 60 }, { repeat: true }] });
  t.equal((await h.call('operator', 'PUT', `/api/v1/duty/chains/${U}`, { steps: [{ target: 'city_duty', channel: 'call', repeat: true }] })).status, 403);
});

t.test('pages by hand: page now, the running list, escalate, cancel, a unit acknowledges its own', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T02:00:00Z', env: { SUBAN_HOTLINE_DUTY_PHONE: '13800009999' } });
  await h.call('admin', 'PUT', `/api/v1/duty/rosters/${U}`, roster);
  h.ctx.simVoice!.script('13800000001', { answer: 'no-answer' });
  const mk = async (content: string) => (await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', content, category: '求助', unit: UNIT })).json.ticket;
  const t1 = await mk('小区路灯不亮');
  const t2 = await mk('井盖缺失');
  t.equal((await h.call('unitA', 'POST', '/api/v1/duty/pages', { ticketId: t1.id })).status, 403, 'units do not page');
  const p1 = await h.call('operator', 'POST', '/api/v1/duty/pages', { ticketId: t1.id });
  t.equal(p1.status, 201);
  t.equal((await h.call('operator', 'POST', '/api/v1/duty/pages', { ticketId: t1.id })).status, 200, 'the running page is returned');
  const p2 = await h.call('supervisor', 'POST', '/api/v1/duty/pages', { ticketId: t2.id });
  await h.ctx.runner.runDue();
  await h.ctx.simVoice!.settled();
  await h.ctx.pagingIdle();
  const list = await h.call('operator', 'GET', '/api/v1/duty/pages');
  t.equal(list.json.items.length, 2);
  t.match(list.json.items.find((p: { id: string }) => p.id === p1.json.page.id), { status: 'running', reason: 'manual', step: 1, current: { targetName: '张伟', channel: 'call' } });
  t.equal((await h.call('unitB', 'GET', '/api/v1/duty/pages')).json.items.length, 0, 'other units see none');

  const esc = await h.call('operator', 'POST', `/api/v1/duty/pages/${p1.json.page.id}/escalate`);
  t.match(esc.json.page, { next: { step: 2, attempt: 1 } });
  await h.ctx.runner.runDue();
  t.match(h.ctx.simSms!.sent.at(-1), { to: '13800000001', text: /【12345即办】工单/ });
  const cancel = await h.call('supervisor', 'POST', `/api/v1/duty/pages/${p1.json.page.id}/cancel`, { note: '已电话联系到张伟' });
  t.match(cancel.json.page, { status: 'cancelled', endReason: '已电话联系到张伟' });
  t.equal((await h.call('operator', 'POST', `/api/v1/duty/pages/${p1.json.page.id}/cancel`, {})).status, 409);

  t.equal((await h.call('unitB', 'POST', `/api/v1/duty/pages/${p2.json.page.id}/ack`)).status, 403);
  const ack = await h.call('unitA', 'POST', `/api/v1/duty/pages/${p2.json.page.id}/ack`);
  t.match(ack.json, { status: 'acked', page: { status: 'acked', ack: { via: 'console', by: 'unit-a' } } });
  t.equal((await h.call('operator', 'GET', `/api/v1/tickets/${t2.id}`)).json.ticket.state, 'handling');
  t.match((await h.call('operator', 'POST', `/api/v1/duty/pages/${p2.json.page.id}/ack`)).json, { status: 'already', by: 'unit-a' });
  const detail = await h.call('operator', 'GET', `/api/v1/duty/pages/${p2.json.page.id}`);
  t.ok(detail.json.attemptList.length >= 1);

  // The office takes a page on from the console: the calls stop, but only the unit signs for itself.
  const t3 = await mk('窨井冒水');
  const p3 = await h.call('operator', 'POST', '/api/v1/duty/pages', { ticketId: t3.id });
  const taken = await h.call('operator', 'POST', `/api/v1/duty/pages/${p3.json.page.id}/ack`);
  t.match(taken.json, { status: 'acked', page: { status: 'acked', endReason: 'taken_over', ack: { via: 'console' } } });
  t.equal((await h.call('operator', 'GET', `/api/v1/tickets/${t3.id}`)).json.ticket.state, 'dispatched', 'not signed by the office');
});
