/** KPI rates (响应率, 办结率, 解决率, 满意率, …) computed from ticket events only. */
export { DEFAULT_KPI_CONFIG, resolveKpiConfig, type KpiConfig, type KpiConfigOverride } from './config.js';
export { ticketContributions, type Contribution, type Period, type ValidSatisfaction } from './contributions.js';
export { byUnit, byTownship, byChannel, byCategory, wholeCity, WHOLE_CITY, type GroupBy, type KpiSubject } from './group-by.js';
export { computeKpis, type ComputeKpiOptions, type KpiFigures, type Ratio } from './rates.js';
export {
  compositeScore,
  rankByScore,
  monthPeriod,
  monthlyRanking,
  DEFAULT_RANKING_WEIGHTS,
  type RankingWeights,
  type RankedGroup,
  type MonthlyRankingOptions,
} from './ranking.js';
export {
  assess,
  countedHistories,
  countsTicket,
  defaultAssessmentRule,
  isMonth,
  rankAssessments,
  resolveAssessmentRule,
  ruleForMonth,
  DEDUCTION_KEYS,
  DEDUCTION_LABELS,
  RATE_KEYS,
  RATE_LABELS,
  type Assessment,
  type AssessmentComponent,
  type AssessmentDeduction,
  type AssessmentRule,
  type AssessmentRuleInput,
  type DeductionCounts,
  type DeductionKey,
  type RankedAssessment,
  type RateKey,
  type RuleVersion,
  type TicketScope,
} from './assessment.js';
