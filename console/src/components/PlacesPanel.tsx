/**
 * 热点分布 (issue 20, item 8): the period's tickets per township as a bar chart, and the tickets that
 * carry coordinates (Open311 lat/long, shared WeChat locations) on a Leaflet map (PlacesMap.tsx,
 * fetched when the map is first drawn). Leaflet is bundled with the console (no CDN). Tiles come from
 * SUBAN_MAP_TILES_URL only; without it the map is a plain background with a coordinate grid and the
 * townships' names, and nothing is fetched from anywhere.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { lazy } from '../lazy.js';
import { Empty, ErrorBox, Loading, Section } from './ui.js';
import type { PlacesAnswer, TownshipCount } from '../types.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

/** 受理量 per township, most first, as horizontal bars. */
export function TownshipChart({ rows }: { rows: TownshipCount[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels: rows.map((r) => r.township), datasets: [{ label: '受理量', data: rows.map((r) => r.accepted), backgroundColor: '#2f6fb3', borderRadius: 2 }] },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `受理量：${c.parsed.x} 件` } } },
      },
    });
    return () => chart.destroy();
  }, [JSON.stringify(rows)]);
  return (
    <div class="chart" style={{ height: `${Math.max(140, rows.length * 22 + 40)}px` }}>
      <canvas ref={canvas} role="img" aria-label="各乡镇受理量" data-testid="township-chart" />
    </div>
  );
}

// Leaflet is fetched with the map, not with every page.
const PlacesMap = lazy(() => import('./PlacesMap.js').then((m) => m.PlacesMap));

/** The board's 热点分布 section over [from, to]. */
export function PlacesPanel({ from, to, now }: { from: string; to: string; now: number }) {
  const [data, setData] = useState<PlacesAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setData(null);
    get<PlacesAnswer>(`/api/v1/stats/places${qs({ from, to })}`).then(setData, setError);
  }, [from, to]);
  return (
    <Section title="热点分布（乡镇与地图）" class="places-card">
      <ErrorBox error={error} />
      {!data ? (
        error ? null : <Loading />
      ) : data.total === 0 ? (
        <Empty>所选期间没有工单。</Empty>
      ) : (
        <div class="places">
          <div>
            <h3 class="sub">各乡镇受理量</h3>
            <TownshipChart rows={data.townships} />
          </div>
          <div>
            <h3 class="sub">
              有坐标的工单 {data.points.length} / {data.total} 件
              <small class="muted">（Open311 上报、微信共享位置；红色为 24 小时内）</small>
            </h3>
            {data.points.length ? <PlacesMap points={data.points} tiles={data.tiles} now={now} /> : <Empty>所选期间没有带坐标的工单。</Empty>}
            {!data.tiles && data.points.length ? <p class="muted small">未配置地图底图（SUBAN_MAP_TILES_URL）：仅显示坐标网格与乡镇名称。</p> : null}
          </div>
        </div>
      )}
    </Section>
  );
}
