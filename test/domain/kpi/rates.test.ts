import t from 'tap';
import { shanghaiInstant } from '../../../src/domain/clock.js';
import type { TicketEvent, TicketEventData } from '../../../src/domain/tickets/events.js';
import type { Category, Channel } from '../../../src/domain/tickets/ticket.js';
import {
  byChannel,
  byTownship,
  byUnit,
  computeKpis,
  monthPeriod,
  monthlyRanking,
  rankByScore,
  resolveKpiConfig,
  ticketContributions,
  DEFAULT_KPI_CONFIG,
  type KpiFigures,
} from '../../../src/domain/kpi/index.js';

/** 'YYYY-MM-DD HH:MM' Shanghai → Date. */
const sh = (s: string): Date => {
  const [d, hm] = s.split(' ');
  const [h, m] = hm.split(':').map(Number);
  return shanghaiInstant(d, h * 60 + m);
};
const iso = (s: string) => sh(s).toISOString();

type Step = [at: string, data: TicketEventData];
function ticket(id: string, ...steps: Step[]): TicketEvent[] {
  return steps.map(([at, data], i) => ({ ticketId: id, seq: i + 1, at: sh(at), actorId: 'u', actorRole: 'operator', via: 'test', data }));
}
const created = (category: Category, channel: Channel, township: string, urgent = false): TicketEventData => ({
  type: 'created',
  number: 'N',
  channel,
  contact: '13800000000',
  contactName: null,
  content: '…',
  category,
  urgent,
  township,
  place: null,
  attachments: [],
  noCallback: false,
  externalRef: null,
});
const dispatched = (unit: string, signBy: string, replyBy: string): TicketEventData => ({ type: 'dispatched', unit, signDeadline: iso(signBy), replyDeadline: iso(replyBy) });
const signed: TicketEventData = { type: 'signed' };
const replied: TicketEventData = { type: 'replied', reply: '已处理' };
const closed: TicketEventData = { type: 'closed' };
const returned: TicketEventData = { type: 'returned', reason: '非本单位职责' };
const follow = (satisfaction: '满意' | '基本满意' | '不满意' | '未回访', solved?: boolean): TicketEventData => ({
  type: 'followed_up',
  result: { satisfaction, solved, via: 'phone' },
});

const A = '住建局';
const B = '城管局';
const C = '交通局';
const X = '象湖镇';
const S = '沙洲坝镇';

