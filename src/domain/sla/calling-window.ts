import { SHANGHAI_OFFSET_MS, shanghaiInstant } from '../clock.js';
import { invalid } from '../errors.js';
import { addDays } from './dates.js';
import { parseHhmm } from './working-hours.js';

/** Hours in which the hotline may phone a citizen (follow-up calls), Shanghai local time, [start, end). */
export interface CallingWindow {
  start: string;
  end: string;
}

/** Practice: follow-up calls between 08:30 and 21:00 unless the citizen asked otherwise. */
export const DEFAULT_CALLING_WINDOW: CallingWindow = { start: '08:30', end: '21:00' };

export interface CallingWindowOptions {
  /**
   * Days on which calls are allowed; default every day (follow-ups are not office work and citizens
   * are often easier to reach on days off). Pass `(d) => cal.isWorkday(d)` to call on working days only.
   */
  allowDay?: (date: string) => boolean;
}

function bounds(window: CallingWindow): [number, number] {
  const s = parseHhmm(window.start, 'callingWindow.start');
  const e = parseHhmm(window.end, 'callingWindow.end');
  if (e <= s) throw invalid('bad_calling_window', `外呼时段结束须晚于开始 / calling window must end after it starts (${window.start}–${window.end})`);
  return [s, e];
}

export function isWithinCallingWindow(at: Date, window: CallingWindow = DEFAULT_CALLING_WINDOW, opts: CallingWindowOptions = {}): boolean {
  return nextAllowedCallTime(at, window, opts).getTime() === at.getTime();
}

/**
 * `at` when a call is allowed then, else the next start of the window (today's if `at` is before
 * it, else a following allowed day's). Duty pages for 即办 do not use this: they ignore quiet hours.
 */
export function nextAllowedCallTime(at: Date, window: CallingWindow = DEFAULT_CALLING_WINDOW, opts: CallingWindowOptions = {}): Date {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw invalid('bad_instant', 'at is not a valid time');
  const [s, e] = bounds(window);
  const allowDay = opts.allowDay ?? (() => true);
  const t = at.getTime();
  let date = new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
  for (let i = 0; i < 400; i++, date = addDays(date, 1)) {
    if (!allowDay(date)) continue;
    const start = shanghaiInstant(date, s).getTime();
    const end = shanghaiInstant(date, e).getTime();
    if (t < end) return new Date(Math.max(start, t));
  }
  throw invalid('bad_calling_window', 'no allowed calling day within 400 days');
}
