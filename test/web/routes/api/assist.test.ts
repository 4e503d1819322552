/**
 * 协办, 应急联动 and 现场处置 (issue 23, items 2-3) through the API on both engines, with paging
 * through the simulated phone and SMS provider.
 */
import t from 'tap';
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { ENGINES } from '../../../helpers/db.js';
import { testApp, type TestApp } from '../../../helpers/app.js';
import type { RosterInput } from '../../../../src/domain/duty/roster.js';

const CITY = '07970000110';
const PHONES: Record<string, string> = {
  市城管局: '13800000011',
  市公安局: '13800000022',
  市应急管理局: '13800000033',
  市交通运输局: '13800000044',
  市信访局: '13800000055',
};

const roster = (phone: string, name: string): RosterInput => ({
  members: [{ id: 'm', name, phone }],
  rotation: { period: 'daily', handoff: '08:30', start: '2026-11-20', order: ['m'], holidays: 'pass' },
  leave: [],
  overrides: [],
});

async function unitToken(h: TestApp, name: string, unit: string) {
  const user = await h.ctx.users.create({ id: randomUUID(), name, role: 'unit', unit, displayName: null, phone: null, disabled: false, passwordHash: await argon2.hash('correct-horse-1') }, h.clock.now());
  return h.ctx.auth.issueToken(user.id);
}

async function as(h: TestApp, token: string, method: string, url: string, body?: unknown) {
  const res = await h.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, json: res.json(), body: res.body };
}

async function settle(h: TestApp) {
  for (let i = 0; i < 20; i++) {
    const n = await h.ctx.runner.runDue();
    await h.ctx.simVoice!.settled();
    await h.ctx.pagingIdle();
    if (n === 0) break;
  }
}