// The period is November 2025 in Shanghai: [11-01 00:00, 12-01 00:00).
const histories: TicketEvent[][] = [
  // T1 A: signed in 30 min, replied and closed on time, 满意 + solved.
  ticket('T1', ['2025-11-03 09:00', created('咨询', 'phone', X)], ['2025-11-03 09:10', dispatched(A, '2025-11-03 11:10', '2025-11-06 17:30')],
    ['2025-11-03 09:40', signed], ['2025-11-05 10:00', replied], ['2025-11-06 09:00', follow('满意', true)], ['2025-11-06 10:00', closed]),
  // T2 A: signed late (14:40 > 12:05), replied on time, 基本满意 + solved.
  ticket('T2', ['2025-11-04 10:00', created('投诉', 'wechat', X)], ['2025-11-04 10:05', dispatched(A, '2025-11-04 12:05', '2025-11-25 17:30')],
    ['2025-11-04 14:40', signed], ['2025-11-20 16:00', replied], ['2025-11-21 09:00', follow('基本满意', true)], ['2025-11-21 10:00', closed]),
  // T3 A: first reply on time, 不满意 → 重办 back to A (no re-dispatch), second reply, 满意.
  ticket('T3', ['2025-11-05 09:00', created('求助', 'phone', S)], ['2025-11-05 09:30', dispatched(A, '2025-11-05 11:30', '2025-11-19 17:30')],
    ['2025-11-05 10:00', signed], ['2025-11-18 09:00', replied], ['2025-11-19 09:00', follow('不满意', false)],
    ['2025-11-19 10:00', { type: 'reopened', reason: '群众不满意', toOperator: false }], ['2025-11-19 11:00', signed],
    ['2025-11-26 15:00', replied], ['2025-11-27 09:00', follow('满意', true)], ['2025-11-27 10:00', closed]),
  // T4 B: signed, extension approved to 12-04, still handling at period end: not overdue. Reply in December is ignored.
  ticket('T4', ['2025-11-06 09:00', created('投诉', 'web', S)], ['2025-11-06 09:20', dispatched(B, '2025-11-06 11:20', '2025-11-27 17:30')],
    ['2025-11-06 09:50', signed], ['2025-11-20 10:00', { type: 'extension_requested', days: 5, reason: '需现场勘查' }],
    ['2025-11-20 15:00', { type: 'extension_decided', approved: true, replyDeadline: iso('2025-12-04 17:30') }], ['2025-12-03 10:00', replied]),
  // T5 B returns before its sign deadline, the operator re-dispatches to C (return approved: B excused).
  // C signs on time, replies late (11-14 > 11-13 17:30), 满意 but the solved question was not asked.
  ticket('T5', ['2025-11-10 15:00', created('咨询', 'phone', X)], ['2025-11-10 15:10', dispatched(B, '2025-11-10 17:10', '2025-11-13 17:30')],
    ['2025-11-10 16:00', returned], ['2025-11-10 16:30', dispatched(C, '2025-11-11 09:30', '2025-11-13 17:30')],
    ['2025-11-11 09:00', signed], ['2025-11-14 10:00', replied], ['2025-11-14 15:00', follow('满意')], ['2025-11-14 16:00', closed]),
  // T6 B returns after its deadline (11:30) unsigned; the operator sends it back to B (return rejected):
  // the original deadline still applies, so the 16:00 sign is late.
  ticket('T6', ['2025-11-12 09:00', created('举报', 'phone', X)], ['2025-11-12 09:30', dispatched(B, '2025-11-12 11:30', '2025-12-03 17:30')],
    ['2025-11-12 15:00', returned], ['2025-11-12 15:30', dispatched(B, '2025-11-13 09:30', '2025-12-03 17:30')], ['2025-11-12 16:00', signed]),
  // T7 C: created in October, reply deadline 11-03 passed, still handling at period end → overdue (open).
  ticket('T7', ['2025-10-20 09:00', created('求助', 'sms', S)], ['2025-10-20 09:30', dispatched(C, '2025-10-20 11:30', '2025-11-03 17:30')],
    ['2025-10-20 10:00', signed]),
  // T8 A 即办 at 03:00 on a Saturday: clock deadlines; one 未回访 attempt (not valid), then 满意.
  ticket('T8', ['2025-11-15 03:00', created('咨询', 'phone', X, true)], ['2025-11-15 03:05', dispatched(A, '2025-11-15 03:35', '2025-11-16 03:05')],
    ['2025-11-15 03:20', signed], ['2025-11-15 20:00', replied], ['2025-11-16 10:00', follow('未回访')], ['2025-11-16 15:00', follow('满意', true)],
    ['2025-11-16 15:10', closed]),
  // T9: merged into T1 before dispatch. Counts in 受理量 (city only: no unit), not in 办结率.
  ticket('T9', ['2025-11-24 09:00', created('建议', 'wechat', X)], ['2025-11-24 09:30', { type: 'merged', into: 'T1', intoNumber: 'N1' }]),
  // T10 C: sign deadline 11-28 14:40 passes unsigned.
  ticket('T10', ['2025-11-28 10:00', created('投诉', 'phone', S)], ['2025-11-28 10:10', dispatched(C, '2025-11-28 14:40', '2025-12-19 17:30')]),
  // T11 B: from October, replied late in November (deadline 11-10), 基本满意, not solved.
  ticket('T11', ['2025-10-27 09:00', created('求助', 'phone', X)], ['2025-10-27 09:10', dispatched(B, '2025-10-27 11:10', '2025-11-10 17:30')],
    ['2025-10-27 09:40', signed], ['2025-11-12 10:00', replied], ['2025-11-12 16:00', follow('基本满意', false)], ['2025-11-12 16:10', closed]),
  // T12 A: Sunday-evening ticket; its sign deadline is in December, so not due in November. The
  // December sign is after the period and ignored.
  ticket('T12', ['2025-11-30 20:00', created('咨询', 'phone', X)], ['2025-11-30 20:05', dispatched(A, '2025-12-01 10:05', '2025-12-04 17:30')],
    ['2025-12-01 09:00', signed]),
];

