/**
 * 待核实即办: a possible danger (the classifier's urgentCheck: risk wording, a broad safety-net
 * rule, the model alone) waits SUBAN_URGENT_CHECK_MIN on the desk before the unit is paged; an
 * operator confirms it (the page goes out now) or clears it (nobody is woken). An acute event
 * (urgent) or a person choosing 即办 pages at once.
 */
import t from 'tap';
import { MODEL_URGENT_REASON } from '../../../../src/domain/routing/classifier.js';
import { SYSTEM } from '../../../../src/domain/tickets/ticket.js';
import { modelFlagging, testApp, type TestApp } from '../../../helpers/app.js';

const MODEL_ONLY = '楼下餐馆油烟很大'; // flagged by the model (modelFlagging below), no 即办 rule fires
const RISK = '楼道里的电线老化了，怕会起火'; // a fire rule's trigger in risk wording: 待核实, not urgent
const BY_RULE = '小区三号楼着火了，浓烟很大';
const DISPATCHED_MODEL_ONLY = '小区门口的路灯坏了，晚上黑漆漆的'; // the model flags it and the 职责清单 is sure of the unit
/** The classifier with the 即办 model asking about these two (classifier.test.ts tests the model itself). */
const flagging = () => modelFlagging([MODEL_ONLY, DISPATCHED_MODEL_ONLY]);
const MIN = 60_000;

async function wechatTicket(h: TestApp, content: string, n: number) {
  const r = await h.ctx.tickets.intake({ channel: 'wechat', contact: `wx_citizen_${n}`, content, sourceKey: `test:${n}` }, SYSTEM, 'wechat');
  return r;
}

async function pagesOf(h: TestApp, ticketId: string) {
  for (let i = 0; i < 3; i++) {
    await h.ctx.runner.runDue();
    await h.ctx.pagingIdle();
  }
  return h.ctx.paging.store.list({ ticketId });
}

