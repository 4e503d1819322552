import t from 'tap';
import { testApp } from '../../helpers/app.js';
import type { HotspotAlert } from '../../../src/application/hotspots/service.js';
import { TOPIC } from '../../../src/application/ports/events.js';

const START = '2026-11-26T02:00:00Z';

t.test('研判预警', async (t) => {
  const h = await testApp(t, { now: START });
  const alerts: { type: string; alert: HotspotAlert }[] = [];
  h.ctx.bus.subscribe(TOPIC.alert, (a) => alerts.push(a));
  const file = async (content: string, contact: string) => {
    h.clock.advance(10 * 60_000);
    const r = await h.call('operator', 'POST', '/api/v1/tickets', { contact, content });
    if (r.status !== 201) throw new Error(r.body);
    return r.json.ticket as { id: string; number: string; unit: string };
  };

  await t.test('a spike of one matter at one place raises one alert', async (t) => {
    const texts = ['象湖镇红都大道路灯不亮', '红都大道的路灯坏了晚上很黑', '象湖镇红都大道路灯全部不亮了', '红都大道路灯不亮好几天', '象湖镇红都大道路灯坏了没人修'];
    const same = [];
    for (let i = 0; i < texts.length; i++) same.push(await file(texts[i], `1390000020${i}`));
    await file('润泉供水公司,我们小区停水两天了', '13900000300');
    await file('九堡镇卫生院看病排队太久', '13900000301');

    t.equal((await h.ctx.hotspots.scan()).length, 1);
    t.equal(alerts.length, 1, 'supervisors are alerted on the bus');
    const a = alerts[0].alert;
    t.equal(a.kind, 'matter');
    t.equal(a.count, 5);
    t.same([...a.ticketIds].sort(), same.map((x) => x.id).sort());
    t.equal(a.place, '红都大道');
    t.match(a.title, /红都大道.*24小时内5件同类诉求/);

    await file('红都大道路灯不亮，请尽快修', '13900000209');
    t.equal((await h.ctx.hotspots.scan()).length, 0, 'a growing spike updates its alert, it does not raise another');
    const listed = await h.call('supervisor', 'GET', '/api/v1/supervision/hotspots');
    t.equal(listed.json.items.length, 1);
    t.equal(listed.json.items[0].count, 6);
    t.equal((await h.call('unitA', 'GET', '/api/v1/supervision/hotspots')).status, 403);
  });

  await t.test('联席会议 and 领导包案 from an alert', async (t) => {
    const [a] = (await h.call('supervisor', 'GET', '/api/v1/supervision/hotspots')).json.items;
    const jm = await h.call('supervisor', 'POST', '/api/v1/supervision/joint-meeting', { alertId: a.id, note: '涉及路灯产权移交' });
    t.equal(jm.status, 200, jm.body);
    t.equal((await h.call('operator', 'POST', '/api/v1/supervision/joint-meeting', { alertId: a.id })).status, 403, 'supervisors decide');
    const list = await h.call('operator', 'GET', '/api/v1/supervision/joint-meeting');
    t.equal(list.json.items.length, 1);
    t.equal(list.json.items[0].ticketIds.length, 6);
    const deadline = '2026-12-10T09:30:00.000Z';
    const lc = await h.call('supervisor', 'POST', '/api/v1/supervision/leader-cases', { alertId: a.id, leader: '张副市长', deadline });
    t.equal(lc.status, 200, lc.body);
    const cases = await h.call('supervisor', 'GET', '/api/v1/supervision/leader-cases');
    t.same({ leader: cases.json.items[0].leader, deadline: cases.json.items[0].deadline, resolved: cases.json.items[0].resolved, overdue: cases.json.items[0].overdue }, { leader: '张副市长', deadline, resolved: false, overdue: false });
    const notes = (await h.ctx.ticketStore.events(a.ticketIds[0])).filter((e) => e.data.type === 'note').map((e) => (e.data as { text: string }).text);
    t.ok(notes.some((n) => n.includes('联席会议')) && notes.some((n) => n.includes('领导包案：张副市长')), 'both are on the tickets');
    h.clock.set('2026-12-11T00:00:00Z');
    t.equal((await h.ctx.hotspots.leaderCases())[0].overdue, true, 'past the deadline while unresolved');
    const bad = await h.call('supervisor', 'POST', '/api/v1/supervision/leader-cases', { alertId: a.id, leader: '张副市长', deadline: '2026-12-01T00:00:00Z' });
    t.equal(bad.status, 400, 'a deadline in the past is refused');
  });

  await t.test('a matter that keeps coming back unresolved', async (t) => {
    const tk = await file('润泉供水公司,我家水压太低', '13900000400');
    for (let i = 0; i < 2; i++) {
      await h.call('unitB', 'POST', `/api/v1/tickets/${tk.id}/sign`);
      await h.call('unitB', 'POST', `/api/v1/tickets/${tk.id}/reply`, { reply: '已调整' });
      await h.call('operator', 'POST', `/api/v1/tickets/${tk.id}/followup`, { satisfaction: '不满意', solved: false, reason: '水压还是很低' });
    }
    t.equal((await h.ctx.ticketStore.get(tk.id))!.reopenCount, 2);
    const raised = await h.ctx.hotspots.scan();
    const rec = raised.find((x) => x.kind === 'recurring');
    t.ok(rec, 'raised as recurring');
    t.same(rec!.ticketIds, [tk.id]);
    t.match(rec!.title, /反复重办.*已重办2次/);
  });
});
