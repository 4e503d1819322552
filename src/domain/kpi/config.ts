import { invalid } from '../errors.js';

/**
 * How the rates are computed. Defaults follow shared/reference/hotline-practice.md; cities decide
 * the details, so everything here can be overridden from config.
 */
export interface KpiConfig {
  /**
   * 满意率 = Σ weight(answer) / valid answers. A valid answer is 满意, 基本满意 or 不满意 (未回访 is
   * "could not reach", never valid). Default 满意 1, 基本满意 0.9, 不满意 0.
   */
  satisfactionWeights: { 满意: number; 基本满意: number; 不满意: number };
  /**
   * What ends the unit's duty for 按期办结 and overdue counts:
   *  - 'replied' (default): the unit's 反馈. The hotline's own 回访 (up to a working day after the
   *    reply) then cannot make a unit late, which is how most platforms judge a unit's 办结.
   *  - 'closed': the hotline's 办结 (close) must happen by the reply deadline.
   */
  onTimeBasis: 'replied' | 'closed';
  /**
   * Leave merged (并单) tickets out of 办结率: their matter is handled on the ticket they were
   * merged into, and they never close. They still count in 受理量. (They never count as overdue
   * either way: a merged ticket waits on nobody.) Default true.
   */
  excludeMerged: boolean;
}

export const DEFAULT_KPI_CONFIG: KpiConfig = {
  satisfactionWeights: { 满意: 1, 基本满意: 0.9, 不满意: 0 },
  onTimeBasis: 'replied',
  excludeMerged: true,
};

export interface KpiConfigOverride {
  satisfactionWeights?: Partial<KpiConfig['satisfactionWeights']>;
  onTimeBasis?: KpiConfig['onTimeBasis'];
  excludeMerged?: boolean;
}

/** Defaults merged with overrides and checked; errors name the field. */
export function resolveKpiConfig(o: KpiConfigOverride = {}, base: KpiConfig = DEFAULT_KPI_CONFIG): KpiConfig {
  const w = { ...base.satisfactionWeights, ...o.satisfactionWeights };
  for (const [k, v] of Object.entries(w)) {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw invalid('bad_kpi_config', `KPI 配置 satisfactionWeights.${k} 应在 0 到 1 之间 / satisfactionWeights.${k} must be within 0..1`, { path: `satisfactionWeights.${k}` });
    }
  }
  const onTimeBasis = o.onTimeBasis ?? base.onTimeBasis;
  if (onTimeBasis !== 'replied' && onTimeBasis !== 'closed') {
    throw invalid('bad_kpi_config', 'KPI 配置 onTimeBasis 应为 replied 或 closed / onTimeBasis must be replied or closed', { path: 'onTimeBasis' });
  }
  const excludeMerged = o.excludeMerged ?? base.excludeMerged;
  if (typeof excludeMerged !== 'boolean') throw invalid('bad_kpi_config', 'KPI 配置 excludeMerged 应为 true/false / excludeMerged must be boolean', { path: 'excludeMerged' });
  return { satisfactionWeights: w, onTimeBasis, excludeMerged };
}
