import t from 'tap';
import { assertTransition, foldEvents, applyEvent } from '../../../src/domain/tickets/lifecycle.js';
import type { TicketEventData } from '../../../src/domain/tickets/events.js';
import { assistUnitsKey, openPartsWarning, parseLinkageConfig, DEFAULT_LINKAGE, linkageUnits } from '../../../src/domain/tickets/assist.js';
import { mayAct, type Principal } from '../../../src/domain/policy.js';
import { parseAckReply } from '../../../src/domain/duty/sms-ack.js';
import { computeKpis, byUnit, wholeCity } from '../../../src/domain/kpi/index.js';
import type { TicketEvent } from '../../../src/domain/tickets/events.js';
import type { Ticket } from '../../../src/domain/tickets/ticket.js';

const T0 = Date.parse('2026-11-26T02:00:00Z');
const at = (min: number) => new Date(T0 + min * 60_000);
const iso = (min: number) => at(min).toISOString();
const LEAD = '市城管局';
const POLICE = '市公安局';
const EMERG = '市应急管理局';

function history(specs: Array<[number, TicketEventData]>, id = 'tk1'): TicketEvent[] {
  const created: TicketEventData = { type: 'created', number: '20261126-0001', channel: 'phone', contact: null, contactName: null, content: '红都大道路面塌陷，有车辆被困', category: '求助', urgent: true, township: null, place: null, attachments: [], noCallback: false, externalRef: null };
  return [[0, created] as [number, TicketEventData], ...specs].map(([m, data], i) => ({ ticketId: id, seq: i + 1, at: at(m), actorId: 'x', actorRole: 'system', via: 'test', data }));
}

/** Fold step by step, checking each event against the transition table as the store does. */
function play(events: TicketEvent[]): Ticket {
  let tk: Ticket | null = null;
  for (const e of events) {
    if (tk) assertTransition(tk, e.data);
    tk = applyEvent(tk, e);
  }
  return tk!;
}

const dispatched: TicketEventData = { type: 'dispatched', unit: LEAD, signDeadline: iso(30), replyDeadline: iso(24 * 60) };
const added = (unit: string, signMin = 30, replyMin = 24 * 60, linkage = false): TicketEventData => ({ type: 'assist_added', unit, signDeadline: iso(signMin), replyDeadline: iso(replyMin), ...(linkage ? { linkage } : {}) });

t.test('a part is signed and replied on its own; the lead reply closes the matter as before', async (t) => {
  const tk = play(history([[1, dispatched], [2, added(POLICE)], [3, added(EMERG)], [5, { type: 'signed' }], [10, { type: 'assist_signed', unit: POLICE }], [40, { type: 'assist_replied', unit: POLICE, reply: '已疏导交通', attachments: [{ kind: 'image', url: '/media/x.jpg' }] }]]));
  t.equal(tk.state, 'handling');
  t.same(tk.assists.map((p) => [p.unit, p.state]), [[POLICE, 'replied'], [EMERG, 'dispatched']]);
  t.equal(tk.assists[0].reply, '已疏导交通');
  t.equal(tk.assists[0].attachments.length, 1);
  t.equal(assistUnitsKey(tk), `|${POLICE}|${EMERG}|`);
  t.match(openPartsWarning(tk), /市应急管理局 尚未答复/);
  const after = applyEvent(tk, { ticketId: 'tk1', at: at(60), data: { type: 'replied', reply: '已修复路面' } });
  t.equal(after.state, 'replied', 'the lead reply closes the matter');
  t.same(after.assists.map((p) => p.state), ['replied', 'superseded'], 'the open part is 主办已答复');
  t.equal(openPartsWarning(after), null);
});

t.test('part transitions are checked: sign twice, reply unsigned, the lead as 协办, unknown parts', async (t) => {
  const tk = play(history([[1, dispatched], [2, added(POLICE)]]));
  t.throws(() => assertTransition(tk, added(LEAD)), { code: 'assist_is_lead' });
  t.throws(() => assertTransition(tk, added(POLICE)), { code: 'already_assisting' });
  t.throws(() => assertTransition(tk, { type: 'assist_replied', unit: POLICE, reply: 'x' }), { code: 'illegal_part_transition' });
  t.throws(() => assertTransition(tk, { type: 'assist_signed', unit: EMERG }), { code: 'not_assisting' });
  const signed = applyEvent(tk, { ticketId: 'tk1', at: at(3), data: { type: 'assist_signed', unit: POLICE } });
  t.throws(() => assertTransition(signed, { type: 'assist_signed', unit: POLICE }), { code: 'illegal_part_transition' });
  t.throws(() => assertTransition(signed, { type: 'assist_replied', unit: POLICE, reply: '  ' }), { code: 'reply_required' });
  // removed, then added again: a new part, the old one kept in the history
  const removed = applyEvent(signed, { ticketId: 'tk1', at: at(4), data: { type: 'assist_removed', unit: POLICE, reason: '非其职责' } });
  t.equal(assistUnitsKey(removed), null);
  t.throws(() => assertTransition(removed, { type: 'assist_signed', unit: POLICE }), { code: 'not_assisting' });
  const again = applyEvent(removed, { ticketId: 'tk1', at: at(5), data: added(POLICE) });
  t.same(again.assists.map((p) => p.state), ['removed', 'dispatched']);
  // a closed ticket takes no new part
  t.throws(() => assertTransition({ ...again, state: 'closed' }, added(EMERG)), { code: 'illegal_transition' });
});

