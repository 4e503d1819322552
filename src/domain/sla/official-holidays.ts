import cd from 'chinese-days';
import { AppError } from '../errors.js';
import { addDays, weekdayOf, yearOf } from './dates.js';

/** The State Council's holiday schedule as some source knows it. */
export interface OfficialHolidays {
  /** true/false when the source has an explicit entry (holiday or 调休 workday) for the date, else null. */
  entry(date: string): boolean | null;
  /** Whether the source carries the published schedule for this year (not just weekday rules). */
  hasYear(year: number): boolean;
}

/**
 * chinese-days builds its tables by parsing 'YYYY-M-D' as UTC midnight and formatting with local
 * getters, so on a host west of UTC every key sits one day early. We ask it about the local noon of
 * a date (which its local getters read back unchanged) and learn the key shift once from days whose
 * status is known (National Day 2025: 10-01 holiday, 09-28 and 10-11 调休 workdays, 10-09 plain
 * Thursday). The weekday rule is ours, so only explicit entries come from the package.
 */
function localNoon(date: string, shift: number): Date {
  const d = addDays(date, shift);
  return new Date(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)), 12);
}

function rawEntry(date: string, shift: number): boolean | null {
  const detail = cd.getDayDetail(localNoon(date, shift));
  // Entries are named like "National Day,国庆节,3"; a plain day is named after its weekday.
  return detail.name.includes(',') ? detail.work : null;
}

function matchesAnchors(shift: number): boolean {
  return (
    rawEntry('2025-10-01', shift) === false &&
    rawEntry('2025-09-28', shift) === true &&
    rawEntry('2025-10-11', shift) === true &&
    rawEntry('2025-10-09', shift) === null
  );
}

let detectedShift: number | undefined;

function keyShift(): number {
  if (detectedShift === undefined) {
    const found = [0, -1, 1].find(matchesAnchors);
    if (found === undefined) {
      throw new AppError(
        'unavailable',
        'holiday_data_unreadable',
        'chinese-days 的节假日数据无法按日期读取（2025 年国庆安排校验失败）/ chinese-days data does not match the known 2025 National Day schedule',
      );
    }
    detectedShift = found;
  }
  return detectedShift;
}

const yearCache = new Map<number, boolean>();

/** The official schedule from the npm package chinese-days (published data up to 2026 in 1.5.x). */
export const chineseDaysHolidays: OfficialHolidays = {
  entry(date) {
    return rawEntry(date, keyShift());
  },
  hasYear(year) {
    let known = yearCache.get(year);
    if (known === undefined) {
      // Every published year has 元旦 on January 1st; scanning January to March also meets 春节.
      known = false;
      for (let d = `${String(year).padStart(4, '0')}-01-01`; yearOf(d) === year && d.slice(5, 7) <= '03'; d = addDays(d, 1)) {
        if (rawEntry(d, keyShift()) !== null) {
          known = true;
          break;
        }
      }
      yearCache.set(year, known);
    }
    return known;
  },
};

/** The plain rule every source falls back to: Monday to Friday work, weekends off. */
export function isWeekdayWorkday(date: string): boolean {
  const w = weekdayOf(date);
  return w >= 1 && w <= 5;
}
