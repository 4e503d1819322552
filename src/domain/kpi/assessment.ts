/**
 * 考核 rules as data (§二.7: 动态调整考评办法、考评标准和考评事项范围). An assessment rule says how much
 * each rate weighs, what each deduction costs (and its cap), which tickets count and the rate
 * formulas themselves; rules are versioned, each version in force from a month on, so a past month
 * is always scored with the rule it had. Pure: the score of a unit follows from its figures, its
 * deduction counts and the rule.
 */
import { invalid } from '../errors.js';
import type { TicketEvent } from '../tickets/events.js';
import { applyEvent } from '../tickets/lifecycle.js';
import { CATEGORIES, type Category, type Ticket } from '../tickets/ticket.js';
import { resolveKpiConfig, type KpiConfig, type KpiConfigOverride } from './config.js';
import type { Period } from './contributions.js';
import { DEFAULT_RANKING_WEIGHTS, type RankingWeights } from './ranking.js';
import type { KpiFigures } from './rates.js';

export const RATE_KEYS = ['response', 'closing', 'closingOnTime', 'solving', 'satisfaction'] as const;
export type RateKey = (typeof RATE_KEYS)[number];
export const RATE_LABELS: Record<RateKey, string> = { response: '响应率', closing: '办结率', closingOnTime: '按期办结率', solving: '解决率', satisfaction: '满意率' };

export const DEDUCTION_KEYS = ['overdue', 'returnRefused', 'reopened', 'supervised', 'noticed'] as const;
export type DeductionKey = (typeof DEDUCTION_KEYS)[number];
export const DEDUCTION_LABELS: Record<DeductionKey, string> = { overdue: '超期', returnRefused: '退单驳回', reopened: '重办', supervised: '督办', noticed: '通报' };

/** Points off per counted item, at most `cap` in a month (null: no cap). */
export interface Deduction {
  points: number;
  cap: number | null;
}

/** Which tickets the assessment counts. Merged (并单) tickets: `formulas.excludeMerged`. */
export interface TicketScope {
  /** Categories left out (e.g. 咨询 answered at the desk). */
  excludeCategories: Category[];
  /** Leave out mirrors of interconnect platforms (附件2): their own platform handles and judges them. */
  excludeMirrors: boolean;
  /** Test tickets: content beginning with one of these markers (e.g. 【测试】). */
  testMarkers: string[];
  /** Test tickets: filed from one of these numbers (the office's test phones). */
  testContacts: string[];
}

export interface AssessmentRule {
  /** Weight of each rate in the rate score (0–100); rates without data are left out and the rest rescaled. */
  weights: Record<RateKey, number>;
  deductions: Record<DeductionKey, Deduction>;
  scope: TicketScope;
  /** The rate formulas (满意率 weights, what ends the unit's duty, merged tickets out of 办结率). */
  formulas: KpiConfig;
}

/** The first version: SUBAN_KPI's formulas, the ranking's default weights, no deductions, every ticket. */
export function defaultAssessmentRule(formulas: KpiConfig, weights: RankingWeights = DEFAULT_RANKING_WEIGHTS): AssessmentRule {
  const none = (): Deduction => ({ points: 0, cap: null });
  return {
    weights: { response: weights.response, closing: 0, closingOnTime: weights.closingOnTime, solving: weights.solving, satisfaction: weights.satisfaction },
    deductions: { overdue: none(), returnRefused: none(), reopened: none(), supervised: none(), noticed: none() },
    scope: { excludeCategories: [], excludeMirrors: false, testMarkers: [], testContacts: [] },
    formulas: { ...formulas, satisfactionWeights: { ...formulas.satisfactionWeights } },
  };
}

/** What an editor sends: any part of a rule, laid over a base rule. */
export interface AssessmentRuleInput {
  weights?: Partial<Record<RateKey, number>>;
  deductions?: Partial<Record<DeductionKey, Partial<Deduction>>>;
  scope?: Partial<TicketScope>;
  formulas?: KpiConfigOverride;
}

const bad = (path: string, zh: string, en: string) => invalid('bad_assessment_rule', `考核规则 ${path} ${zh} / ${path} ${en}`, { path });
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(o: unknown, allowed: readonly string[], path: string): Record<string, unknown> {
  if (o === undefined) return {};
  if (!isObj(o)) throw bad(path, '应为对象', 'must be an object');
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw bad(`${path ? `${path}.` : ''}${k}`, '不是考核规则的字段', 'is not a field of the rule');
  return o;
}

function strings(v: unknown, path: string, max: number, maxLen: number): string[] {
  if (!Array.isArray(v) || v.length > max || v.some((x) => typeof x !== 'string' || x.trim() === '' || x.length > maxLen)) throw bad(path, `应为至多 ${max} 个非空文字（每个不超过 ${maxLen} 字）`, `must be up to ${max} non-empty strings of at most ${maxLen} characters`);
  return [...new Set(v.map((x: string) => x.trim()))];
}

