import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { RateSeries } from './RateChart.js';

Chart.register(LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

/**
 * Rates (0–1) over periods as lines; a period without a figure (nothing due) is a gap, not 0%.
 * The table under it carries the same numbers for screen readers and printing.
 */
export function TrendChart({ labels, series, title }: { labels: string[]; series: RateSeries[]; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'line',
      data: {
        labels,
        datasets: series.map((s) => ({
          label: s.label,
          data: s.values.map((v) => (v === null ? null : Math.round(v * 1000) / 10)),
          borderColor: s.color,
          backgroundColor: s.color,
          pointRadius: 3,
          tension: 0.2,
          spanGaps: false,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        plugins: { legend: { position: 'top' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}：${c.parsed.y === null ? '—' : `${c.parsed.y}%`}` } } },
      },
    });
    return () => chart.destroy();
  }, [JSON.stringify(labels), JSON.stringify(series)]);
  return (
    <div class="chart" style={{ height: '240px' }}>
      <canvas ref={canvas} role="img" aria-label={title} data-testid="trend-chart" />
    </div>
  );
}
