/**
 * 热点分布 (issue 20, item 8): the period's tickets per township as a bar chart, and the tickets that
 * carry coordinates (Open311 lat/long, shared WeChat locations) on a Leaflet map. Leaflet is bundled
 * with the console (no CDN). Tiles come from SUBAN_MAP_TILES_URL only; without it the map is a plain
 * background with a coordinate grid and the townships' names, and nothing is fetched from anywhere.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import L from 'leaflet';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { channelLabel, dateTime } from '../format.js';
import { Empty, ErrorBox, Loading, Section } from './ui.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface PlacePoint {
  id: string;
  number: string;
  lat: number;
  lng: number;
  source: string;
  township: string | null;
  place: string | null;
  category: string;
  channel: string;
  state: string;
  unit: string | null;
  createdAt: string;
  summary: string;
}

export interface PlacesReport {
  townships: { township: string; accepted: number }[];
  points: PlacePoint[];
  total: number;
  tiles: { url: string; attribution: string } | null;
}

/** 受理量 per township, most first, as horizontal bars. */
export function TownshipChart({ rows }: { rows: { township: string; accepted: number }[] }) {
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

const RECENT_MS = 24 * 3600_000;

/** The located tickets on a map: tiles when configured, else a coordinate grid with the townships' names. */
export function PlacesMap({ points, tiles, now }: { points: PlacePoint[]; tiles: PlacesReport['tiles']; now: number }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || points.length === 0) return;
    const map = L.map(el.current, { zoomControl: true, attributionControl: !!tiles, preferCanvas: false, minZoom: 6, maxZoom: 18 });
    const bounds = L.latLngBounds(points.map((p) => [p.lat, p.lng] as [number, number]));
    // The view first: vector layers are projected (and clipped) against it when they are added.
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    if (tiles) {
      L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 18 }).addTo(map);
    } else {
      // A coordinate grid every 0.05° around the points: orientation without any tile.
      const b = bounds.pad(0.5);
      const step = 0.05;
      const grid = L.layerGroup().addTo(map);
      for (let lat = Math.floor(b.getSouth() / step) * step; lat <= b.getNorth(); lat += step) L.polyline([[lat, b.getWest() - 1], [lat, b.getEast() + 1]], { color: '#c9d3de', weight: 1, interactive: false }).addTo(grid);
      for (let lng = Math.floor(b.getWest() / step) * step; lng <= b.getEast(); lng += step) L.polyline([[b.getSouth() - 1, lng], [b.getNorth() + 1, lng]], { color: '#c9d3de', weight: 1, interactive: false }).addTo(grid);
      // Each township's name at the middle of its points.
      const byTownship = new Map<string, PlacePoint[]>();
      for (const p of points) if (p.township) byTownship.set(p.township, [...(byTownship.get(p.township) ?? []), p]);
      for (const [name, ps] of byTownship) {
        const lat = ps.reduce((s, p) => s + p.lat, 0) / ps.length;
        const lng = ps.reduce((s, p) => s + p.lng, 0) / ps.length;
        L.marker([lat, lng], { icon: L.divIcon({ className: 'map-township', html: `<span>${escapeHtml(name)}</span>`, iconSize: [0, 0] }), interactive: false, keyboard: false }).addTo(map);
      }
    }
    for (const p of points) {
      const recent = now - Date.parse(p.createdAt) < RECENT_MS;
      L.circleMarker([p.lat, p.lng], { radius: recent ? 8 : 5, color: recent ? '#b3261e' : '#2f6fb3', weight: 1, fillOpacity: recent ? 0.75 : 0.5, className: 'map-point' })
        .bindPopup(
          `<a href="/tickets/${encodeURIComponent(p.id)}">${escapeHtml(p.number)}</a> · ${escapeHtml(p.category)} · ${escapeHtml(channelLabel(p.channel))}<br>${escapeHtml(p.summary)}<br><span class="muted">${escapeHtml([p.township, p.unit].filter(Boolean).join(' · '))} · ${escapeHtml(dateTime(p.createdAt))}</span>`,
        )
        .addTo(map);
    }
    return () => map.remove();
  }, [JSON.stringify(points.map((p) => [p.id, p.lat, p.lng])), tiles?.url]);
  return <div ref={el} class={`places-map${tiles ? '' : ' places-map-plain'}`} data-testid="places-map" role="region" aria-label={`有坐标的工单地图（${points.length} 件）`} />;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The board's 热点分布 section over [from, to]. */
export function PlacesPanel({ from, to, now }: { from: string; to: string; now: number }) {
  const [data, setData] = useState<PlacesReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setData(null);
    get<PlacesReport>(`/api/v1/stats/places${qs({ from, to })}`).then(setData, setError);
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
