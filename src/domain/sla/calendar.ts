import { SHANGHAI_OFFSET_MS, shanghaiInstant } from '../clock.js';
import { invalid, AppError } from '../errors.js';
import { addDays, isValidDate, yearOf } from './dates.js';
import { EMPTY_OVERRIDES, type CalendarOverrides } from './local-overrides.js';
import { chineseDaysHolidays, isWeekdayWorkday, type OfficialHolidays } from './official-holidays.js';
import { DEFAULT_WORKING_HOURS, toMinutePeriods, type MinutePeriod, type WorkingHours } from './working-hours.js';

export interface WorkCalendarOptions {
  /** The hotline office's local holiday/调休 file; wins over chinese-days. */
  overrides?: CalendarOverrides;
  /** Office hours; default 08:30–12:00 and 14:30–17:30. */
  workingHours?: WorkingHours;
  /** Where the official schedule comes from; default chinese-days. Tests may pass a fake. */
  official?: OfficialHolidays;
}

/** Whether the coming days have a known holiday schedule; shown at start and in /readyz. */
export interface CalendarCoverage {
  covered: boolean;
  /** Years in the window that neither chinese-days nor the local file covers, e.g. ['2027']. */
  uncovered: string[];
  /** One line, Chinese then English. */
  message: string;
}

/** What deadline computation needs from a calendar (WorkCalendar implements it). */
export interface SlaCalendar {
  isWorkday(date: string): boolean;
  addWorkingMinutes(from: Date, minutes: number): Date;
  addWorkingDays(from: Date, days: number): Date;
}

/** A calendar with no working day in ten years is misconfigured, not a reason to loop forever. */
const MAX_SCAN_DAYS = 3660;

function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

function checkInstant(at: Date, what: string): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw invalid('bad_instant', `${what} 不是有效时间 / ${what} is not a valid time`);
}

/**
 * China's working-time calendar for one hotline, in Asia/Shanghai (UTC+8, no DST).
 *
 * Which days are working days, in order of precedence:
 *  1. a date listed in the local file (holidays / workdays);
 *  2. for a year the local file declares in `years`, Monday–Friday (the file is the whole truth);
 *  3. chinese-days' published entry (holiday or 调休 make-up workday);
 *  4. Monday–Friday.
 */
export class WorkCalendar implements SlaCalendar {
  private readonly overrides: CalendarOverrides;
  private readonly official: OfficialHolidays;
  private readonly periods: MinutePeriod[];
  private readonly localHolidays: Set<string>;
  private readonly localWorkdays: Set<string>;
  private readonly localYears: Set<number>;
  /** Deadline arithmetic asks about the same few hundred days over and over. */
  private readonly dayCache = new Map<string, boolean>();

  constructor(opts: WorkCalendarOptions = {}) {
    this.overrides = opts.overrides ?? EMPTY_OVERRIDES;
    this.official = opts.official ?? chineseDaysHolidays;
    this.periods = toMinutePeriods(opts.workingHours ?? DEFAULT_WORKING_HOURS);
    this.localHolidays = new Set(this.overrides.holidays);
    this.localWorkdays = new Set(this.overrides.workdays);
    this.localYears = new Set(this.overrides.years);
  }

  /** `date` is a Shanghai calendar day 'YYYY-MM-DD'. */
  isWorkday(date: string): boolean {
    let known = this.dayCache.get(date);
    if (known === undefined) {
      if (!isValidDate(date)) throw invalid('bad_date', `日期 "${String(date)}" 格式应为 YYYY-MM-DD / "${String(date)}" is not YYYY-MM-DD`);
      known = this.resolveDay(date);
      this.dayCache.set(date, known);
    }
    return known;
  }

  private resolveDay(date: string): boolean {
    if (this.localWorkdays.has(date)) return true;
    if (this.localHolidays.has(date)) return false;
    if (!this.localYears.has(yearOf(date))) {
      const e = this.official.entry(date);
      if (e !== null) return e;
    }
    return isWeekdayWorkday(date);
  }

  /** Inside office hours of a working day ([start, end) of a period). */
  isWorkingTime(at: Date): boolean {
    checkInstant(at, 'at');
    const date = shanghaiDate(at);
    if (!this.isWorkday(date)) return false;
    const t = at.getTime();
    return this.periodsOn(date).some(([s, e]) => s <= t && t < e);
  }

  /** `at` itself when inside office hours, else the start of the next working period. */
  nextWorkingMoment(at: Date): Date {
    checkInstant(at, 'at');
    const t = at.getTime();
    let date = shanghaiDate(at);
    for (let i = 0; i < MAX_SCAN_DAYS; i++, date = addDays(date, 1)) {
      for (const [s, e] of this.workingPeriodsOn(date)) {
        if (t < e) return new Date(Math.max(s, t));
      }
    }
    return this.noWorkingDay();
  }

  /**
   * The instant when `minutes` of office time have passed since `from` (time outside office hours
   * does not count). A result landing exactly at a period's end stays there (10:00 + 120 → 12:00,
   * not 14:30). 0 minutes returns `from`. Fractions of a minute are kept.
   */
  addWorkingMinutes(from: Date, minutes: number): Date {
    checkInstant(from, 'from');
    if (!Number.isFinite(minutes) || minutes < 0) throw invalid('bad_minutes', `工作分钟数须为非负数 / minutes must be >= 0 (got ${minutes})`);
    if (minutes === 0) return new Date(from.getTime());
    let remaining = minutes * 60_000;
    const t = from.getTime();
    let date = shanghaiDate(from);
    for (let i = 0; i < MAX_SCAN_DAYS; i++, date = addDays(date, 1)) {
      for (const [s, e] of this.workingPeriodsOn(date)) {
        if (e <= t) continue;
        const start = Math.max(s, t);
        if (remaining <= e - start) return new Date(start + remaining);
        remaining -= e - start;
      }
    }
    return this.noWorkingDay();
  }

