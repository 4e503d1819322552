import { invalid } from '../errors.js';

/** One stretch of office hours in Shanghai local time, 'HH:MM' (24 h), `start` < `end`. */
export interface WorkingPeriod {
  start: string;
  end: string;
}

/** Office hours of a working day, in order and not overlapping. */
export type WorkingHours = readonly WorkingPeriod[];

/** The usual government office day: morning 08:30–12:00, afternoon 14:30–17:30 (long lunch break). */
export const DEFAULT_WORKING_HOURS: WorkingHours = [
  { start: '08:30', end: '12:00' },
  { start: '14:30', end: '17:30' },
];

/** Office hours as minutes of the day, checked. */
export interface MinutePeriod {
  start: number;
  end: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** 'HH:MM' → minutes since midnight; '24:00' is accepted as the end of the day. */
export function parseHhmm(s: unknown, what: string): number {
  if (s === '24:00') return 24 * 60;
  const m = typeof s === 'string' ? HHMM.exec(s) : null;
  if (!m) throw invalid('bad_time_of_day', `${what} 的时间 "${String(s)}" 格式应为 HH:MM / ${what}: "${String(s)}" is not HH:MM`, { what, value: s });
  return Number(m[1]) * 60 + Number(m[2]);
}

export function toMinutePeriods(hours: WorkingHours): MinutePeriod[] {
  if (!Array.isArray(hours) || hours.length === 0) {
    throw invalid('bad_working_hours', '工作时间至少需要一个时段 / working hours need at least one period');
  }
  const out = hours.map((p, i) => {
    const start = parseHhmm(p?.start, `workingHours[${i}].start`);
    const end = parseHhmm(p?.end, `workingHours[${i}].end`);
    if (end <= start) {
      throw invalid('bad_working_hours', `工作时段 workingHours[${i}] 结束时间须晚于开始时间 / workingHours[${i}]: end must be after start`, { index: i });
    }
    return { start, end };
  });
  for (let i = 1; i < out.length; i++) {
    if (out[i].start < out[i - 1].end) {
      throw invalid('bad_working_hours', `工作时段 workingHours[${i}] 与前一时段重叠或顺序颠倒 / workingHours[${i}] overlaps or precedes the previous period`, { index: i });
    }
  }
  return out;
}