for (const engine of ENGINES) {
  t.test(`协办 and 联动 through the API on ${engine}`, async (t) => {
    // The 到场确认 call is tested on its own below; here arrivals come by SMS and the console.
    const h = await testApp(t, { engine, now: '2026-11-26T02:00:00Z', config: { cityDutyPhone: CITY, arrivalCheckMin: 0 } });
    const admin = { id: 'adm', name: '管理员' };
    for (const [unit, phone] of Object.entries(PHONES)) await h.ctx.duty.saveRoster(unit, roster(phone, `${unit.slice(1, 3)}值班员`), admin);
    // 交通 and 应急 do not pick up: their pages run on while the others are acknowledged on the call.
    h.ctx.simVoice!.script(PHONES['市交通运输局'], { answer: 'no-answer' });
    h.ctx.simVoice!.script(PHONES['市应急管理局'], { answer: 'no-answer' });
    const police = await unitToken(h, 'police', '市公安局');
    const emerg = await unitToken(h, 'emerg', '市应急管理局');

    const created = await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13912340000', content: '红都大道与绵江路路口路面塌陷，一辆小车陷进去了，人还在车里', unit: '市城管局', category: '求助', urgent: true });
    t.equal(created.status, 201, created.body);
    const id = created.json.ticket.id;
    await settle(h);

    await t.test('联动 is for the office only, and for a known 突发事件 type', async (t) => {
      const byUnit = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/linkage`, { emergencyType: '事故灾难' });
      t.equal(byUnit.status, 403);
      const bad = await h.call('operator', 'POST', `/api/v1/tickets/${id}/linkage`, { emergencyType: '地震' });
      t.equal(bad.status, 400);
      const cfg = await h.call('operator', 'GET', '/api/v1/linkage');
      t.same(cfg.json.units, ['市应急管理局', '市公安局', '市交通运输局', '市信访局']);
    });

    await t.test('the operator starts a 联动: four 协办 units, one page per unit beside the lead unit', async (t) => {
      const r = await h.call('operator', 'POST', `/api/v1/tickets/${id}/linkage`, { emergencyType: '事故灾难', note: '路面塌陷，车辆被困' });
      t.equal(r.status, 200, r.body);
      t.same(r.json.units, ['市应急管理局', '市公安局', '市交通运输局', '市信访局']);
      t.equal(r.json.ticket.emergencyType, '事故灾难');
      t.same(r.json.ticket.assists.map((p: { unit: string; state: string; linkage: boolean }) => [p.unit, p.state, p.linkage]), r.json.units.map((u: string) => [u, 'dispatched', true]));
      const again = await h.call('operator', 'POST', `/api/v1/tickets/${id}/linkage`, { emergencyType: '事故灾难' });
      t.equal(again.status, 409, 'one 联动 per ticket');
      await settle(h);
      const pages = await h.ctx.paging.store.list({ ticketId: id });
      const assistPages = pages.filter((p) => p.reason === 'assist');
      t.same(assistPages.map((p) => p.unit).sort(), ['市交通运输局', '市信访局', '市公安局', '市应急管理局'].sort(), 'one page per 协办 unit');
      const byUnit = new Map(assistPages.map((p) => [p.unit, p]));
      t.equal(byUnit.get('市公安局')!.status, 'acked', 'police acknowledged its own page on the call');
      t.equal(byUnit.get('市交通运输局')!.status, 'running', '交通 is still being paged');
      t.equal(byUnit.get('市应急管理局')!.status, 'running');
      const calls = h.ctx.simVoice!.calls.filter((c) => c.direction === 'outbound');
      for (const unit of Object.keys(PHONES)) t.ok(calls.some((c) => c.to === PHONES[unit]), `${unit}'s duty person was called`);
      const tk = (await h.call('operator', 'GET', `/api/v1/tickets/${id}`)).json.ticket;
      const state = Object.fromEntries(tk.assists.map((p: { unit: string; state: string }) => [p.unit, p.state]));
      t.equal(state['市公安局'], 'signed', 'the acknowledgement signed the police part');
      t.equal(state['市信访局'], 'signed');
      t.equal(state['市交通运输局'], 'dispatched');
      t.equal(tk.state, 'handling', 'the lead signed by its own 即办 page');
    });

    await t.test('a 协办 unit sees the ticket, signs and replies its part, and nothing else', async (t) => {
      const inbox = await as(h, emerg, 'GET', '/api/v1/tickets');
      t.ok(inbox.json.items.some((x: { id: string }) => x.id === id), 'the ticket is in the 协办 unit\'s inbox');
      const read = await as(h, emerg, 'GET', `/api/v1/tickets/${id}`);
      t.equal(read.status, 200);
      t.equal(read.json.ticket.contact, '139****0000', 'masked like for any unit');
      t.equal((await as(h, emerg, 'POST', `/api/v1/tickets/${id}/reply`, { reply: 'x' })).status, 403, 'not the lead unit\'s reply');
      t.equal((await as(h, emerg, 'POST', `/api/v1/tickets/${id}/notes`, { text: 'x' })).status, 403);
      t.equal((await as(h, emerg, 'POST', `/api/v1/tickets/${id}/assists`, { units: ['市卫健委'] })).status, 403);
      t.equal((await as(h, emerg, 'POST', `/api/v1/tickets/${id}/assist/reply`, { reply: '已派员' })).status, 409, 'reply before signing');
      const signed = await as(h, emerg, 'POST', `/api/v1/tickets/${id}/assist/sign`);
      t.equal(signed.status, 200, signed.body);
      await settle(h);
      const page = (await h.ctx.paging.store.list({ ticketId: id })).find((p) => p.unit === '市应急管理局');
      t.equal(page?.status, 'stopped', 'signing in the console stops that unit\'s page only');
      const transport = (await h.ctx.paging.store.list({ ticketId: id })).find((p) => p.unit === '市交通运输局');
      t.equal(transport?.status, 'running');
      const replied = await as(h, police, 'POST', `/api/v1/tickets/${id}/assist/reply`, { reply: '已封闭路口，疏导交通', attachments: [{ kind: 'image', url: '/media/police-scene.jpg' }] });
      t.equal(replied.status, 200, replied.body);
      const lead = await h.call('unitA', 'GET', `/api/v1/tickets/${id}`);
      const part = lead.json.ticket.assists.find((p: { unit: string }) => p.unit === '市公安局');
      t.equal(part.reply, '已封闭路口，疏导交通', 'the lead unit reads the part\'s reply');
      t.equal(part.stateLabel, '已答复');
      t.equal((await h.call('unitB', 'GET', `/api/v1/tickets/${id}`)).status, 404, 'a unit on neither side sees nothing');
      const events = (await h.call('unitA', 'GET', `/api/v1/tickets/${id}/events`)).json.events.map((e: { type: string }) => e.type);
      for (const type of ['linkage_started', 'assist_added', 'assist_signed', 'assist_replied']) t.ok(events.includes(type), `${type} on the timeline`);
    });

    await t.test('现场处置: arrival by SMS 「到达 <code>」 and by a bare 「到达」, details and photos in the console', async (t) => {
      // 交通 did not answer its calls: the chain goes on to an SMS with a code.
      for (let i = 0; i < 6 && !h.ctx.simSms!.sent.some((m) => m.to === PHONES['市交通运输局'] && /回复 (\d{4})/.test(m.text)); i++) {
        h.clock.advance(5 * 60_000);
        await settle(h);
      }
      const sms = h.ctx.simSms!.sent.find((m) => m.to === PHONES['市交通运输局'] && /回复 (\d{4})/.test(m.text));
      t.ok(sms, 'the 交通 duty person got the page by SMS');
      const code = /回复 (\d{4})/.exec(sms!.text)![1];
      await h.ctx.smsInbox.receive({ id: 'in-1', from: PHONES['市交通运输局'], to: '12345', text: `到达 ${code}`, at: h.clock.now(), provider: 'sim' });
      await settle(h);
      let tk = (await h.call('operator', 'GET', `/api/v1/tickets/${id}`)).json.ticket;
      const transport = tk.onSite.find((r: { unit: string }) => r.unit === '市交通运输局');
      t.ok(transport?.arrivedAt, 'the 交通 arrival is recorded');
      t.equal(transport.arrivedVia, 'sms');
      t.equal(tk.assists.find((p: { unit: string }) => p.unit === '市交通运输局').state, 'signed', 'an arrival on a running page acknowledges it (signs the part)');
      t.ok(h.ctx.simSms!.sent.some((m) => m.to === PHONES['市交通运输局'] && m.text.includes('已登记市交通运输局到达现场')), 'the sender is told');
      // the lead's duty person was paged by a call (no code): a bare 到达 finds that page
      const before = h.ctx.simSms!.sent.length;
      await h.ctx.smsInbox.receive({ id: 'in-2', from: PHONES['市城管局'], to: '12345', text: '已到达现场', at: h.clock.now(), provider: 'sim' });
      tk = (await h.call('operator', 'GET', `/api/v1/tickets/${id}`)).json.ticket;
      t.ok(tk.onSite.find((r: { unit: string }) => r.unit === '市城管局')?.arrivedAt, 'the lead arrival is recorded');
      t.ok(h.ctx.simSms!.sent.length > before);
      const countBefore = (await h.ctx.ticketStore.list({}, { limit: 200 })).items.length;
      t.equal(countBefore, 1, 'the 到达 texts made no citizen ticket');
      // details afterwards: who went, with what, when; the arrival stays
      const leftAt = new Date(h.clock.now().getTime() - 20 * 60_000).toISOString();
      const d = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/onsite/dispatch`, { people: ['张伟', '李娜'], equipment: ['抢修车', '警示锥'], sentAt: leftAt });
      t.equal(d.status, 200, d.body);
      const lead = d.json.ticket.onSite.find((r: { unit: string }) => r.unit === '市城管局');
      t.same([lead.count, lead.people, lead.equipment, lead.sentAt], [2, ['张伟', '李娜'], ['抢修车', '警示锥'], leftAt]);
      t.ok(lead.arrivedAt && lead.minutes > 0);
      t.equal((await h.call('unitA', 'POST', `/api/v1/tickets/${id}/onsite/arrival`, {})).status, 409, 'one arrival per unit');
      // a 协办 unit records its own, with photos; not another unit's
      t.equal((await as(h, police, 'POST', `/api/v1/tickets/${id}/onsite/dispatch`, { unit: '市城管局', people: ['赵六'] })).status, 403);
      t.equal((await as(h, police, 'POST', `/api/v1/tickets/${id}/onsite/dispatch`, { people: [] })).status, 400);
      t.equal((await as(h, police, 'POST', `/api/v1/tickets/${id}/onsite/dispatch`, { people: ['赵六', '钱七', '孙八'], equipment: ['警车'] })).status, 200);
      h.clock.advance(60_000);
      const arr = await as(h, police, 'POST', `/api/v1/tickets/${id}/onsite/arrival`, { attachments: [{ kind: 'image', url: '/media/scene-1.jpg' }] });
      t.equal(arr.status, 200, arr.body);
      t.ok(arr.json.ticket.attachments.some((a: { url: string; note?: string }) => a.url === '/media/scene-1.jpg' && a.note === '市公安局现场照片'), 'scene photos are archived with the ticket');
      const bad = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/onsite/dispatch`, { people: ['x'], sentAt: 'yesterday' });
      t.equal(bad.status, 400);
    });

    await t.test('the lead reply is warned about open parts, closes the matter and goes to the 值班室 with the on-site record', async (t) => {
      const w = await h.call('unitA', 'GET', `/api/v1/tickets/${id}/assist/warning`);
      t.match(w.json.warning, /市交通运输局/);
      t.match(w.json.warning, /市信访局/);
      const r = await h.call('unitA', 'POST', `/api/v1/tickets/${id}/reply`, { reply: '已回填塌陷路面，车辆及人员已救出' });
      t.equal(r.status, 200, r.body);
      t.equal(r.json.ticket.state, 'replied');
      const states = Object.fromEntries(r.json.ticket.assists.map((p: { unit: string; stateLabel: string }) => [p.unit, p.stateLabel]));
      t.same(states, { 市应急管理局: '主办已答复', 市公安局: '已答复', 市交通运输局: '主办已答复', 市信访局: '主办已答复' });
      await settle(h);
      const report = h.ctx.simSms!.sent.find((m) => m.to === CITY);
      t.ok(report, 'reported to the 市政府值班室');
      t.match(report!.text, /现场处置/);
      t.match(report!.text, /市城管局出动2人（张伟、李娜）携抢修车、警示锥\d\d:\d\d出发\d\d:\d\d到达现场/);
      t.match(report!.text, /协办市公安局：已封闭路口/);
      t.equal((await h.ctx.paging.store.list({ ticketId: id, status: 'running' })).length, 0, 'no page runs on');
    });

    await t.test('三率 and the arrival figures per unit', async (t) => {
      // A running period judges deadlines up to now: past the parts' 30-minute sign deadlines.
      h.clock.advance(3600_000);
      const r = await h.call('supervisor', 'GET', '/api/v1/stats/rates?groupBy=unit&from=2026-11-26&to=2026-11-26');
      t.equal(r.status, 200, r.body);
      const row = (u: string) => r.json.rows.find((x: { key: string }) => x.key === u);
      t.same([row('市公安局').response.numerator, row('市公安局').response.denominator], [1, 1], 'police signed its part in time');
      t.same([row('市公安局').closing.numerator, row('市公安局').closing.denominator], [1, 1], 'police replied its part');
      t.equal(row('市公安局').accepted, 0);
      t.equal(row('市城管局').accepted, 1);
      t.equal(row('市城管局').arrivalSamples, 1);
      t.ok(row('市城管局').avgArrivalMinutes > 0);
      t.same([row('市城管局').arrivalRecorded.numerator, row('市城管局').arrivalRecorded.denominator], [1, 1]);
      t.equal(row('市交通运输局').arrivalSamples, 1);
      const own = await as(h, police, 'GET', '/api/v1/stats/rates');
      t.same(own.json.rows.map((x: { key: string }) => x.key), ['市公安局'], 'a 协办 unit sees its own row');
      const csv = await h.call('supervisor', 'GET', '/api/v1/stats/rates?groupBy=unit&format=csv&from=2026-11-26&to=2026-11-26');
      t.match(csv.body, /平均到场时长（分钟）/);
    });
  });

  t.test(`协办 added and removed by the office, part deadlines 督办 on ${engine}`, async (t) => {
    const h = await testApp(t, { engine, now: '2026-11-26T02:00:00Z' });
    const created = await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13912340001', content: '小区门口的路灯不亮，井盖也松动了', unit: '市城管局', category: '投诉' });
    const id = created.json.ticket.id;
    t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${id}/assists`, { units: ['市城管局'] })).status, 409, 'the lead cannot assist itself');
    t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${id}/assists`, { units: ['不存在的局'] })).status, 400);
    t.equal((await h.call('unitA', 'POST', `/api/v1/tickets/${id}/assists`, { units: ['市住建局'] })).status, 403, 'units do not add 协办');
    const add = await h.call('operator', 'POST', `/api/v1/tickets/${id}/assists`, { units: ['市住建局', '润泉供水公司'], note: '井盖归属待查' });
    t.equal(add.status, 200, add.body);
    t.same(add.json.ticket.assists.map((p: { unit: string }) => p.unit), ['市住建局', '润泉供水公司']);
    t.equal(add.json.ticket.assists[0].signDeadline, created.json.ticket.signDeadline, 'the same SLA rules as the lead (same category, same moment)');
    const inbox = await h.call('unitB', 'GET', '/api/v1/tickets');
    t.ok(inbox.json.items.some((x: { id: string }) => x.id === id), '润泉供水公司 sees it');
    const removed = await h.call('supervisor', 'DELETE', `/api/v1/tickets/${id}/assists/${encodeURIComponent('润泉供水公司')}?reason=${encodeURIComponent('非供水设施')}`);
    t.equal(removed.status, 200, removed.body);
    t.equal((await h.call('unitB', 'GET', `/api/v1/tickets/${id}`)).status, 404, 'taken off, it no longer sees it');
    t.equal((await h.call('operator', 'DELETE', `/api/v1/tickets/${id}/assists/${encodeURIComponent('润泉供水公司')}`)).status, 409);
    // 住建局 never signs: its part is 督办ed when its own sign deadline passes
    const part = add.json.ticket.assists[0];
    h.clock.set(new Date(Date.parse(part.signDeadline) + 60_000));
    await settle(h);
    const tk = (await h.call('operator', 'GET', `/api/v1/tickets/${id}`)).json.ticket;
    t.equal(tk.assists.find((p: { unit: string }) => p.unit === '市住建局').supervision, '督办');
    t.equal(tk.supervision !== '督办' || tk.state === 'dispatched', true);
    const events = (await h.call('operator', 'GET', `/api/v1/tickets/${id}/events`)).json.events;
    t.ok(events.some((e: { type: string; data: { unit?: string } }) => e.type === 'assist_supervised' && e.data.unit === '市住建局'));
    const jobs = (await h.ctx.jobs.list({})).filter((j) => j.key.startsWith(`assist:${id}:润泉供水公司:`) && j.status === 'pending');
    t.equal(jobs.length, 0, 'the removed part has no timers left');
  });
}

