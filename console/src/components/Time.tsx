import { useEffect, useState } from 'preact/hooks';
import { ago, dateTime, fullDateTime } from '../format.js';

/** One timer for every <Time> on the page: relative texts move on by themselves (「刚刚」 → 「1 分钟前」). */
const listeners = new Set<() => void>();
let ticker: ReturnType<typeof setInterval> | null = null;
export function useMinuteTick(): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((n) => n + 1);
    listeners.add(fn);
    ticker ??= setInterval(() => listeners.forEach((l) => l()), 30_000);
    return () => {
      listeners.delete(fn);
      if (!listeners.size && ticker) {
        clearInterval(ticker);
        ticker = null;
      }
    };
  }, []);
}

/**
 * The one way the console shows an instant: a `<time datetime>` with relative text (「3 分钟前」
 * 「昨天 14:05」「明天 09:00」) and the absolute Beijing time 「2026-12-07 14:05:33」 on hover (and in
 * print). `absolute` shows 「2026-12-07 14:05」 instead, for a moment inside a sentence of the record
 * (「须于 … 前派单」), with the same hover.
 */
export function Time({ iso, absolute, class: cls }: { iso: string | null | undefined; absolute?: boolean; class?: string }) {
  useMinuteTick();
  if (!iso || Number.isNaN(Date.parse(iso))) return <span class="muted">—</span>;
  const full = fullDateTime(iso);
  return (
    <time dateTime={iso} title={full} aria-label={full} class={cls}>
      {absolute ? dateTime(iso) : ago(iso)}
    </time>
  );
}
