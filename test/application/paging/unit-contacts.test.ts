/**
 * 快速处置队伍 (issue 18, item 8): unit contacts (head, deputy, office phone) are set through the
 * API, the CLI and the console; paging and 督办 use them; a coverage view and /readyz list the units
 * without a reachable 24-hour duty person for the coming 7 days; a unit with nobody is the hotline
 * office's duty officer's.
 */
import t from 'tap';
import { testApp, type TestApp } from '../../helpers/app.js';
import { unitContacts, dutyCoverage } from '../../../src/cli/unit-contacts.js';

const START = '2026-11-26T02:00:00Z'; // Thursday 10:00
const HOTLINE = '07970012345';

async function urgentTicket(h: TestApp, unit: string) {
  const r = await h.call('operator', 'POST', '/api/v1/tickets', { unit, category: '求助', urgent: true, contact: '13900000801', content: '象湖镇红都大道燃气管道泄漏，味道很浓' });
  if (r.status !== 201) throw new Error(r.body);
  return r.json.ticket as { id: string; number: string };
}

async function run(h: TestApp) {
  await h.ctx.runner.runDue();
  await h.ctx.simVoice!.settled();
  await h.ctx.pagingIdle();
  await h.ctx.runner.runDue();
}

t.test('contacts in the API: set, read, validated, audited, for the office only; in OpenAPI', async (t) => {
  const h = await testApp(t, { now: START, config: { hotlineDutyPhone: HOTLINE } });
  const put = await h.call('supervisor', 'PUT', '/api/v1/duty/contacts/市城管局', { head: { name: '王局长', phone: '13900000811' }, deputy: { name: '李副局长', phone: '13900000812' }, officePhone: '0797-2520001' });
  t.equal(put.status, 200, 'saved');
  t.match(put.json.contacts, { unit: '市城管局', head: { name: '王局长', phone: '13900000811' }, deputy: { name: '李副局长' }, officePhone: '07972520001', version: 1 });
  t.match((await h.call('unitA', 'GET', '/api/v1/duty/contacts/市城管局')).json.contacts, { head: { name: '王局长' } }, 'the unit sees its own');
  t.equal((await h.call('unitB', 'GET', '/api/v1/duty/contacts/市城管局')).status, 403, 'not another unit’s');
  t.equal((await h.call('unitA', 'PUT', '/api/v1/duty/contacts/市城管局', { officePhone: null })).status, 403, 'units do not edit');
  t.equal((await h.call('supervisor', 'PUT', '/api/v1/duty/contacts/市城管局', { head: { name: '王局长', phone: '12' } })).status, 400, 'a number that cannot be dialled');
  t.equal((await h.call('supervisor', 'PUT', '/api/v1/duty/contacts/不存在的单位', { officePhone: '07972520001' })).status, 400);
  t.equal((await h.call('supervisor', 'PUT', '/api/v1/duty/contacts/市城管局', { officePhone: null, expectedVersion: 0 })).status, 409, 'a stale edit is refused');
  t.ok((await h.ctx.audit.list('contacts:市城管局')).some((a) => a.kind === 'duty.contacts.save'), 'audited');
  const spec = await h.app.inject({ method: 'GET', url: '/docs/json' });
  const paths = Object.keys((spec.json() as { paths: Record<string, unknown> }).paths);
  t.ok(paths.includes('/api/v1/duty/contacts/{unit}') && paths.includes('/api/v1/duty/coverage'), 'in OpenAPI');
});

