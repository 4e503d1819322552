/**
 * 督办看板: tickets close to or past their deadlines, the 督办 lists, the three rates per unit
 * (响应率/办结率/满意率) as charts, hotspot alerts and exports. Rates and alerts come from the
 * stats API (/api/v1/stats/...); where this build has none the section says so.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { has } from '../features.js';
import { RateChart } from '../components/RateChart.js';
import { FirstContactPanel } from '../components/FirstContactPanel.js';
import { PlacesPanel } from '../components/PlacesPanel.js';
import { TrendPanel } from '../components/TrendPanel.js';
import { TicketTable } from '../components/TicketTable.js';
import { Empty, ErrorBox, Loading, Section } from '../components/ui.js';
import { percent, serverNow, serverToday } from '../format.js';
import { useLive } from '../live.js';
import type { TicketView, User } from '../types.js';
import { Time } from '../components/Time.js';

interface UnitRates {
  unit: string;
  received: number;
  responseRate: number | null;
  completionRate: number | null;
  satisfactionRate: number | null;
  overdue: number;
  reopened: number;
  /** 现场处置: mean / median minutes from the page to arrival, and 即办 with an arrival recorded */
  arrivalAvg?: number | null;
  arrivalMedian?: number | null;
  arrivalRecorded?: number | null;
}

interface Ratio {
  rate: number | null;
}

/** One row of GET /api/v1/stats/rates (src/domain/kpi/rates.ts KpiFigures). */
interface RateRow {
  key: string;
  label: string;
  accepted: number;
  response: Ratio;
  closing: Ratio;
  satisfaction: Ratio;
  reopened: number;
  overdue: number;
  avgArrivalMinutes?: number | null;
  medianArrivalMinutes?: number | null;
  arrivalRecorded?: Ratio;
}

interface Alert {
  id: string;
  kind: 'matter' | 'place' | 'recurring';
  title: string;
  unit: string | null;
  place: string | null;
  count: number;
  numbers: string[];
  ticketIds: string[];
  lastAt: string;
  status: string;
}

/** GET /api/v1/stats/followup-coverage: 回访 followed up / due (src/domain/kpi/followup-coverage.ts). */
interface Coverage {
  due: number;
  followedUp: number;
  unreached: number;
  pending: number;
  rate: number | null;
}

const ALERT_KIND: Record<string, string> = { matter: '同一事项集中反映', place: '同一地点集中反映', recurring: '反复重办' };

const toRates = (rows: RateRow[]): UnitRates[] =>
  rows.map((r) => ({
    unit: r.label || r.key,
    received: r.accepted,
    responseRate: r.response.rate,
    completionRate: r.closing.rate,
    satisfactionRate: r.satisfaction.rate,
    overdue: r.overdue,
    reopened: r.reopened,
    arrivalAvg: r.avgArrivalMinutes ?? null,
    arrivalMedian: r.medianArrivalMinutes ?? null,
    arrivalRecorded: r.arrivalRecorded?.rate ?? null,
  }));