t.test('policy: a 协办 unit reads the ticket and acts on its part only', async (t) => {
  const tk = play(history([[1, dispatched], [2, added(POLICE)]]));
  const police: Principal = { id: 'p', name: 'p', role: 'unit', unit: POLICE };
  const lead: Principal = { id: 'l', name: 'l', role: 'unit', unit: LEAD };
  const other: Principal = { id: 'o', name: 'o', role: 'unit', unit: EMERG };
  const op: Principal = { id: 'op', name: 'op', role: 'operator', unit: null };
  t.ok(mayAct(police, 'read', tk));
  t.ok(mayAct(police, 'assist_sign', tk));
  t.ok(mayAct(police, 'assist_reply', tk));
  t.ok(mayAct(police, 'onsite', tk));
  for (const a of ['sign', 'reply', 'return', 'note', 'request_extension', 'assist', 'reveal_contact'] as const) t.notOk(mayAct(police, a, tk), `协办 may not ${a}`);
  t.notOk(mayAct(lead, 'assist_sign', tk), 'the lead has no part to sign');
  t.ok(mayAct(lead, 'reply', tk));
  t.notOk(mayAct(other, 'read', tk), 'a unit on neither side reads nothing');
  t.ok(mayAct(op, 'assist', tk));
  t.notOk(mayAct(lead, 'assist', tk), 'units do not add 协办');
  const removed = applyEvent(tk, { ticketId: 'tk1', at: at(3), data: { type: 'assist_removed', unit: POLICE } });
  t.notOk(mayAct(police, 'read', removed), 'a unit taken off no longer reads it');
});

t.test('现场处置: dispatch then arrival, arrival before details, checks', async (t) => {
  const tk = play(
    history([
      [1, dispatched],
      [3, { type: 'signed' }],
      [5, { type: 'onsite_dispatched', unit: LEAD, sentAt: iso(4), people: ['张伟', '李娜'], count: 2, equipment: ['抢修车'], attachments: [] }],
      [21, { type: 'onsite_arrived', unit: LEAD, arrivedAt: iso(20), via: 'sms', attachments: [{ kind: 'image', url: '/media/scene.jpg' }] }],
    ]),
  );
  t.same(tk.onSite, [{ unit: LEAD, sentAt: iso(4), people: ['张伟', '李娜'], count: 2, equipment: ['抢修车'], note: null, arrivedAt: iso(20), arrivedVia: 'sms', photos: [{ kind: 'image', url: '/media/scene.jpg' }] }]);
  t.ok(tk.attachments.some((a) => a.url === '/media/scene.jpg'), 'the photos are the ticket\'s attachments too');
  t.throws(() => assertTransition(tk, { type: 'onsite_arrived', unit: LEAD, arrivedAt: iso(22), via: 'console' }), { code: 'already_arrived' });
  t.throws(() => assertTransition(tk, { type: 'onsite_arrived', unit: POLICE, arrivedAt: iso(22), via: 'console' }), { code: 'not_on_ticket' });
  t.throws(() => assertTransition(tk, { type: 'onsite_dispatched', unit: LEAD, sentAt: iso(4), people: [], count: 0, equipment: [] }), { code: 'bad_count' });
  // reported by SMS first, details afterwards: the arrival stays
  const first = play(history([[1, dispatched], [3, { type: 'signed' }], [9, { type: 'onsite_arrived', unit: LEAD, arrivedAt: iso(9), via: 'sms' }]]));
  t.equal(first.onSite[0].sentAt, null);
  t.throws(() => assertTransition(first, { type: 'onsite_dispatched', unit: LEAD, sentAt: iso(10), people: ['王强'], count: 1, equipment: [] }), { code: 'arrival_before_dispatch' });
  const filled = applyEvent(first, { ticketId: 'tk1', at: at(12), data: { type: 'onsite_dispatched', unit: LEAD, sentAt: iso(2), people: ['王强'], count: 1, equipment: [] } });
  t.equal(filled.onSite[0].arrivedAt, iso(9));
  t.equal(filled.onSite[0].sentAt, iso(2));
});