/** `input` over `base`, checked; every error names the field. */
export function resolveAssessmentRule(input: unknown, base: AssessmentRule): AssessmentRule {
  const o = checkKeys(input ?? {}, ['weights', 'deductions', 'scope', 'formulas'], '');
  const w = checkKeys(o.weights, RATE_KEYS, 'weights');
  const weights = { ...base.weights };
  for (const k of RATE_KEYS) {
    if (w[k] === undefined) continue;
    const v = w[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) throw bad(`weights.${k}`, '应为 0 到 100 之间的数', 'must be a number within 0..100');
    weights[k] = v;
  }
  if (RATE_KEYS.every((k) => weights[k] === 0)) throw bad('weights', '至少一项权重须大于 0', 'needs at least one weight above 0');
  const ds = checkKeys(o.deductions, DEDUCTION_KEYS, 'deductions');
  const deductions = { ...base.deductions };
  for (const k of DEDUCTION_KEYS) {
    if (ds[k] === undefined) continue;
    const d = checkKeys(ds[k], ['points', 'cap'], `deductions.${k}`);
    const points = d.points === undefined ? base.deductions[k].points : d.points;
    const cap = d.cap === undefined ? base.deductions[k].cap : d.cap;
    if (typeof points !== 'number' || !Number.isFinite(points) || points < 0 || points > 100) throw bad(`deductions.${k}.points`, '应为 0 到 100 之间的数', 'must be a number within 0..100');
    if (cap !== null && (typeof cap !== 'number' || !Number.isFinite(cap) || cap < 0 || cap > 100)) throw bad(`deductions.${k}.cap`, '应为 0 到 100 之间的数或 null（不封顶）', 'must be a number within 0..100 or null (no cap)');
    deductions[k] = { points, cap: cap as number | null };
  }
  const s = checkKeys(o.scope, ['excludeCategories', 'excludeMirrors', 'testMarkers', 'testContacts'], 'scope');
  const scope: TicketScope = { ...base.scope };
  if (s.excludeCategories !== undefined) {
    const cats = strings(s.excludeCategories, 'scope.excludeCategories', CATEGORIES.length, 10);
    const unknown = cats.find((c) => !(CATEGORIES as readonly string[]).includes(c));
    if (unknown) throw bad('scope.excludeCategories', `含未知类别「${unknown}」（可选：${CATEGORIES.join('、')}）`, `has an unknown category`);
    scope.excludeCategories = cats as Category[];
  }
  if (s.excludeMirrors !== undefined) {
    if (typeof s.excludeMirrors !== 'boolean') throw bad('scope.excludeMirrors', '应为 true/false', 'must be boolean');
    scope.excludeMirrors = s.excludeMirrors;
  }
  if (s.testMarkers !== undefined) scope.testMarkers = strings(s.testMarkers, 'scope.testMarkers', 20, 20);
  if (s.testContacts !== undefined) {
    scope.testContacts = strings(s.testContacts, 'scope.testContacts', 50, 20);
    const badPhone = scope.testContacts.find((c) => !/^\+?\d{3,20}$/.test(c));
    if (badPhone) throw bad('scope.testContacts', `「${badPhone}」不是电话号码`, 'must be phone numbers');
  }
  let formulas: KpiConfig;
  try {
    formulas = resolveKpiConfig(checkKeys(o.formulas, ['satisfactionWeights', 'onTimeBasis', 'excludeMerged'], 'formulas') as KpiConfigOverride, base.formulas);
  } catch (e) {
    if (e instanceof Error && 'code' in e) throw invalid('bad_assessment_rule', `考核规则 formulas: ${e.message}`, { path: 'formulas' });
    throw e;
  }
  return { weights, deductions, scope, formulas };
}

// ---- versions --------------------------------------------------------------------------------

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const isMonth = (s: string) => MONTH.test(s);

/** One version of the rule: in force from `effectiveFrom` (YYYY-MM) until a later version's month. */
export interface RuleVersion {
  version: number;
  effectiveFrom: string;
  rule: AssessmentRule;
  /** ISO; null for the built-in first version. */
  createdAt: string | null;
  createdBy: { id: string; name: string };
  reason: string;
}

/**
 * The version in force in `month`: the latest `effectiveFrom` on or before it; of versions from the
 * same month, the newest. A later version therefore never reaches back before its month.
 */
export function ruleForMonth(versions: readonly RuleVersion[], month: string): RuleVersion | null {
  if (!isMonth(month)) throw invalid('bad_period', `无效的月份 ${month}（应为 YYYY-MM）/ invalid month`);
  let best: RuleVersion | null = null;
  for (const v of versions) {
    if (v.effectiveFrom > month) continue;
    if (!best || v.effectiveFrom > best.effectiveFrom || (v.effectiveFrom === best.effectiveFrom && v.version > best.version)) best = v;
  }
  return best;
}

