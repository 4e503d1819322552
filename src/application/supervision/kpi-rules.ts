/**
 * 考核规则: the versioned assessment rules (src/domain/kpi/assessment.ts) kept in the database
 * (state documents, scope `kpi.rules`, one per version), every save audited; and the monthly
 * assessment (月度排名, 综合考核 export) scored with the rule of that month.
 *
 * Version 1 is built in: SUBAN_KPI's formulas with the ranking's default weights, no deductions,
 * every ticket counted. It governs every month before the first saved version; when the first
 * version is saved, version 1 is stored as it stands then, so a later change of SUBAN_KPI no
 * longer moves past months.
 */
import type { Clock } from '../../domain/clock.js';
import { shanghaiParts } from '../../domain/clock.js';
import { conflict, invalid } from '../../domain/errors.js';
import {
  assess,
  byUnit,
  computeKpis,
  countedHistories,
  DEDUCTION_KEYS,
  DEDUCTION_LABELS,
  isMonth,
  monthPeriod,
  rankAssessments,
  RATE_KEYS,
  RATE_LABELS,
  resolveAssessmentRule,
  ruleForMonth,
  type AssessmentRule,
  type RankedAssessment,
  type RuleVersion,
} from '../../domain/kpi/index.js';
import type { AuditLog, DedupeStore, StateStore } from '../ports/misc.js';
import type { TicketStore } from '../ports/tickets.js';
import { decisionCounts } from './decisions.js';
import type { Column } from './rates-report.js';

const SCOPE = 'kpi.rules';
const VERSION_CLAIMS = 'kpi.rules.version';
/** The month the built-in first version is in force from: before any ticket. */
export const FIRST_MONTH = '2000-01';
const key = (v: number) => String(v).padStart(6, '0');

export interface KpiRuleDeps {
  state: StateStore;
  dedupe: Pick<DedupeStore, 'claim' | 'get'>;
  audit: AuditLog;
  clock: Clock;
  /** Version 1: from SUBAN_KPI (defaultAssessmentRule). */
  base: AssessmentRule;
}

export interface SaveRuleInput {
  /** YYYY-MM: this month or later (a past month keeps its rule). */
  effectiveFrom: string;
  /** Why the rule changes (kept with the version). */
  reason: string;
  /** Any part of a rule, laid over the rule in force in `effectiveFrom` until now. */
  rule?: unknown;
}

export class KpiRuleService {
  constructor(private readonly d: KpiRuleDeps) {}

  private builtIn(): RuleVersion {
    return { version: 1, effectiveFrom: FIRST_MONTH, rule: this.d.base, createdAt: null, createdBy: { id: 'system', name: 'SUBAN_KPI' }, reason: '默认规则（SUBAN_KPI 的计算口径、默认权重，不扣分，全部工单）' };
  }

  /** Every version, oldest first. */
  async versions(): Promise<RuleVersion[]> {
    const stored = (await this.d.state.list<RuleVersion>(SCOPE, this.d.clock.now())).map((x) => x.doc).sort((a, b) => a.version - b.version);
    return stored.some((v) => v.version === 1) ? stored : [this.builtIn(), ...stored];
  }

  /** The version in force in `month` (YYYY-MM). */
  async forMonth(month: string): Promise<RuleVersion> {
    return ruleForMonth(await this.versions(), month) ?? this.builtIn();
  }

  currentMonth(): string {
    return shanghaiParts(this.d.clock.now()).date.slice(0, 7);
  }

