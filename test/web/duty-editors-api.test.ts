import t from 'tap';
import { ENGINES } from '../helpers/db.js';
import { testApp } from '../helpers/app.js';

/** Issue 20, item 10: what the duty editors rely on — field-named errors, who changed it last, audited saves, no lost edits. */

const UNIT = encodeURIComponent('市城管局');

for (const engine of ENGINES) {
  t.test(`duty editors' API on ${engine}`, async (t) => {
    const h = await testApp(t, { engine });

    const none = await h.call('supervisor', 'GET', `/api/v1/duty/changes/${UNIT}`);
    t.equal(none.status, 200);
    t.same(none.json, { roster: null, chain: null, contacts: null }, 'never changed');

    // Errors name their field.
    const badPhone = await h.call('supervisor', 'PUT', `/api/v1/duty/rosters/${UNIT}`, { members: [{ id: 'a', name: '刘强', phone: '13907970001' }, { id: 'b', name: '王芳', phone: '1390797000x' }], rotation: null });
    t.equal(badPhone.status, 400);
    t.same(badPhone.json.error.details, { field: 'members.1.phone' });
    const noName = await h.call('supervisor', 'PUT', `/api/v1/duty/contacts/${UNIT}`, { head: { name: '', phone: '0797-8321234' } });
    t.equal(noName.status, 400, 'an empty name reaches the validator');
    t.same(noName.json.error, { code: 'bad_contact', message: '单位负责人需要姓名', details: { field: 'head.name' } });
    const badOffice = await h.call('supervisor', 'PUT', `/api/v1/duty/contacts/${UNIT}`, { officePhone: '电话' });
    t.same(badOffice.json.error.details, { field: 'officePhone' });
    const lastNotOffice = await h.call('supervisor', 'PUT', `/api/v1/duty/chains/${UNIT}`, { steps: [{ target: 'duty', channel: 'call' }, { target: 'duty', channel: 'sms', repeat: true }] });
    t.equal(lastNotOffice.status, 400);
    t.same(lastNotOffice.json.error.details, { field: 'steps.1.target' });
    const badPerson = await h.call('supervisor', 'PUT', `/api/v1/duty/chains/${UNIT}`, { steps: [{ target: 'person', channel: 'call', person: { name: '张科长', phone: 'x' } }, { target: 'hotline_duty', channel: 'call', repeat: true }] });
    t.same(badPerson.json.error.details, { field: 'steps.0.person' });
    const leave = await h.call('supervisor', 'PUT', `/api/v1/duty/rosters/${UNIT}`, { members: [{ id: 'a', name: '刘强', phone: '13907970001' }], rotation: null, leave: [{ memberId: 'a', start: '2027-01-02T00:00:00Z', end: '2027-01-01T00:00:00Z' }] });
    t.same(leave.json.error.details, { field: 'leave.0.end' });
    t.same((await h.call('supervisor', 'GET', `/api/v1/duty/changes/${UNIT}`)).json, { roster: null, chain: null, contacts: null }, 'refused saves leave no audit');

    // Saves: audited with the editor's name; the latest one is "who changed it last".
    const chain = { steps: [{ target: 'duty', channel: 'call', ackTimeoutSec: 600 }, { target: 'hotline_duty', channel: 'call', repeat: true }] };
    const c1 = await h.call('supervisor', 'PUT', `/api/v1/duty/chains/${UNIT}`, { ...chain, expectedVersion: 0 });
    t.equal(c1.status, 200);
    t.equal(c1.json.chain.version, 1);
    const stale = await h.call('admin', 'PUT', `/api/v1/duty/chains/${UNIT}`, { ...chain, expectedVersion: 0 });
    t.equal(stale.status, 409, 'a concurrent edit is refused, not lost');
    t.equal(stale.json.error.code, 'chain_changed');
    t.equal((await h.call('admin', 'PUT', `/api/v1/duty/chains/${UNIT}`, { ...chain, pageOnSignOverdue: true, expectedVersion: 1 })).status, 200);
    t.equal((await h.call('supervisor', 'PUT', `/api/v1/duty/contacts/${UNIT}`, { head: { name: '赵局长', phone: '0797-8321234' }, expectedVersion: 0 })).status, 200);
    t.equal((await h.call('admin', 'PUT', `/api/v1/duty/rosters/${UNIT}`, { members: [{ id: 'a', name: '刘强', phone: '13907970001' }], rotation: null })).status, 200);
    t.equal((await h.call('supervisor', 'POST', `/api/v1/duty/rosters/${UNIT}/leave`, { memberId: 'a', start: '2027-01-01T00:00:00Z', end: '2027-01-02T00:00:00Z' })).status, 200);

    const last = await h.call('unitA', 'GET', `/api/v1/duty/changes/${UNIT}`);
    t.equal(last.status, 200, 'the unit reads its own');
    t.match(last.json, {
      roster: { kind: 'duty.leave.add', by: { name: 'sup' }, version: 2 },
      chain: { kind: 'duty.chain.save', by: { name: 'adm' }, version: 2 },
      contacts: { kind: 'duty.contacts.save', by: { name: 'sup' }, version: 1 },
    });
    t.equal((await h.call('unitB', 'GET', `/api/v1/duty/changes/${UNIT}`)).status, 403, 'not another unit’s');
    const chainRows = await h.ctx.audit.list('chain:市城管局');
    t.same(chainRows.map((r) => [r.kind, (r.data as { by: string }).by]), [['duty.chain.save', 'sup'], ['duty.chain.save', 'adm']]);
    t.equal((await h.call('unitA', 'PUT', `/api/v1/duty/chains/${UNIT}`, chain)).status, 403, 'units do not edit');
  });
}
