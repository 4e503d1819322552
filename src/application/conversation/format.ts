import { shanghaiParts } from '../../domain/clock.js';

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

/** A deadline as citizens read it, in Beijing time: `2026年3月5日（星期四）18:00`. */
export function formatChineseDateTime(at: Date): string {
  const { date, minutes, weekday } = shanghaiParts(at);
  const [y, m, d] = date.split('-').map(Number);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${y}年${m}月${d}日（星期${WEEKDAYS[weekday]}）${hh}:${mm}`;
}