const nov = monthPeriod(2025, 11);
const close = (t: { ok: (v: boolean, m: string) => unknown }, a: number | null, b: number, msg: string) =>
  t.ok(a !== null && Math.abs(a - b) < 1e-9, `${msg}: ${a} ≈ ${b}`);

t.test('monthPeriod is the Shanghai calendar month', async (t) => {
  t.same(nov, { from: sh('2025-11-01 00:00'), to: sh('2025-12-01 00:00') });
  t.same(monthPeriod(2025, 12).to, sh('2026-01-01 00:00'));
});

t.test('per unit, November 2025', async (t) => {
  const k = computeKpis(histories, nov, { groupBy: byUnit });
  t.same([...k.keys()], [A, C, B].sort(), 'only units; T9 (never dispatched) is charged to none');
  const a = k.get(A)!;
  // 受理量: T1, T2, T3, T8, T12.
  t.equal(a.accepted, 5);
  // 响应率: due in Nov T1 met, T2 missed, T3 met, T8 met (T12 due 12-01) → 3/4.
  t.same(a.response, { numerator: 3, denominator: 4, rate: 0.75 });
  // 办结率: cohort T1 T2 T3 T8 T12; closed T1 T2 T3 T8 → 4/5. On time (first reply by deadline): the same 4.
  t.same(a.closing, { numerator: 4, denominator: 5, rate: 0.8 });
  t.same(a.closingOnTime, { numerator: 4, denominator: 5, rate: 0.8 });
  // Last valid 回访 per ticket: T1 满意, T2 基本满意, T3 满意 (its earlier 不满意 is superseded), T8 满意.
  // 满意率 = (3 + 0.9 × 1) / 4 = 0.975; 解决率 = 4 solved / 4 asked.
  t.same([a.satisfaction.satisfied, a.satisfaction.basicallySatisfied, a.satisfaction.dissatisfied, a.satisfaction.denominator], [3, 1, 0, 4]);
  close(t, a.satisfaction.rate, 0.975, 'A 满意率');
  t.same(a.solving, { numerator: 4, denominator: 4, rate: 1 });
  // 重办: T3, charged to A which replied.
  t.equal(a.reopened, 1);
  t.equal(a.overdue, 0);
  // Sign minutes: T1 30, T2 275 (10:05→14:40), T3 30 (the sign after 重办 is not a new obligation), T8 15 → 350/4.
  t.equal(a.signSamples, 4);
  t.equal(a.avgSignMinutes, 87.5);
  // Reply minutes: T1 2930 (2 d 50 min), T2 23395 (16 d 5 h 55 min), T3 18690 (13 d − 30 min) and
  // 10380 (重办 11-19 10:00 → 11-26 15:00), T8 1015 (16 h 55 min) → 56410 / 5.
  t.equal(a.replySamples, 5);
  t.equal(a.avgReplyMinutes, 11282);

  const b = k.get(B)!;
  // 受理量: T4, T6 (T5 went on to C; T11 was created in October).
  t.equal(b.accepted, 2);
  // 响应率: T4 met, T6 missed (rejected return keeps the 11:30 deadline); T5's B obligation excused → 1/2.
  t.same(b.response, { numerator: 1, denominator: 2, rate: 0.5 });
  // 办结率: T4 and T6 still open → 0/2.
  t.same(b.closing, { numerator: 0, denominator: 2, rate: 0 });
  t.same(b.closingOnTime, { numerator: 0, denominator: 2, rate: 0 });
  // T11's 回访: 基本满意, not solved → 0.9 / 1 and 0 / 1.
  close(t, b.satisfaction.rate, 0.9, 'B 满意率');
  t.same(b.solving, { numerator: 0, denominator: 1, rate: 0 });
  // Overdue: T11 replied late in Nov. T4 is not: its deadline was extended to 12-04.
  t.same([b.overdue, b.overdueOpen, b.completedLate], [1, 0, 1]);
  // Sign minutes: T4 30, T6 390 (09:30 → 16:00: the clock ran through the return) → 210.
  t.equal(b.avgSignMinutes, 210);
  // Reply minutes: T11 10-27 09:10 → 11-12 10:00 = 16 d 50 min = 23090.
  t.equal(b.avgReplyMinutes, 23090);

  const c = k.get(C)!;
  // 受理量: T5 (latest dispatched unit), T10.
  t.equal(c.accepted, 2);
  // 响应率: T5 met (09:00 ≤ 09:30), T10 missed → 1/2.
  t.same(c.response, { numerator: 1, denominator: 2, rate: 0.5 });
  // 办结率: T5 closed of T5, T10 → 1/2; on time 0/2 (T5's reply came after 11-13 17:30).
  t.same(c.closing, { numerator: 1, denominator: 2, rate: 0.5 });
  t.same(c.closingOnTime, { numerator: 0, denominator: 2, rate: 0 });
  // T5 满意 without the solved question → 满意率 1/1, 解决率 has nothing to count.
  t.same(c.satisfaction, { numerator: 1, denominator: 1, rate: 1, satisfied: 1, basicallySatisfied: 0, dissatisfied: 0 });
  t.same(c.solving, { numerator: 0, denominator: 0, rate: null });
  // Overdue: T7 open past 11-03 at period end, T5 replied late → 2.
  t.same([c.overdue, c.overdueOpen, c.completedLate], [2, 1, 1]);
  // Sign: T5 16:30 → 09:00 next day = 990 (T7 signed in October; T10 unsigned). Reply: T5 3 d 17.5 h = 5370.
  t.same([c.avgSignMinutes, c.signSamples, c.avgReplyMinutes, c.replySamples], [990, 1, 5370, 1]);
});