const minutes = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${Math.round(x)} 分钟`);

const today = serverToday;
const monthStart = () => `${today().slice(0, 7)}-01`;

const NEAR_MS = 4 * 3600_000;

export function BoardPage({ user: _user }: { user: User }) {
  const [open, setOpen] = useState<TicketView[] | null>(null);
  const [supervised, setSupervised] = useState<TicketView[] | null>(null);
  const [rates, setRates] = useState<UnitRates[] | null>(null);
  const [ratesMissing, setRatesMissing] = useState(false);
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [alertsMissing, setAlertsMissing] = useState(false);
  const [coverage, setCoverage] = useState<Coverage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [from, setFrom] = useState(monthStart());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const period = { from, to: today() };

  const loadOpen = async () => {
    get<{ items: TicketView[] }>('/api/v1/tickets?state=dispatched,handling,returned&limit=200').then((r) => setOpen(r.items), setError);
    if (await has('supervised')) get<{ items: TicketView[] }>('/api/v1/supervision/tickets').then((r) => setSupervised(r.items), setError);
    else setSupervised((open ?? []).filter((t) => t.supervision !== 'none'));
  };
  const loadRates = async () => {
    if (!(await has('rates'))) return setRatesMissing(true);
    get<{ rows: RateRow[] }>(`/api/v1/stats/rates${qs({ ...period, groupBy: 'unit' })}`).then((r) => setRates(toRates(r.rows)), setError);
    get<{ city: Coverage | null }>(`/api/v1/stats/followup-coverage${qs(period)}`).then((r) => setCoverage(r.city), () => setCoverage(null));
  };
  const loadAlerts = async () => {
    if (!(await has('hotspots'))) return setAlertsMissing(true);
    get<{ items: Alert[] }>('/api/v1/supervision/hotspots?status=open').then((r) => setAlerts(r.items), setError);
  };
  useEffect(() => {
    void loadOpen();
    void loadAlerts();
  }, []);
  useEffect(() => void loadRates(), [from]);
  useLive('ticket', () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void loadOpen(), 300);
  });
  useLive('supervision', () => void loadOpen());
  useLive('alert', () => void loadAlerts());
  useLive('resync', () => {
    void loadOpen();
    void loadAlerts();
  });

  const now = serverNow();
  const deadlineOf = (t: TicketView) => (t.state === 'dispatched' ? t.signDeadline : t.replyDeadline);
  const active = open ?? [];
  const overdue = active.filter((t) => t.overdue);
  const nearDue = active.filter((t) => !t.overdue && deadlineOf(t) && new Date(deadlineOf(t)!).getTime() - now < NEAR_MS);
  const superList = supervised ?? [];

  return (
    <div>
      <h1 class="page-title">督办看板</h1>
      {_user.role === 'supervisor' || _user.role === 'admin' ? (
        <p class="page-links">
          <a href="/board/accountability">问责线索 ›</a>
        </p>
      ) : null}
      <ErrorBox error={error} />
      <div class="kpis" role="list">
        <div class="kpi" role="listitem">
          <span>在办工单</span>
          <strong>{open ? active.length : '—'}</strong>
        </div>
        <div class="kpi kpi-warn" role="listitem">
          <span>临期（4 小时内）</span>
          <strong>{open ? nearDue.length : '—'}</strong>
        </div>
        <div class="kpi kpi-danger" role="listitem">
          <span>已超期</span>
          <strong>{open ? overdue.length : '—'}</strong>
        </div>
        <div class="kpi" role="listitem">
          <span>督办中</span>
          <strong>{supervised ? superList.length : '—'}</strong>
        </div>
        <div class={`kpi${coverage && coverage.rate !== null && coverage.rate < 1 ? ' kpi-warn' : ''}`} role="listitem" data-kpi="followup-coverage">
          <span>回访覆盖率（已回访/应回访）</span>
          <strong>{coverage ? `${coverage.followedUp}/${coverage.due}${coverage.rate !== null ? `（${percent(coverage.rate)}）` : ''}` : '—'}</strong>
          {coverage && (coverage.unreached || coverage.pending) ? (
            <small>
              未回访 {coverage.unreached} · 回访中 {coverage.pending}
            </small>
          ) : null}
        </div>
      </div>
      <div class="board-grid">
        <Section title={`超期工单（${overdue.length}）`}>{!open ? <Loading /> : overdue.length ? <TicketTable items={overdue} caption="超期工单" /> : <Empty>没有超期工单。</Empty>}</Section>
        <Section title={`临期工单（${nearDue.length}）`}>{!open ? <Loading /> : nearDue.length ? <TicketTable items={nearDue} caption="临期工单" /> : <Empty>没有临期工单。</Empty>}</Section>
        <Section title={`督办清单（${superList.length}）`}>{!supervised ? <Loading /> : superList.length ? <TicketTable items={superList} caption="督办清单" /> : <Empty>没有催办、督办或通报中的工单。</Empty>}</Section>
        <Section
          title="各单位三率"
          actions={
            <>
              <label class="inline">
                统计起始
                <input type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
              </label>
              {!ratesMissing ? (
                <>
                  <a class="btn btn-small" href={`/api/v1/stats/rates${qs({ ...period, groupBy: 'unit', format: 'csv' })}`} download>
                    导出 CSV
                  </a>
                  <a class="btn btn-small" href={`/api/v1/stats/rates${qs({ ...period, groupBy: 'unit', format: 'xlsx' })}`} download>
                    导出 Excel
                  </a>
                </>
              ) : null}
            </>
          }
        >
          {ratesMissing ? (
            <Empty missing>本版本没有统计接口（/api/v1/stats/rates）。</Empty>
          ) : !rates ? (
            <Loading />
          ) : rates.length === 0 ? (
            <Empty>所选期间没有工单。</Empty>
          ) : (
            <>
              <RateChart
                title="各单位响应率、办结率、满意率"
                labels={rates.map((r) => r.unit)}
                series={[
                  { label: '响应率', values: rates.map((r) => r.responseRate), color: '#2f6fb3' },
                  { label: '办结率', values: rates.map((r) => r.completionRate), color: '#2f9e6e' },
                  { label: '满意率', values: rates.map((r) => r.satisfactionRate), color: '#d08a1e' },
                ]}
              />
              <table class="grid compact">
                <caption class="sr-only">各单位三率明细</caption>
                <thead>
                  <tr>
                    <th scope="col">单位</th>
                    <th scope="col">受理量</th>
                    <th scope="col">响应率</th>
                    <th scope="col" title="即办：从呼叫（派单）到处置人员到达现场，平均 / 中位数">到场用时</th>
                    <th scope="col" title="本单位签收的即办中登记了到达现场的比例">到场登记率</th>
                    <th scope="col">办结率</th>
                    <th scope="col">满意率</th>
                    <th scope="col">超期</th>
                    <th scope="col">重办</th>
                  </tr>
                </thead>
                <tbody>
                  {rates.map((r) => (
                    <tr key={r.unit}>
                      <td>{r.unit}</td>
                      <td>{r.received ?? '—'}</td>
                      <td>{percent(r.responseRate)}</td>
                      <td data-testid="arrival-minutes">{r.arrivalAvg === null || r.arrivalAvg === undefined ? '—' : `${minutes(r.arrivalAvg)} / ${minutes(r.arrivalMedian)}`}</td>
                      <td>{percent(r.arrivalRecorded)}</td>
                      <td>{percent(r.completionRate)}</td>
                      <td>{percent(r.satisfactionRate)}</td>
                      <td>{r.overdue ?? '—'}</td>
                      <td>{r.reopened ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Section>
        {!ratesMissing ? <TrendPanel unitUser={_user.role === 'unit' ? _user.unit : null} /> : null}
        {!ratesMissing ? <PlacesPanel from={from} to={today()} now={now} /> : null}
        <FirstContactPanel office={_user.role !== 'unit'} />
        <Section title="热点预警">
          {alertsMissing ? (
            <Empty missing>本版本没有热点预警接口（/api/v1/supervision/hotspots）。</Empty>
          ) : !alerts ? (
            <Loading />
          ) : alerts.length === 0 ? (
            <Empty>当前没有热点预警。</Empty>
          ) : (
            <ul class="alerts" aria-live="polite">
              {alerts.map((a) => (
                <li key={a.id}>
                  <span class="badge badge-danger">{ALERT_KIND[a.kind] ?? a.kind}</span> <strong>{a.title}</strong> · {a.count} 件{a.unit ? ` · ${a.unit}` : ''}
                  {a.place ? ` · ${a.place}` : ''} <span class="muted">最近 <Time iso={a.lastAt} /></span>
                  <div>
                    {a.numbers.slice(0, 6).map((n, i) => (
                      <a key={n} href={`/tickets/${a.ticketIds[i]}`} class="chip-link">
                        {n}
                      </a>
                    ))}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
    </div>
  );
}