  /**
   * Deadline of N working days from `from`: the close of business (end of the last period) of the
   * Nth working day AFTER the day of `from`. The day a ticket arrives is not counted, as in the
   * usual rule for administrative time limits (期间开始之日不计算在内), whatever the hour:
   * dispatched Mon 09:00 or Mon 19:00 with 3 days → Thu 17:30; Fri 19:00 → Wed 17:30.
   * N = 0 means close of business of the working day that `nextWorkingMoment(from)` falls on.
   */
  addWorkingDays(from: Date, days: number): Date {
    checkInstant(from, 'from');
    if (!Number.isInteger(days) || days < 0) throw invalid('bad_days', `工作日数须为非负整数 / days must be a whole number >= 0 (got ${days})`);
    if (days === 0) return this.closeOfBusiness(shanghaiDate(this.nextWorkingMoment(from)));
    let date = shanghaiDate(from);
    let counted = 0;
    for (let i = 0; i < MAX_SCAN_DAYS + days * 7 && counted < days; i++) {
      date = addDays(date, 1);
      if (this.isWorkday(date)) counted++;
    }
    if (counted < days) return this.noWorkingDay();
    return this.closeOfBusiness(date);
  }

  /**
   * Working days from a's day to b's day: the number of working days d with day(a) < d <= day(b),
   * negative when b is before a. "Overdue by N working days" = workingDaysBetween(deadline, now):
   * a deadline Wed 17:30 seen on Wed 20:00 is 0 (late, same day), on Thu 09:00 is 1, and across a
   * weekend or holiday only working days count.
   */
  workingDaysBetween(a: Date, b: Date): number {
    checkInstant(a, 'a');
    checkInstant(b, 'b');
    if (b.getTime() < a.getTime()) return -this.workingDaysBetween(b, a);
    const end = shanghaiDate(b);
    let n = 0;
    for (let d = addDays(shanghaiDate(a), 1); d <= end; d = addDays(d, 1)) if (this.isWorkday(d)) n++;
    return n;
  }

  /** Working minutes in [a, b) (0 when b <= a); e.g. for "signed after N working minutes". */
  workingMinutesBetween(a: Date, b: Date): number {
    checkInstant(a, 'a');
    checkInstant(b, 'b');
    const ta = a.getTime();
    const tb = b.getTime();
    let ms = 0;
    for (let d = shanghaiDate(a); d <= shanghaiDate(b); d = addDays(d, 1)) {
      for (const [s, e] of this.workingPeriodsOn(d)) ms += Math.max(0, Math.min(e, tb) - Math.max(s, ta));
    }
    return ms / 60_000;
  }

  /** The instant office hours end on `date` (e.g. 17:30 Shanghai), whether or not it is a working day. */
  closeOfBusiness(date: string): Date {
    return shanghaiInstant(date, this.periods[this.periods.length - 1].end);
  }

  /**
   * Is the holiday schedule known for the `days` calendar days starting at from's day? A year is
   * known when chinese-days carries its published schedule or the local file declares it in
   * `years`. Otherwise the calendar silently uses Monday–Friday and deadlines over the Spring
   * Festival or National Day would be wrong, so the service warns.
   */
  coverage(from: Date, days = 60): CalendarCoverage {
    checkInstant(from, 'from');
    if (!Number.isInteger(days) || days < 1) throw invalid('bad_days', `days must be a whole number >= 1 (got ${days})`);
    const first = shanghaiDate(from);
    const last = addDays(first, days - 1);
    const uncovered: string[] = [];
    for (let y = yearOf(first); y <= yearOf(last); y++) {
      if (!this.localYears.has(y) && !this.official.hasYear(y)) uncovered.push(String(y));
    }
    if (uncovered.length === 0) {
      return {
        covered: true,
        uncovered,
        message: `未来 ${days} 天（${first} 至 ${last}）的节假日安排已覆盖 / Holiday schedule known for the next ${days} days (${first} to ${last})`,
      };
    }
    const ys = uncovered.join('、');
    return {
      covered: false,
      uncovered,
      message:
        `未来 ${days} 天（${first} 至 ${last}）涉及 ${ys} 年，chinese-days 没有该年官方节假日数据，本地节假日文件（${this.overrides.source}）也未声明覆盖；` +
        `期限将按周一至周五计算。请在国务院公布安排后于本地文件中补充 holidays、workdays 并在 years 中列出该年。` +
        ` / The next ${days} days (${first} to ${last}) reach ${uncovered.join(', ')}, which neither chinese-days' official data nor the local holiday file (${this.overrides.source}) covers;` +
        ` deadlines fall back to Monday–Friday. Add the State Council schedule to the local file (holidays, workdays, years).`,
    };
  }

  private periodsOn(date: string): Array<[number, number]> {
    const midnight = Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS;
    return this.periods.map((p) => [midnight + p.start * 60_000, midnight + p.end * 60_000]);
  }

  private workingPeriodsOn(date: string): Array<[number, number]> {
    return this.isWorkday(date) ? this.periodsOn(date) : [];
  }

  private noWorkingDay(): never {
    throw new AppError('unavailable', 'no_working_day', `日历在 ${MAX_SCAN_DAYS} 天内没有工作日，请检查本地节假日文件 / no working day within ${MAX_SCAN_DAYS} days`);
  }
}