t.test('whole city, November 2025', async (t) => {
  const city = computeKpis(histories, nov).get('全市')!;
  // 受理量: T1–T6, T8, T9, T10, T12 (T7, T11 are October's).
  t.equal(city.accepted, 10);
  // 响应率: A 3/4 + B 1/2 + C 1/2 = 5/8.
  t.same(city.response, { numerator: 5, denominator: 8, rate: 0.625 });
  // 办结率: cohort 10 less merged T9 = 9; closed T1 T2 T3 T5 T8 = 5; on time T1 T2 T3 T8 = 4.
  t.same([city.closing.numerator, city.closing.denominator, city.closingOnTime.numerator], [5, 9, 4]);
  // 满意率: 满意 T1 T3 T5 T8 = 4, 基本满意 T2 T11 = 2 → (4 + 1.8) / 6.
  close(t, city.satisfaction.rate, 5.8 / 6, 'city 满意率');
  // 解决率: asked T1 T2 T3 T8 T11 (T5 not asked); solved 4 → 4/5.
  t.same(city.solving, { numerator: 4, denominator: 5, rate: 0.8 });
  t.equal(city.reopened, 1);
  // Overdue: T7 (open), T5 and T11 (late) = 3.
  t.equal(city.overdue, 3);
  // Sign minutes: A 350 + B 420 + C 990 = 1760 over 7 signs.
  t.equal(city.signSamples, 7);
  close(t, city.avgSignMinutes, 1760 / 7, 'city avg sign minutes');
});