t.test('a model-only 即办 flag from WeChat waits for the hotline office, then pages anyway', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T14:00:00Z', classifier: flagging() }); // 22:00 in Shanghai
  const r = await wechatTicket(h, MODEL_ONLY, 1);
  t.same(r.classification.urgentReasons, [], 'the premise: nothing acute');
  t.same(r.classification.urgentCheckReasons, [MODEL_URGENT_REASON], 'only the model flags this text');
  t.equal(r.ticket.urgent, true, 'still 即办: recall is not given up');
  // Dispatched by the 职责清单 or, when it is unsure, left for the office to dispatch: paged either way.
  t.ok(['dispatched', 'accepted'].includes(r.ticket.state));
  t.same(await pagesOf(h, r.ticket.id), [], 'no duty officer is woken yet');

  const list = await h.call('operator', 'GET', '/api/v1/urgent-checks');
  t.equal(list.status, 200);
  t.match(list.json.items, [{ ticket: { number: r.ticket.number, urgent: true }, until: new Date(h.clock.now().getTime() + 5 * MIN).toISOString(), reasons: [MODEL_URGENT_REASON] }]);
  t.equal((await h.call('unitA', 'GET', '/api/v1/urgent-checks')).status, 403, 'the hotline office decides, not the units');
  t.equal((await h.call(null, 'GET', '/api/v1/urgent-checks')).status, 401);
  t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${r.ticket.id}/urgency`, { urgent: 'maybe' })).status, 400, 'a verdict is true or false');

  h.clock.advance(5 * MIN);
  const pages = await pagesOf(h, r.ticket.id);
  t.equal(pages.length, 1, 'nobody looked in 5 minutes: the unit is paged');
  t.match(pages[0], { reason: r.ticket.state === 'dispatched' ? 'urgent' : 'unassigned' });
  t.same((await h.call('operator', 'GET', '/api/v1/urgent-checks')).json.items, [], 'off the list once its time is up');
});

t.test('cleared by an operator: not 即办, nobody is paged', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T14:00:00Z', classifier: flagging() });
  const r = await wechatTicket(h, MODEL_ONLY, 2);
  const cleared = await h.call('operator', 'POST', `/api/v1/tickets/${r.ticket.id}/urgency`, { urgent: false, note: '油烟扰民，非紧急' });
  t.equal(cleared.status, 200);
  t.equal(cleared.json.ticket.urgent, false);

  t.same((await h.call('operator', 'GET', '/api/v1/urgent-checks')).json.items, []);
  h.clock.advance(10 * MIN);
  t.same(await pagesOf(h, r.ticket.id), [], 'the page that waited is gone');
  const events = (await h.call('operator', 'GET', `/api/v1/tickets/${r.ticket.id}/events`)).json.events;
  t.match(
    events.find((e: { type: string }) => e.type === 'urgency_checked'),
    { type: 'urgency_checked', label: '即办核实', actorRole: 'operator', data: { urgent: false, note: '油烟扰民，非紧急' } },
  );
});

t.test('cleared after dispatch: the unit is held to the ordinary limits, not the 即办 half hour', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T14:00:00Z', classifier: flagging() });
  const r = await wechatTicket(h, DISPATCHED_MODEL_ONLY, 6);
  t.same(r.classification.urgentCheckReasons, [MODEL_URGENT_REASON], 'only the model flags it');
  t.equal(r.ticket.state, 'dispatched', 'the premise: the 职责清单 dispatched it');
  const cleared = (await h.call('operator', 'POST', `/api/v1/tickets/${r.ticket.id}/urgency`, { urgent: false })).json.ticket;
  t.equal(cleared.state, 'dispatched');
  t.ok(Date.parse(cleared.signDeadline) > r.ticket.signDeadline!.getTime() + 3600_000, `sign by ${cleared.signDeadline}, not ${r.ticket.signDeadline!.toISOString()}`);
  t.ok(Date.parse(cleared.replyDeadline) > r.ticket.replyDeadline!.getTime(), 'and a later reply deadline');
  h.clock.advance(10 * MIN);
  t.same(await pagesOf(h, r.ticket.id), [], 'and nobody is paged');
});

t.test('confirmed by an operator: the unit is paged at once, and only once', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T14:00:00Z', classifier: flagging() });
  const r = await wechatTicket(h, MODEL_ONLY, 3);
  t.equal((await h.call('operator', 'POST', `/api/v1/tickets/${r.ticket.id}/urgency`, { urgent: true })).status, 200);
  t.equal((await pagesOf(h, r.ticket.id)).length, 1, 'paged now, not in 5 minutes');
  h.clock.advance(10 * MIN);
  t.equal((await pagesOf(h, r.ticket.id)).length, 1, 'the waiting page does not start a second one');
  t.equal((await h.call('unitA', 'POST', `/api/v1/tickets/${r.ticket.id}/urgency`, { urgent: false })).status, 404, 'a unit cannot even see another unit’s ticket');
});

t.test('an acute event, or an operator choosing 即办, pages at once; 待核实 from the desk is listed', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T14:00:00Z', classifier: flagging() });
  const rule = await wechatTicket(h, BY_RULE, 4);
  t.equal(rule.ticket.urgent, true);
  t.equal(rule.classification.urgent, true, 'an acute event in a present context');
  t.equal((await pagesOf(h, rule.ticket.id)).length, 1, 'a rule fired: paged at once');
  const chosen = await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact: '13900001111', content: MODEL_ONLY, urgent: true });
  t.equal(chosen.json.ticket.urgent, true);
  t.equal((await pagesOf(h, chosen.json.ticket.id)).length, 1, 'the operator chose 即办: paged at once');
  const desk = await h.call('operator', 'POST', '/api/v1/tickets', { channel: 'phone', contact: '13900002222', content: MODEL_ONLY });
  t.equal(desk.json.ticket.urgent, true, '待核实 is still 即办: recall is kept');
  t.same(await pagesOf(h, desk.json.ticket.id), [], 'not chosen: it waits on the list like any 待核实');
  t.match((await h.call('operator', 'GET', '/api/v1/urgent-checks')).json.items, [{ ticket: { id: desk.json.ticket.id } }]);
});

t.test('a danger word in risk wording is 待核实 with its cue, and pages after the wait', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T14:00:00Z', classifier: flagging() });
  const r = await wechatTicket(h, RISK, 7);
  t.equal(r.classification.urgent, false, 'a risk is not an event');
  t.equal(r.classification.urgentCheck, true);
  t.same(await pagesOf(h, r.ticket.id), [], 'nobody woken yet');
  const items = (await h.call('operator', 'GET', '/api/v1/urgent-checks')).json.items;
  t.equal(items.length, 1);
  t.ok(items[0].reasons.some((x: string) => x.includes('火情') && x.includes('风险措辞(怕)')), `the desk sees the rule and the cue: ${JSON.stringify(items[0].reasons)}`);
  h.clock.advance(5 * MIN);
  t.equal((await pagesOf(h, r.ticket.id)).length, 1, 'nobody decided: paged anyway');
});

t.test('SUBAN_URGENT_CHECK_MIN=0: every 即办 flag pages at once', async (t) => {
  const h = await testApp(t, { now: '2026-11-26T14:00:00Z', env: { SUBAN_URGENT_CHECK_MIN: '0' }, classifier: flagging() });
  const r = await wechatTicket(h, MODEL_ONLY, 5);
  t.equal((await pagesOf(h, r.ticket.id)).length, 1);
});
