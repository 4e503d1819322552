/**
 * 三率趋势 (issue 20, item 8): 响应率, 办结率, 满意率 per week or month, for the whole city or one unit,
 * from GET /api/v1/stats/trend (the board's own KPI functions per period). A unit user sees its own.
 */
import { useEffect, useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { percent } from '../format.js';
import { units } from '../units.js';
import { TrendChart } from './TrendChart.js';
import { Empty, ErrorBox, Loading, Section } from './ui.js';
import type { TrendAnswer, TrendInterval, TrendPoint } from '../types.js';

export function TrendPanel({ unitUser }: { unitUser: string | null }) {
  const [interval, setIntervalKind] = useState<TrendInterval>('week');
  const [unit, setUnit] = useState('');
  const [unitNames, setUnitNames] = useState<string[]>([]);
  const [points, setPoints] = useState<TrendPoint[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!unitUser) units().then((us) => setUnitNames(us.map((u) => u.name)), () => setUnitNames([]));
  }, [unitUser]);
  useEffect(() => {
    setPoints(null);
    get<TrendAnswer>(`/api/v1/stats/trend${qs({ interval, periods: interval === 'week' ? 12 : 6, unit: unitUser ? null : unit })}`).then((r) => setPoints(r.points), setError);
  }, [interval, unit, unitUser]);
  const scope = unitUser ?? (unit || '全市');
  const label = (p: TrendPoint) => (interval === 'week' ? `${p.label}周` : p.label) + (p.current ? '（至今）' : '');
  return (
    <Section
      title={`三率趋势（${scope}）`}
      class="trend-card"
      actions={
        <>
          <label class="inline">
            周期
            <select value={interval} onChange={(e) => setIntervalKind(e.currentTarget.value as TrendInterval)} aria-label="趋势周期">
              <option value="week">按周</option>
              <option value="month">按月</option>
            </select>
          </label>
          {unitUser ? null : (
            <label class="inline">
              范围
              <select value={unit} onChange={(e) => setUnit(e.currentTarget.value)} aria-label="趋势范围">
                <option value="">全市</option>
                {unitNames.map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
              </select>
            </label>
          )}
        </>
      }
    >
      <ErrorBox error={error} />
      {!points ? (
        error ? null : <Loading />
      ) : points.every((p) => p.accepted === 0 && p.response.denominator === 0 && p.satisfaction.denominator === 0) ? (
        <Empty>所选范围近期没有工单。</Empty>
      ) : (
        <>
          <TrendChart
            title={`${scope}响应率、办结率、满意率趋势`}
            labels={points.map(label)}
            series={[
              { label: '响应率', values: points.map((p) => p.response.rate), color: '#2f6fb3' },
              { label: '办结率', values: points.map((p) => p.closing.rate), color: '#2f9e6e' },
              { label: '满意率', values: points.map((p) => p.satisfaction.rate), color: '#d08a1e' },
            ]}
          />
          <details>
            <summary>趋势明细</summary>
            <table class="grid compact" data-testid="trend-table">
              <caption class="sr-only">{scope}三率趋势明细</caption>
              <thead>
                <tr>
                  <th scope="col">{interval === 'week' ? '周（起）' : '月份'}</th>
                  <th scope="col">受理量</th>
                  <th scope="col">响应率</th>
                  <th scope="col">办结率</th>
                  <th scope="col">满意率</th>
                </tr>
              </thead>
              <tbody>
                {points.map((p) => (
                  <tr key={p.key}>
                    <td>{label(p)}</td>
                    <td>{p.accepted}</td>
                    <td>{percent(p.response.rate)}</td>
                    <td>{percent(p.closing.rate)}</td>
                    <td>{percent(p.satisfaction.rate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </Section>
  );
}
