import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface RateSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

/** Rates (0–1) per unit as grouped horizontal bars; the table next to it carries the same numbers. */
export function RateChart({ labels, series, title }: { labels: string[]; series: RateSeries[]; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s) => ({ label: s.label, data: s.values.map((v) => (v === null ? null : Math.round(v * 1000) / 10)), backgroundColor: s.color, borderRadius: 2 })),
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        plugins: { legend: { position: 'top' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}：${c.parsed.x}%` } } },
      },
    });
    return () => chart.destroy();
  }, [JSON.stringify(labels), JSON.stringify(series)]);
  return (
    <div class="chart" style={{ height: `${Math.max(160, labels.length * 34 + 60)}px` }}>
      <canvas ref={canvas} role="img" aria-label={title} />
    </div>
  );
}
