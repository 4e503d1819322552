/**
 * A crossing is one place (issue 18, item 9): five reports of one broken traffic light, some naming
 * road A first and some road B, in every way people say a crossing, raise one hotspot alert and
 * are suggested for 并单 with each other.
 */
import t from 'tap';
import { testApp } from '../../helpers/app.js';
import { canonicalPlace, crossingIn } from '../../../src/domain/places/crossing.js';

const REPORTS = [
  '红都大道和绵江路交叉口的红绿灯坏了，车辆乱成一团',
  '绵江路与红都大道路口红绿灯不亮了，车辆乱成一团',
  '红都大道/绵江路 红绿灯坏了，一直黄灯闪',
  '绵江路红都大道路口的红绿灯坏了，很危险',
  '红都大道绵江路口红绿灯不工作，车辆乱成一团',
];

t.test('the ways a crossing is said name one place', async (t) => {
  for (const s of [...REPORTS, '象湖镇红都大道与绵江路交叉口信号灯坏了', '象湖街道八一路和解放路十字路口']) t.ok(crossingIn(s), s);
  t.same(new Set(REPORTS.map((s) => crossingIn(s)!.label)), new Set(['红都大道与绵江路交叉口']));
  t.equal(crossingIn('象湖街道八一路和解放路十字路口')!.label, '八一路与解放路交叉口');
  t.equal(crossingIn('象湖镇红都大道路灯不亮'), null, 'one road is not a crossing');
  t.equal(crossingIn('红都大道和绵江路的路灯都坏了'), null, 'two roads without a crossing word are two places');
  t.equal(crossingIn('绵江路口腔医院门口垃圾多'), null);
  t.equal(canonicalPlace('绵江路', REPORTS[0]), '红都大道与绵江路交叉口', 'the crossing wins over the one road the classifier picked');
  t.equal(canonicalPlace('红都大道', '红都大道路灯不亮'), '红都大道');
});

t.test('five reports of one crossing: one hotspot alert, and 并单 suggestions across both road names', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T02:00:00Z' });
  const made: { id: string; place: string | null; duplicates: { id: string }[] }[] = [];
  for (let i = 0; i < REPORTS.length; i++) {
    h.clock.advance(10 * 60_000);
    const r = await h.call('operator', 'POST', '/api/v1/tickets', { contact: `1390000061${i}`, content: REPORTS[i] });
    if (r.status !== 201) throw new Error(r.body);
    made.push({ id: r.json.ticket.id, place: r.json.ticket.place, duplicates: r.json.duplicates });
  }
  t.same(new Set(made.map((m) => m.place)), new Set(['红都大道与绵江路交叉口']), 'every ticket shows the crossing as its place');
  t.ok(made[1].duplicates.some((d) => d.id === made[0].id), 'B-first report suggests merging with the A-first one');
  t.ok(made[3].duplicates.some((d) => d.id === made[2].id || d.id === made[0].id), 'and so on for the other spellings');

  const raised = await h.ctx.hotspots.scan();
  const alert = raised.find((a) => a.ticketIds.includes(made[0].id));
  t.ok(alert, 'an alert is raised');
  t.equal(raised.length, 1, 'one alert, not one per road');
  t.same([...alert!.ticketIds].sort(), made.map((m) => m.id).sort(), 'all five reports in it');
  t.equal(alert!.place, '红都大道与绵江路交叉口');
});
