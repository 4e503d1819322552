import t from 'tap';
import { shanghaiInstant } from '../../../src/domain/clock.js';
import type { TicketEvent, TicketEventData } from '../../../src/domain/tickets/events.js';
import type { Category, Channel } from '../../../src/domain/tickets/ticket.js';
import {
  assess,
  byUnit,
  compositeScore,
  computeKpis,
  countedHistories,
  countsTicket,
  defaultAssessmentRule,
  monthPeriod,
  rankAssessments,
  resolveAssessmentRule,
  ruleForMonth,
  DEFAULT_KPI_CONFIG,
  type AssessmentRule,
  type KpiFigures,
  type RuleVersion,
} from '../../../src/domain/kpi/index.js';

const sh = (s: string): Date => {
  const [d, hm] = s.split(' ');
  const [h, m] = hm!.split(':').map(Number);
  return shanghaiInstant(d!, h! * 60 + m!);
};
const iso = (s: string) => sh(s).toISOString();
type Step = [at: string, data: TicketEventData];
const ticket = (id: string, ...steps: Step[]): TicketEvent[] => steps.map(([at, data], i) => ({ ticketId: id, seq: i + 1, at: sh(at), actorId: 'u', actorRole: 'operator', via: 'test', data }));
const created = (category: Category, opts: { channel?: Channel; content?: string; contact?: string } = {}): TicketEventData => ({
  type: 'created',
  number: 'N',
  channel: opts.channel ?? 'phone',
  contact: opts.contact ?? '13800000000',
  contactName: null,
  content: opts.content ?? '路灯不亮',
  category,
  urgent: false,
  township: null,
  place: null,
  attachments: [],
  noCallback: false,
  externalRef: null,
});
const dispatched = (unit: string, signBy: string, replyBy: string): TicketEventData => ({ type: 'dispatched', unit, signDeadline: iso(signBy), replyDeadline: iso(replyBy) });
const signed: TicketEventData = { type: 'signed' };
const replied: TicketEventData = { type: 'replied', reply: '已修复' };
const closed: TicketEventData = { type: 'closed' };
const follow = (satisfaction: '满意' | '基本满意' | '不满意', solved: boolean): TicketEventData => ({ type: 'followed_up', result: { satisfaction, solved, via: 'phone' } });

const base = defaultAssessmentRule(DEFAULT_KPI_CONFIG);
const ratio = (n: number, d: number) => ({ numerator: n, denominator: d, rate: d === 0 ? null : n / d });
function figures(key: string, r: { response?: [number, number]; closing?: [number, number]; onTime?: [number, number]; solving?: [number, number]; sat?: [number, number] }): KpiFigures {
  const x = (p?: [number, number]) => (p ? ratio(p[0], p[1]) : ratio(0, 0));
  return {
    key,
    accepted: 10,
    response: x(r.response),
    closing: x(r.closing),
    closingOnTime: x(r.onTime),
    solving: x(r.solving),
    satisfaction: { ...x(r.sat), satisfied: 0, basicallySatisfied: 0, dissatisfied: 0 },
    reopened: 0,
    overdue: 0,
    overdueOpen: 0,
    completedLate: 0,
    avgSignMinutes: null,
    signSamples: 0,
    avgReplyMinutes: null,
    replySamples: 0,
  } as KpiFigures;
}
const zero = { overdue: 0, returnRefused: 0, reopened: 0, supervised: 0, noticed: 0 };

t.test('the first version scores like the ranking’s composite score and deducts nothing', async (t) => {
  const f = figures('A', { response: [1, 2], onTime: [1, 2], solving: [2, 3], sat: [1.9, 3] });
  const a = assess(f, { overdue: 3, returnRefused: 2, reopened: 1, supervised: 4, noticed: 1 }, base);
  t.equal(a.rateScore, compositeScore(f));
  t.equal(a.rateScore, 57.33);
  t.equal(a.deductionTotal, 0);
  t.equal(a.score, 57.33);
  t.same(
    a.components.map((c) => [c.label, c.weight]),
    [
      ['响应率', 0.2],
      ['办结率', 0],
      ['按期办结率', 0.3],
      ['解决率', 0.2],
      ['满意率', 0.3],
    ],
  );
  t.equal(Math.round(a.components.reduce((s, c) => s + c.points, 0) * 100) / 100, 57.33, 'the components add up to the rate score');
});

