import { shanghaiInstant } from '../clock.js';
import { invalid } from '../errors.js';
import type { TicketEvent } from '../tickets/events.js';
import type { KpiConfig } from './config.js';
import type { Period } from './contributions.js';
import { byUnit, type GroupBy } from './group-by.js';
import { computeKpis, type KpiFigures } from './rates.js';

/**
 * Weight of each rate in the composite score (0–100). Rates with no data for a unit are left out
 * and the remaining weights rescaled, so a unit with no 回访 yet is judged on the rest.
 * Defaults (a city may change them): 响应率 0.2, 按期办结率 0.3, 解决率 0.2, 满意率 0.3.
 */
export interface RankingWeights {
  response: number;
  closingOnTime: number;
  solving: number;
  satisfaction: number;
}

export const DEFAULT_RANKING_WEIGHTS: RankingWeights = { response: 0.2, closingOnTime: 0.3, solving: 0.2, satisfaction: 0.3 };

export interface RankedGroup {
  /** 1-based; equal scores share a rank (1, 2, 2, 4); null when the group has no rate at all. */
  rank: number | null;
  key: string;
  /** Composite score 0–100, rounded to 2 decimals; null when no rate has data. */
  score: number | null;
  figures: KpiFigures;
}

export function compositeScore(f: KpiFigures, weights: RankingWeights = DEFAULT_RANKING_WEIGHTS): number | null {
  const parts: Array<[number, number | null]> = [
    [weights.response, f.response.rate],
    [weights.closingOnTime, f.closingOnTime.rate],
    [weights.solving, f.solving.rate],
    [weights.satisfaction, f.satisfaction.rate],
  ];
  let sum = 0;
  let wsum = 0;
  for (const [w, r] of parts) {
    if (!(w >= 0)) throw invalid('bad_ranking_weights', '排名权重须为非负数 / ranking weights must be >= 0');
    if (r === null || w === 0) continue;
    sum += w * r;
    wsum += w;
  }
  return wsum === 0 ? null : Math.round((10_000 * sum) / wsum) / 100;
}

/** Groups by composite score, highest first; ties broken by more 受理量, then by key. */
export function rankByScore(figures: Iterable<KpiFigures>, weights: RankingWeights = DEFAULT_RANKING_WEIGHTS): RankedGroup[] {
  const rows = [...figures].map((f) => ({ key: f.key, score: compositeScore(f, weights), figures: f }));
  rows.sort((a, b) => {
    if (a.score !== b.score) return a.score === null ? 1 : b.score === null ? -1 : b.score - a.score;
    if (a.figures.accepted !== b.figures.accepted) return b.figures.accepted - a.figures.accepted;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return rows.map((r, i) => {
    if (r.score === null) return { ...r, rank: null };
    const firstEqual = rows.findIndex((x) => x.score === r.score);
    return { ...r, rank: firstEqual + 1 };
  });
}

/** A calendar month in Asia/Shanghai: [1st 00:00, 1st of next month 00:00). */
export function monthPeriod(year: number, month: number): Period {
  if (!Number.isInteger(year) || !Number.isInteger(month) || month < 1 || month > 12) throw invalid('bad_period', `无效的月份 ${year}-${month} / invalid month`);
  const ym = (y: number, m: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;
  const next = month === 12 ? ym(year + 1, 1) : ym(year, month + 1);
  return { from: shanghaiInstant(ym(year, month)), to: shanghaiInstant(next) };
}

export interface MonthlyRankingOptions {
  year: number;
  /** 1–12. */
  month: number;
  /** Default byUnit (figures charged to no unit are left out). */
  groupBy?: GroupBy;
  config?: KpiConfig;
  weights?: RankingWeights;
  /** The present: for the running month, deadlines after it are not judged yet. */
  now?: Date;
}

/** 月度排名: the month's figures per unit, ranked by composite score. */
export function monthlyRanking(histories: Iterable<readonly TicketEvent[]>, opts: MonthlyRankingOptions): RankedGroup[] {
  const figures = computeKpis(histories, monthPeriod(opts.year, opts.month), { groupBy: opts.groupBy ?? byUnit, config: opts.config, now: opts.now });
  return rankByScore(figures.values(), opts.weights);
}