  /** A new version. `expectedVersion`: the latest version the editor saw; a concurrent save is refused, not lost. */
  async save(input: SaveRuleInput, by: { id: string; name: string }, expectedVersion?: number): Promise<RuleVersion> {
    if (!isMonth(input.effectiveFrom)) throw invalid('bad_period', `生效月份 ${input.effectiveFrom} 无效（应为 YYYY-MM）/ effectiveFrom must be YYYY-MM`);
    const current = this.currentMonth();
    if (input.effectiveFrom < current) throw invalid('past_month', `不能修改已过去月份的考核规则：生效月份须不早于 ${current} / a rule may take effect from ${current} on, past months keep theirs`);
    const reason = input.reason.trim();
    if (!reason) throw invalid('reason_required', '请填写调整原因 / a reason is required');
    const all = await this.versions();
    const latest = all[all.length - 1]!.version;
    if (expectedVersion !== undefined && expectedVersion !== latest) throw conflict('rule_changed', `考核规则已被他人修改（当前版本 ${latest}），请刷新后重试`, { latest });
    const base = (ruleForMonth(all, input.effectiveFrom) ?? this.builtIn()).rule;
    const rule = resolveAssessmentRule(input.rule ?? {}, base);
    const now = this.d.clock.now();
    const version = latest + 1;
    const doc: RuleVersion = { version, effectiveFrom: input.effectiveFrom, rule, createdAt: now.toISOString(), createdBy: { id: by.id, name: by.name }, reason };
    // The number is claimed once across instances, with the version itself: of two saves at the same
    // moment, one wins. A save that died between its claim and its write is completed by the next one.
    if (!(await this.d.dedupe.claim(VERSION_CLAIMS, key(version), now, doc))) {
      const claimed = (await this.d.dedupe.get(VERSION_CLAIMS, key(version))) as RuleVersion | undefined;
      if (claimed?.version === version && !(await this.d.state.get(SCOPE, key(version), now))) await this.d.state.put(SCOPE, key(version), claimed, now);
      throw conflict('rule_changed', `考核规则已被他人修改，请刷新后重试`, { latest: version });
    }
    if (!all.some((v) => v.createdAt !== null) && !(await this.d.state.get(SCOPE, key(1), now))) await this.d.state.put(SCOPE, key(1), this.builtIn(), now);
    await this.d.state.put(SCOPE, key(version), doc, now);
    const before = ruleForMonth(all, input.effectiveFrom);
    await this.d.audit.append({ at: now, actorId: by.id, kind: 'kpi.rules.save', subject: 'kpi-rules', data: { version, effectiveFrom: input.effectiveFrom, reason, before: before ? { version: before.version, rule: before.rule } : null, after: rule } });
    return doc;
  }
}

// ---- the monthly assessment ---------------------------------------------------------------------

export interface AssessmentBoard {
  month: string;
  rule: RuleVersion;
  rows: RankedAssessment[];
}

/**
 * Each unit's month under the rule of that month: the tickets the rule counts, its formulas, its
 * weights and deductions (超期 = the month's overdue tickets; 退单驳回, 督办, 通报 = the month's decisions
 * charged to the unit; 重办 = the month's 重办 of its replies).
 */
export async function assessmentBoard(store: Pick<TicketStore, 'eventsForPeriod'>, month: string, rule: RuleVersion, now?: Date, isMirrorChannel?: (channel: string) => boolean): Promise<AssessmentBoard> {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const period = monthPeriod(y, m);
  const all = (await store.eventsForPeriod(period.from, period.to)).values();
  const histories = countedHistories(all, period, rule.rule.scope, isMirrorChannel);
  const figures = computeKpis(histories, period, { groupBy: byUnit, config: rule.rule.formulas, now });
  const decisions = decisionCounts(histories, period, byUnit);
  const rows = [...figures.values()].map((f) => {
    const dc = decisions.get(f.key);
    const counts = { overdue: f.overdue, reopened: f.reopened, returnRefused: dc?.returnRefused ?? 0, supervised: dc?.supervised ?? 0, noticed: dc?.noticed ?? 0 };
    return { figures: f, assessment: assess(f, counts, rule.rule) };
  });
  return { month, rule, rows: rankAssessments(rows) };
}

/** 综合考核 export: unit, total score, each rate with its weight and points, each deduction with count and points. */
export function assessmentColumns(): Column<RankedAssessment>[] {
  const cols: Column<RankedAssessment>[] = [
    { header: '排名', kind: 'int', value: (r) => r.rank },
    { header: '承办单位', kind: 'text', value: (r) => r.key },
    { header: '考核得分', kind: 'number', value: (r) => r.assessment.score },
    { header: '三率得分', kind: 'number', value: (r) => r.assessment.rateScore },
    { header: '扣分合计', kind: 'number', value: (r) => r.assessment.deductionTotal },
    { header: '受理量', kind: 'int', value: (r) => r.figures.accepted },
  ];
  RATE_KEYS.forEach((k, i) => {
    const c = (r: RankedAssessment) => r.assessment.components[i]!;
    const name = RATE_LABELS[k];
    cols.push({ header: name, kind: 'rate', value: (r) => c(r).rate }, { header: `${name}权重`, kind: 'number', value: (r) => c(r).weight }, { header: `${name}得分`, kind: 'number', value: (r) => c(r).points });
  });
  DEDUCTION_KEYS.forEach((k, i) => {
    const d = (r: RankedAssessment) => r.assessment.deductions[i]!;
    const name = DEDUCTION_LABELS[k];
    cols.push({ header: `${name}数`, kind: 'int', value: (r) => d(r).count }, { header: `${name}扣分`, kind: 'number', value: (r) => d(r).points });
  });
  return cols;
}