t.test('deductions: points per item, capped, the score never below 0; rates without data are left out', async (t) => {
  const rule = resolveAssessmentRule({ weights: { closing: 0.5, closingOnTime: 0 }, deductions: { overdue: { points: 2, cap: 5 }, reopened: { points: 1.5 }, noticed: { points: 10, cap: null } } }, base);
  const f = figures('A', { response: [9, 10], closing: [4, 5], sat: [1, 1] });
  // weights with data: response 0.2, closing 0.5, satisfaction 0.3 (solving has none)
  const a = assess(f, { ...zero, overdue: 4, reopened: 2, noticed: 0 }, rule);
  t.equal(a.rateScore, Math.round((10_000 * (0.2 * 0.9 + 0.5 * 0.8 + 0.3 * 1)) / 1.0) / 100);
  const d = Object.fromEntries(a.deductions.map((x) => [x.key, x]));
  t.same([d.overdue!.count, d.overdue!.points], [4, 5], '4 × 2 = 8 capped at 5');
  t.same([d.reopened!.count, d.reopened!.points], [2, 3]);
  t.equal(a.deductionTotal, 8);
  t.equal(a.score, Math.round((a.rateScore! - 8) * 100) / 100);
  const worse = assess(f, { ...zero, noticed: 20 }, rule);
  t.equal(worse.score, 0, '200 points off a score of 88 is 0, not negative');
  const none = assess(figures('B', {}), zero, rule);
  t.equal(none.score, null, 'no rate at all: no score');
  const ranked = rankAssessments([
    { figures: figures('B', {}), assessment: none },
    { figures: f, assessment: worse },
    { figures: figures('C', { response: [1, 1] }), assessment: assess(figures('C', { response: [1, 1] }), zero, rule) },
  ]);
  t.same(
    ranked.map((r) => [r.key, r.rank]),
    [
      ['C', 1],
      ['A', 2],
      ['B', null],
    ],
  );
});

t.test('a rule is checked and every error names its field', async (t) => {
  const bad = (input: unknown, path: string) => t.throws(() => resolveAssessmentRule(input, base), { code: 'bad_assessment_rule', details: { path } }, path);
  bad({ weights: { response: -1 } }, 'weights.response');
  bad({ weights: { response: 0, closing: 0, closingOnTime: 0, solving: 0, satisfaction: 0 } }, 'weights');
  bad({ weights: { speed: 1 } }, 'weights.speed');
  bad({ deductions: { overdue: { points: 'x' } } }, 'deductions.overdue.points');
  bad({ deductions: { overdue: { cap: -2 } } }, 'deductions.overdue.cap');
  bad({ scope: { excludeCategories: ['闲聊'] } }, 'scope.excludeCategories');
  bad({ scope: { testContacts: ['abc'] } }, 'scope.testContacts');
  bad({ formulas: { onTimeBasis: 'never' } }, 'formulas');
  bad({ extra: 1 }, 'extra');
  const r = resolveAssessmentRule({ scope: { excludeCategories: ['咨询'] }, formulas: { satisfactionWeights: { 基本满意: 0.8 } } }, base);
  t.same(r.scope.excludeCategories, ['咨询']);
  t.equal(r.formulas.satisfactionWeights.基本满意, 0.8);
  t.equal(r.formulas.satisfactionWeights.满意, 1, 'the rest comes from the base');
  t.equal(base.formulas.satisfactionWeights.基本满意, 0.9, 'the base is not changed');
});

t.test('the version in force in a month: the latest month on or before it; a later version never reaches back', async (t) => {
  const v = (version: number, effectiveFrom: string): RuleVersion => ({ version, effectiveFrom, rule: base, createdAt: null, createdBy: { id: 'x', name: 'x' }, reason: 'r' });
  const versions = [v(1, '2000-01'), v(2, '2027-03'), v(3, '2027-06'), v(4, '2027-03')];
  t.equal(ruleForMonth(versions, '2027-01')!.version, 1, 'January keeps the first rule');
  t.equal(ruleForMonth(versions, '2027-03')!.version, 4, 'of two versions from March, the newer');
  t.equal(ruleForMonth(versions, '2027-05')!.version, 4);
  t.equal(ruleForMonth(versions, '2027-06')!.version, 3, 'June: version 3, although 4 was made after it');
  t.equal(ruleForMonth([v(2, '2027-03')], '2027-02'), null);
  t.throws(() => ruleForMonth(versions, '2027-13'), { code: 'bad_period' });
});