t.test('other groupings', async (t) => {
  const tw = computeKpis(histories, nov, { groupBy: byTownship });
  // 象湖镇: T1 T2 T5 T6 T8 T9 T12 = 7; 沙洲坝镇: T3 T4 T10 = 3.
  t.same([tw.get(X)!.accepted, tw.get(S)!.accepted], [7, 3]);
  const ch = computeKpis(histories, nov, { groupBy: byChannel });
  // phone T1 T3 T5 T6 T8 T10 T12 = 7; wechat T2 T9 = 2; web T4 = 1 (sms T7 has only its overdue figure).
  t.same([ch.get('phone')!.accepted, ch.get('wechat')!.accepted, ch.get('web')!.accepted, ch.get('sms')!.accepted], [7, 2, 1, 0]);
  t.equal(ch.get('sms')!.overdueOpen, 1);
});

t.test('config: on-time by close, and another 基本满意 weight', async (t) => {
  const config = resolveKpiConfig({ onTimeBasis: 'closed', satisfactionWeights: { 基本满意: 0.8 } });
  const a = computeKpis(histories, nov, { groupBy: byUnit, config }).get(A)!;
  // Closed by the reply deadline: T1 (11-06 10:00 ≤ 17:30) and T2 yes; T3 (closed 11-27 > 11-19) and
  // T8 (closed 11-16 15:10 > 03:05) no → 2/5, and T3, T8 count as completed late.
  t.same(a.closingOnTime, { numerator: 2, denominator: 5, rate: 0.4 });
  t.same([a.overdue, a.completedLate], [2, 2]);
  close(t, a.satisfaction.rate, (3 + 0.8) / 4, 'A 满意率 with w = 0.8');
  t.throws(() => resolveKpiConfig({ satisfactionWeights: { 满意: 2 } }), { code: 'bad_kpi_config', message: /satisfactionWeights\.满意/ });
  t.throws(() => resolveKpiConfig({ onTimeBasis: 'signed' as never }), { message: /onTimeBasis/ });
  t.equal(DEFAULT_KPI_CONFIG.satisfactionWeights.基本满意, 0.9);
});

t.test('a past period is reproducible: later events change nothing', async (t) => {
  const cut = histories.map((evs) => evs.filter((e) => e.at < nov.to));
  t.same(computeKpis(cut, nov, { groupBy: byUnit }), computeKpis(histories, nov, { groupBy: byUnit }));
  // October alone: T7 and T11 accepted; T7's sign met, T11's sign met; nothing overdue yet at 11-01
  // (T7 due 11-03, T11 due 11-10).
  const oct = computeKpis(histories, monthPeriod(2025, 10)).get('全市')!;
  t.same([oct.accepted, oct.response.numerator, oct.response.denominator, oct.overdue], [2, 2, 2, 0]);
});

t.test('退单 pending at period end does not stop the sign clock', async (t) => {
  const evs = ticket('P', ['2025-11-20 09:00', created('咨询', 'phone', X)], ['2025-11-20 09:10', dispatched(B, '2025-11-20 11:10', '2025-11-25 17:30')],
    ['2025-11-20 10:00', returned], ['2025-12-02 09:00', dispatched(C, '2025-12-02 11:00', '2025-12-05 17:30')]);
  const signs = (p: { from: Date; to: Date }) => ticketContributions(evs, p, DEFAULT_KPI_CONFIG).filter((c) => c.kind === 'sign');
  t.same(signs(nov).map((c) => [c.subject.unit, c.kind === 'sign' && c.met]), [[B, false]], 'not yet approved in November');
  // Seen over Nov + Dec, the re-dispatch to C approves the return made before the deadline: B is excused.
  const both = { from: nov.from, to: monthPeriod(2025, 12).to };
  t.same(signs(both).map((c) => c.subject.unit), [C]);
  // A returned ticket past its reply deadline waits on the operator: city figure, no unit.
  const od = ticketContributions(evs, { from: nov.from, to: sh('2025-11-26 00:00') }, DEFAULT_KPI_CONFIG).filter((c) => c.kind === 'overdueOpen');
  t.same(od.map((c) => c.subject.unit), [null]);
});

