/**
 * The board's map of located tickets (Leaflet, bundled: no CDN). A chunk of its own, loaded when the
 * map is first drawn (PlacesPanel.tsx).
 */
import L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import { channelLabel, dateTime } from '../format.js';
import type { PlacePoint, PlacesAnswer } from '../types.js';

const RECENT_MS = 24 * 3600_000;

/** The located tickets on a map: tiles when configured, else a coordinate grid with the townships' names. */
export function PlacesMap({ points, tiles, now }: { points: PlacePoint[]; tiles: PlacesAnswer['tiles']; now: number }) {
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

