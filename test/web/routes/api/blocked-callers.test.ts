import t from 'tap';
import { testApp } from '../../../helpers/app.js';

const IN_HOURS = '2026-11-26T02:00:00Z'; // Thursday 10:00 Shanghai

t.test('block list over the API: supervisors decide, the office sees it, a listed caller leaves a message', async (t) => {
  const h = await testApp(t, { now: IN_HOURS });
  const phone = '13900000008';

  t.equal((await h.call('operator', 'POST', '/api/v1/blocked-callers', { phone, reason: '骚扰' })).status, 403, 'operators do not decide');
  t.equal((await h.call('unitA', 'GET', '/api/v1/blocked-callers')).status, 403, 'units do not see the list');
  t.equal((await h.call(null, 'GET', '/api/v1/blocked-callers')).status, 401);
  const bad = await h.call('supervisor', 'POST', '/api/v1/blocked-callers', { phone: 'call-me', reason: '骚扰' });
  t.equal(bad.status, 400);
  t.equal(bad.json.error.code, 'bad_phone');
  t.equal((await h.call('supervisor', 'POST', '/api/v1/blocked-callers', { phone, reason: '骚扰', days: 0 })).status, 400, 'schema: days ≥ 1');

  const before = await h.ctx.simVoice!.placeInbound({ from: phone, press: ['2'], say: '咨询社保' });
  t.match(before.ivrPath, /^主菜单 2/, 'not listed yet: the menu');

  const added = await h.call('supervisor', 'POST', '/api/v1/blocked-callers', { phone, reason: '多次辱骂坐席', days: 30 });
  t.equal(added.status, 201);
  t.match(added.json.entry, { phone, masked: '139****0008', reason: '多次辱骂坐席', until: '2026-12-26T02:00:00.000Z' });
  const listed = await h.call('operator', 'GET', '/api/v1/blocked-callers');
  t.same(listed.json.items.map((e: { phone: string }) => e.phone), [phone], 'the office sees the list');

  const call = await h.ctx.simVoice!.placeInbound({ from: phone, press: [], say: '我要反映问题' });
  t.equal(call.ivrPath, '', 'listed: no menu, no queue');
  t.ok(call.ticketNumber, 'but the message is a ticket for review');

  t.equal((await h.call('admin', 'DELETE', `/api/v1/blocked-callers/${phone}`)).status, 204);
  t.equal((await h.call('admin', 'DELETE', `/api/v1/blocked-callers/${phone}`)).status, 404, 'lifting twice: not on the list');
  const after = await h.ctx.simVoice!.placeInbound({ from: phone, press: ['2'], say: '咨询社保' });
  t.match(after.ivrPath, /^主菜单 2/, 'lifted: the menu again');

  const audit = await h.ctx.audit.list(`caller:${phone}`);
  t.same(audit.map((a) => a.kind), ['caller.blocked', 'caller.unblocked'], 'both decisions are audited');
  t.notMatch(h.logs.text, new RegExp(phone), 'the number never reaches the logs');
});