t.test('paging and 督办 reach the contacts; a unit with nobody goes to the hotline office', async (t) => {
  const h = await testApp(t, { now: START, config: { hotlineDutyPhone: HOTLINE } });
  const sim = h.ctx.simVoice!;
  for (const n of ['07972520001', '13900000811', HOTLINE]) sim.script(n, { answer: 'no-answer' });
  await h.call('supervisor', 'PUT', '/api/v1/duty/contacts/市城管局', { head: { name: '王局长', phone: '13900000811' }, officePhone: '0797-2520001' });

  const a = await urgentTicket(h, '市城管局');
  for (let i = 0; i < 12; i++) {
    await run(h);
    h.clock.advance(5 * 60_000);
  }
  const to = sim.calls.map((c) => c.to);
  t.equal(to[0], '07972520001', 'no roster: the duty step calls the unit’s office phone');
  t.ok(to.includes('13900000811'), 'the unit_head step calls the head set in the contacts');
  t.ok(to.indexOf('13900000811') < to.indexOf(HOTLINE), 'before the hotline office');

  // 润泉供水公司 has no roster, no head, no office phone: everything goes to the hotline office.
  const before = sim.calls.length;
  const b = await urgentTicket(h, '润泉供水公司');
  await run(h);
  t.equal(sim.calls[before]?.to, HOTLINE, 'nobody at the unit: the hotline office’s duty officer is paged at once');
  void a;
  void b;

  // 督办 of a missed sign deadline by SMS: the head from the contacts.
  h.clock.advance(3600_000);
  await run(h);
  const smsTo = h.ctx.simSms!.sent.filter((m) => /督办|催办/.test(m.text)).map((m) => m.to);
  t.ok(smsTo.includes('13900000811'), '督办 reaches the head set in the contacts');
  t.ok(smsTo.includes(HOTLINE), 'and the unit with nobody: the hotline office');
});

t.test('coverage: API, /readyz warning, CLI', async (t) => {
  const h = await testApp(t, { now: START, config: { hotlineDutyPhone: HOTLINE } });
  const roster = {
    members: [
      { id: 'a', name: '张三', phone: '13900000821' },
      { id: 'b', name: '李四', phone: '13900000822' },
    ],
    rotation: { period: 'daily', handoff: '08:30', start: '2026-11-20', order: ['a', 'b'], holidays: 'pass' },
  };
  t.equal((await h.call('supervisor', 'PUT', '/api/v1/duty/rosters/市城管局', roster)).status, 200);
  const cov = await h.call('supervisor', 'GET', '/api/v1/duty/coverage');
  t.equal(cov.status, 200);
  const row = (u: string) => cov.json.items.find((c: { unit: string }) => c.unit === u);
  t.match(row('市城管局'), { hasRoster: true, covered: true, uncoveredHours: 0 });
  t.match(row('润泉供水公司'), { hasRoster: false, covered: false, uncoveredHours: 168 });
  t.notOk(cov.json.uncovered.includes('市城管局'));
  t.ok(cov.json.uncovered.includes('润泉供水公司') && cov.json.uncovered.includes('象湖镇'), 'units and townships without a roster are listed');
  const own = await h.call('unitB', 'GET', '/api/v1/duty/coverage');
  t.same(own.json.items.map((c: { unit: string }) => c.unit), ['润泉供水公司'], 'a unit sees its own row');

  const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200, 'a warning, not unready');
  const duty = (ready.json() as { duty: { ok: boolean; warning: string; uncovered: string[] } }).duty;
  t.equal(duty.ok, false);
  t.match(duty.warning, /个单位未来7天没有可联系的24小时值班人员/);
  t.ok(duty.uncovered.includes('润泉供水公司') && !duty.uncovered.includes('市城管局'));

  let out = '';
  const w = { write: (s: string) => (out += s) };
  await unitContacts(['润泉供水公司', '--head', '赵经理,13900000831', '--office', '0797-2520002'], h.ctx.duty, w);
  t.match(out, /单位负责人：赵经理 13900000831/);
  t.match((await h.ctx.duty.contacts('润泉供水公司'))!, { head: { name: '赵经理' }, officePhone: '07972520002' });
  out = '';
  await unitContacts(['润泉供水公司', '--head', '-'], h.ctx.duty, w);
  t.equal((await h.ctx.duty.contacts('润泉供水公司'))!.head, null, '"-" clears one');
  t.equal((await h.ctx.duty.contacts('润泉供水公司'))!.officePhone, '07972520002', 'the others are kept');
  out = '';
  const missing = await dutyCoverage([], h.ctx.duty, h.clock.now(), w);
  t.ok(missing > 0);
  t.match(out, /润泉供水公司：无值班表；办公室电话/);
  t.notMatch(out, /市城管局：/);
});