for (const engine of ENGINES) {
  t.test(`现场处置: the 到场确认 call after a phone acknowledgement on ${engine}`, async (t) => {
    const h = await testApp(t, { engine, now: '2026-11-26T02:00:00Z', config: { arrivalCheckMin: 20 } });
    await h.ctx.duty.saveRoster('市城管局', roster(PHONES['市城管局'], '张伟'), { id: 'adm', name: '管理员' });
    // First call: 1 acknowledges the page. The 到场确认 calls: 2 (not yet), then 1 (arrived).
    h.ctx.simVoice!.script(PHONES['市城管局'], { answer: 'answer', press: ['1'] });
    const created = await h.call('operator', 'POST', '/api/v1/tickets', { contact: '13912340002', content: '红都大道路面塌陷，有车陷进去了', unit: '市城管局', category: '求助', urgent: true });
    const id = created.json.ticket.id;
    await settle(h);
    t.equal((await h.ctx.ticketStore.get(id))!.state, 'handling', 'acknowledged on the call: signed');
    const calls = () => h.ctx.simVoice!.calls.filter((c) => c.direction === 'outbound' && c.flow === 'arrival');
    h.clock.advance(19 * 60_000);
    await settle(h);
    t.equal(calls().length, 0, 'not before SUBAN_ARRIVAL_CHECK_MIN');
    h.ctx.simVoice!.script(PHONES['市城管局'], { answer: 'answer', press: ['2'] });
    h.clock.advance(60_000);
    await settle(h);
    t.equal(calls().length, 1, 'called back after 20 minutes');
    t.match(calls()[0].heard.join(' '), /市城管局的处置人员是否已到达现场/);
    t.equal((await h.ctx.ticketStore.get(id))!.onSite.length, 0, '2: not yet');
    h.ctx.simVoice!.script(PHONES['市城管局'], { answer: 'answer', press: ['1'] });
    h.clock.advance(20 * 60_000);
    await settle(h);
    t.equal(calls().length, 2, 'asked again');
    const tk = (await h.ctx.ticketStore.get(id))!;
    t.equal(tk.onSite[0]?.unit, '市城管局');
    t.equal(tk.onSite[0]?.arrivedVia, 'call', '1: the arrival is recorded from the keypress');
    h.clock.advance(60 * 60_000);
    await settle(h);
    t.equal(calls().length, 2, 'no more calls once arrived');
    const events = (await h.call('operator', 'GET', `/api/v1/tickets/${id}/events`)).json.events;
    t.ok(events.some((e: { type: string; via: string }) => e.type === 'onsite_arrived' && e.via === 'call'), 'on the timeline');
  });
}