t.test('which tickets count: categories, mirrors, test markers and test numbers', async (t) => {
  const scope = { excludeCategories: ['咨询' as Category], excludeMirrors: true, testMarkers: ['【测试】'], testContacts: ['13900000000'] };
  const mirror = (ch: string) => ch === 'platform:gov-hall';
  const tk = (category: Category, channel: Channel, content: string, contact: string) => ({ category, channel, content, contact });
  t.ok(countsTicket(tk('投诉', 'phone', '路灯不亮', '13800000000'), scope, mirror));
  t.notOk(countsTicket(tk('咨询', 'phone', '路灯不亮', '13800000000'), scope, mirror));
  t.notOk(countsTicket(tk('投诉', 'platform:gov-hall', '路灯不亮', '13800000000'), scope, mirror));
  t.ok(countsTicket(tk('投诉', 'platform:other', '路灯不亮', '13800000000'), scope, mirror));
  t.notOk(countsTicket(tk('投诉', 'phone', ' 【测试】路灯不亮', '13800000000'), scope, mirror));
  t.ok(countsTicket(tk('投诉', 'phone', '路灯不亮【测试】', '13800000000'), scope, mirror), 'a marker counts only at the start');
  t.notOk(countsTicket(tk('投诉', 'phone', '路灯不亮', '13900000000'), scope, mirror));
  t.ok(countsTicket(tk('投诉', 'platform:gov-hall', '路灯不亮', '13800000000'), { ...scope, excludeMirrors: false }, mirror));
  // the category as the ticket stands at period end: one changed to 咨询 after the month stays in it
  const h = ticket('T', ['2027-01-05 10:00', created('投诉')], ['2027-02-03 10:00', { type: 'updated', changes: { category: '咨询' } }]);
  t.equal(countedHistories([h], monthPeriod(2027, 1), scope).length, 1);
  t.equal(countedHistories([h], monthPeriod(2027, 2), scope).length, 0);
});

t.test('a rule change mid-year: January keeps the old rule, March has the new one', async (t) => {
  // Unit A, January: one ticket signed in time and replied late (overdue), one 咨询 signed late.
  // March: the same pattern again.
  const month = (m: string) => [
    ticket(`${m}-1`, [`2027-${m}-05 10:00`, created('投诉')], [`2027-${m}-05 10:00`, dispatched('A', `2027-${m}-05 12:00`, `2027-${m}-08 17:30`)], [`2027-${m}-05 11:00`, signed], [`2027-${m}-10 11:00`, replied], [`2027-${m}-10 12:00`, follow('满意', true)], [`2027-${m}-10 12:00`, closed]),
    ticket(`${m}-2`, [`2027-${m}-06 10:00`, created('咨询')], [`2027-${m}-06 10:00`, dispatched('A', `2027-${m}-06 12:00`, `2027-${m}-20 17:30`)], [`2027-${m}-06 15:00`, signed], [`2027-${m}-07 11:00`, replied], [`2027-${m}-07 12:00`, follow('满意', true)], [`2027-${m}-07 12:00`, closed]),
  ];
  const histories = [...month('01'), ...month('03')];
  const v1: RuleVersion = { version: 1, effectiveFrom: '2000-01', rule: base, createdAt: null, createdBy: { id: 'system', name: 'SUBAN_KPI' }, reason: '默认' };
  const newRule: AssessmentRule = resolveAssessmentRule({ weights: { response: 0.5, closingOnTime: 0.5, solving: 0, satisfaction: 0 }, deductions: { overdue: { points: 3, cap: 10 } }, scope: { excludeCategories: ['咨询'] } }, base);
  const v2: RuleVersion = { version: 2, effectiveFrom: '2027-03', rule: newRule, createdAt: iso('2027-03-01 09:00'), createdBy: { id: 'adm', name: '管理员' }, reason: '年中调整' };
  const score = (y: number, m: number) => {
    const r = ruleForMonth([v1, v2], `${y}-${String(m).padStart(2, '0')}`)!;
    const p = monthPeriod(y, m);
    const hs = countedHistories(histories, p, r.rule.scope);
    const f = computeKpis(hs, p, { groupBy: byUnit, config: r.rule.formulas }).get('A')!;
    return { version: r.version, f, a: assess(f, { ...zero, overdue: f.overdue }, r.rule) };
  };
  const jan = score(2027, 1);
  t.equal(jan.version, 1);
  t.equal(jan.f.accepted, 2, 'January counts the 咨询 too');
  // response 1/2, on time 1/2 (the first replied after its deadline), solving 1, satisfaction 1 → 0.2·0.5+0.3·0.5+0.2+0.3 = 0.75
  t.equal(jan.a.score, 75);
  t.equal(jan.a.deductionTotal, 0, 'no deductions in January');
  const mar = score(2027, 3);
  t.equal(mar.version, 2);
  t.equal(mar.f.accepted, 1, 'March leaves the 咨询 out');
  // response 1/1, on time 0/1 → 50, less 3 for the overdue ticket
  t.equal(mar.a.rateScore, 50);
  t.equal(mar.a.deductionTotal, 3);
  t.equal(mar.a.score, 47);
  t.equal(score(2027, 1).a.score, 75, 'January is the same after March’s rule exists');
});