t.test('SMS: 到达 codes beside the acknowledgement codes', async (t) => {
  t.same(parseAckReply('到达 1234'), { kind: 'arrived', code: '1234' });
  t.same(parseAckReply('已到达：1234'), { kind: 'arrived', code: '1234' });
  t.same(parseAckReply('1234到达'), { kind: 'arrived', code: '1234' });
  t.same(parseAckReply('到场'), { kind: 'arrived', code: null });
  t.same(parseAckReply('已经到达现场'), { kind: 'arrived', code: null });
  t.same(parseAckReply('1234'), { kind: 'code', code: '1234' }, 'the acknowledgement codes still work');
  t.same(parseAckReply('确认1234'), { kind: 'code', code: '1234' });
  t.same(parseAckReply('收到'), { kind: 'bare' });
  t.same(parseAckReply('什么时候到达'), { kind: 'other' });
});

t.test('linkage config: defaults, per type, unknown units refused', async (t) => {
  const known = new Set(['市应急管理局', '市公安局', '市交通运输局', '市信访局', '市卫健委']);
  t.same(parseLinkageConfig(null, known), DEFAULT_LINKAGE);
  const c = parseLinkageConfig({ units: ['市应急管理局', '市公安局'], byType: { 公共卫生: ['市卫健委'] } }, known);
  t.same(linkageUnits(c, '公共卫生'), ['市卫健委']);
  t.same(linkageUnits(c, '自然灾害'), ['市应急管理局', '市公安局']);
  t.throws(() => parseLinkageConfig({ units: ['市应急局'] }, known), /市应急局/);
  t.throws(() => parseLinkageConfig({ byType: { 地震: ['市公安局'] } }, known), /地震/);
});

t.test('三率: each 协办 unit is judged on its own part; the city stays per ticket', async (t) => {
  const events = history([
    [1, dispatched],
    [2, added(POLICE, 32, 24 * 60)],
    [2, added(EMERG, 32, 24 * 60)],
    [3, { type: 'signed' }],
    [10, { type: 'assist_signed', unit: POLICE }],
    [60, { type: 'assist_replied', unit: POLICE, reply: '已处置' }],
    [70, { type: 'onsite_arrived', unit: POLICE, arrivedAt: iso(25), via: 'sms' }],
    [80, { type: 'onsite_dispatched', unit: LEAD, sentAt: iso(5), people: ['张伟'], count: 1, equipment: [] }],
    [81, { type: 'onsite_arrived', unit: LEAD, arrivedAt: iso(41), via: 'console' }],
    [120, { type: 'replied', reply: '已修复' }],
  ]);
  const period = { from: new Date(T0 - 3600_000), to: new Date(T0 + 3 * 86400_000) };
  const units = computeKpis([events], period, { groupBy: byUnit });
  const police = units.get(POLICE)!;
  t.same([police.response.numerator, police.response.denominator], [1, 1], 'police signed its part in time');
  t.same([police.closing.numerator, police.closing.denominator], [1, 1], 'police replied its part');
  t.same([police.closingOnTime.numerator, police.closingOnTime.denominator], [1, 1]);
  t.equal(police.accepted, 0, '受理量 stays with the lead unit');
  const emerg = units.get(EMERG)!;
  t.same([emerg.response.numerator, emerg.response.denominator], [0, 1], 'emergency never signed by its deadline (32 min)');
  t.same([emerg.closing.numerator, emerg.closing.denominator], [0, 0], 'superseded before its reply deadline: out of its cohort');
  const lead = units.get(LEAD)!;
  t.same([lead.response.numerator, lead.response.denominator], [1, 1]);
  t.equal(lead.accepted, 1);
  // 现场处置: minutes from the unit getting the matter to arrival, and the share of 即办 signed with an arrival
  t.equal(police.arrivalSamples, 1);
  t.equal(police.avgArrivalMinutes, 23, 'police: part added at 2, arrived at 25');
  t.equal(lead.medianArrivalMinutes, 40, 'lead: dispatched at 1, arrived at 41');
  t.same([lead.arrivalRecorded.numerator, lead.arrivalRecorded.denominator], [1, 1]);
  t.same([police.arrivalRecorded.numerator, police.arrivalRecorded.denominator], [1, 1]);
  t.notOk(units.has(undefined as unknown as string));
  const city = computeKpis([events], period, { groupBy: wholeCity }).get('全市')!;
  t.same([city.response.numerator, city.response.denominator], [1, 1], 'the city counts the ticket, not the parts');
  t.same([city.closing.denominator], [1]);
});

t.test('三率: a part removed before its sign deadline is excused; one past it counts', async (t) => {
  const events = history([
    [1, dispatched],
    [2, added(POLICE, 30, 600)],
    [10, { type: 'assist_removed', unit: POLICE }],
    [11, added(EMERG, 30, 600)],
    [100, { type: 'assist_removed', unit: EMERG }],
  ]);
  const units = computeKpis([events], { from: new Date(T0 - 3600_000), to: new Date(T0 + 86400_000) }, { groupBy: byUnit });
  t.notOk(units.get(POLICE)?.response.denominator, 'police: removed in time, no obligation');
  t.same([units.get(EMERG)!.response.numerator, units.get(EMERG)!.response.denominator], [0, 1], 'emergency: removed after it missed its sign deadline');
  t.equal(foldEvents(events).assists.length, 2);
});