t.test('a 即办 flag cleared by the hotline office: the unit is judged by the ordinary sign limit', async (t) => {
  const cleared = ticket('U', ['2025-11-20 22:00', created('投诉', 'wechat', X, true)], ['2025-11-20 22:00', dispatched(A, '2025-11-20 22:30', '2025-11-21 22:00')],
    ['2025-11-20 22:04', { type: 'urgency_checked', urgent: false }], ['2025-11-20 22:04', dispatched(A, '2025-11-21 10:30', '2025-12-11 17:30')], ['2025-11-21 09:00', signed]);
  const signs = ticketContributions(cleared, nov, DEFAULT_KPI_CONFIG).filter((c) => c.kind === 'sign');
  t.same(signs.map((c) => [c.subject.unit, c.kind === 'sign' && c.met]), [[A, true]], 'signed the next morning, within the ordinary limit');
  // The same re-dispatch without the check is a rejected 退单: the first deadline keeps running.
  const rejected = ticket('R', ['2025-11-20 22:00', created('投诉', 'wechat', X, true)], ['2025-11-20 22:00', dispatched(A, '2025-11-20 22:30', '2025-11-21 22:00')],
    ['2025-11-20 22:04', dispatched(A, '2025-11-21 10:30', '2025-12-11 17:30')], ['2025-11-21 09:00', signed]);
  t.same(ticketContributions(rejected, nov, DEFAULT_KPI_CONFIG).filter((c) => c.kind === 'sign').map((c) => c.kind === 'sign' && c.met), [false]);
});

t.test('monthly ranking by composite score', async (t) => {
  const r = monthlyRanking(histories, { year: 2025, month: 11 });
  // A: 0.2×0.75 + 0.3×0.8 + 0.2×1 + 0.3×0.975 = 0.8825 → 88.25
  // C: 解决率 has no data, weights 0.2/0.3/0.3 rescaled over 0.8: (0.2×0.5 + 0.3×0 + 0.3×1) / 0.8 = 0.5 → 50
  // B: 0.2×0.5 + 0.3×0 + 0.2×0 + 0.3×0.9 = 0.37 → 37
  t.same(r.map((x) => [x.rank, x.key, x.score]), [[1, A, 88.25], [2, C, 50], [3, B, 37]]);
  // Custom weights: only 满意率 → C 100, A 97.5, B 90.
  const s = monthlyRanking(histories, { year: 2025, month: 11, weights: { response: 0, closingOnTime: 0, solving: 0, satisfaction: 1 } });
  t.same(s.map((x) => [x.key, x.score]), [[C, 100], [A, 97.5], [B, 90]]);
});

t.test('ranking ties share a rank; groups without data come last', async (t) => {
  const f = (key: string, rate: number | null, accepted: number): KpiFigures => {
    const r = { numerator: 0, denominator: rate === null ? 0 : 1, rate };
    return {
      key, accepted, response: r, closing: r, closingOnTime: r, solving: r,
      satisfaction: { ...r, satisfied: 0, basicallySatisfied: 0, dissatisfied: 0 },
      reopened: 0, overdue: 0, overdueOpen: 0, completedLate: 0, avgSignMinutes: null, signSamples: 0, avgReplyMinutes: null, replySamples: 0,
      avgArrivalMinutes: null, medianArrivalMinutes: null, arrivalSamples: 0, arrivalRecorded: { numerator: 0, denominator: 0, rate: null },
    };
  };
  const r = rankByScore([f('甲', 0.5, 3), f('乙', null, 9), f('丙', 0.9, 1), f('丁', 0.5, 7)]);
  t.same(r.map((x) => [x.rank, x.key, x.score]), [[1, '丙', 90], [2, '丁', 50], [2, '甲', 50], [null, '乙', null]]);
});