// ---- which tickets count ----------------------------------------------------------------------

/** Whether a ticket (as it stands at period end) counts under `scope`. */
export function countsTicket(t: Pick<Ticket, 'category' | 'channel' | 'content' | 'contact'>, scope: TicketScope, isMirrorChannel: (channel: string) => boolean = () => false): boolean {
  if (scope.excludeCategories.includes(t.category)) return false;
  if (scope.excludeMirrors && isMirrorChannel(t.channel)) return false;
  const content = t.content.trimStart();
  if (scope.testMarkers.some((m) => content.startsWith(m))) return false;
  if (t.contact && scope.testContacts.includes(t.contact)) return false;
  return true;
}

/** The histories that count for `period` under `scope`, each judged as its ticket stands at period end. */
export function countedHistories(histories: Iterable<readonly TicketEvent[]>, period: Period, scope: TicketScope, isMirrorChannel?: (channel: string) => boolean): TicketEvent[][] {
  const out: TicketEvent[][] = [];
  const to = period.to.getTime();
  for (const events of histories) {
    let t: Ticket | null = null;
    for (const e of [...events].sort((a, b) => a.seq - b.seq)) if (e.at.getTime() < to) t = applyEvent(t, e);
    if (t && countsTicket(t, scope, isMirrorChannel)) out.push([...events]);
  }
  return out;
}

// ---- the score --------------------------------------------------------------------------------

export type DeductionCounts = Record<DeductionKey, number>;

export interface AssessmentComponent {
  key: RateKey;
  label: string;
  rate: number | null;
  /** the weight in the rule */
  weight: number;
  /** points this rate adds to the rate score (0 when it has no data) */
  points: number;
}

export interface AssessmentDeduction {
  key: DeductionKey;
  label: string;
  count: number;
  perItem: number;
  cap: number | null;
  points: number;
}

export interface Assessment {
  key: string;
  /** weighted rates, 0–100; null when no weighted rate has data */
  rateScore: number | null;
  deductionTotal: number;
  /** rateScore less the deductions, never below 0; null with rateScore */
  score: number | null;
  components: AssessmentComponent[];
  deductions: AssessmentDeduction[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** One unit's score under `rule`. With the first version's weights and no deductions it equals the ranking's composite score. */
export function assess(figures: KpiFigures, counts: DeductionCounts, rule: AssessmentRule): Assessment {
  const rates: Record<RateKey, number | null> = {
    response: figures.response.rate,
    closing: figures.closing.rate,
    closingOnTime: figures.closingOnTime.rate,
    solving: figures.solving.rate,
    satisfaction: figures.satisfaction.rate,
  };
  let wsum = 0;
  for (const k of RATE_KEYS) if (rates[k] !== null && rule.weights[k] > 0) wsum += rule.weights[k];
  const components = RATE_KEYS.map((k) => {
    const r = rates[k];
    const w = rule.weights[k];
    return { key: k, label: RATE_LABELS[k], rate: r, weight: w, points: r === null || w === 0 || wsum === 0 ? 0 : round2((100 * w * r) / wsum) };
  });
  let rawSum = 0;
  for (const k of RATE_KEYS) if (rates[k] !== null && rule.weights[k] > 0) rawSum += rule.weights[k] * rates[k]!;
  const rateScore = wsum === 0 ? null : Math.round((10_000 * rawSum) / wsum) / 100;
  const deductions = DEDUCTION_KEYS.map((k) => {
    const d = rule.deductions[k];
    const count = counts[k] ?? 0;
    const raw = count * d.points;
    return { key: k, label: DEDUCTION_LABELS[k], count, perItem: d.points, cap: d.cap, points: round2(d.cap === null ? raw : Math.min(raw, d.cap)) };
  });
  const deductionTotal = round2(deductions.reduce((s, d) => s + d.points, 0));
  return { key: figures.key, rateScore, deductionTotal, score: rateScore === null ? null : Math.max(0, round2(rateScore - deductionTotal)), components, deductions };
}

export interface RankedAssessment {
  /** 1-based, equal scores share a rank; null without a score */
  rank: number | null;
  key: string;
  score: number | null;
  figures: KpiFigures;
  assessment: Assessment;
}

/** Highest score first; ties by more 受理量, then by name. */
export function rankAssessments(rows: Iterable<{ figures: KpiFigures; assessment: Assessment }>): RankedAssessment[] {
  const xs = [...rows].map((r) => ({ key: r.figures.key, score: r.assessment.score, figures: r.figures, assessment: r.assessment }));
  xs.sort((a, b) => {
    if (a.score !== b.score) return a.score === null ? 1 : b.score === null ? -1 : b.score - a.score;
    if (a.figures.accepted !== b.figures.accepted) return b.figures.accepted - a.figures.accepted;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return xs.map((r) => ({ ...r, rank: r.score === null ? null : xs.findIndex((x) => x.score === r.score) + 1 }));
}
