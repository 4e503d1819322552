/**
 * Calendar-date arithmetic on 'YYYY-MM-DD' strings. Dates are Shanghai local calendar days; the
 * arithmetic runs on UTC midnights so the host time zone never leaks in.
 */
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isValidDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10) === s;
}

export function addDays(date: string, n: number): string {
  if (n !== 1) return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
  // Deadline arithmetic walks day by day: the next day of a date is asked for on every intake.
  let next = nextDay.get(date);
  if (next === undefined) {
    next = new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
    if (nextDay.size >= 20_000) nextDay.clear();
    nextDay.set(date, next);
  }
  return next;
}
const nextDay = new Map<string, string>();

/** 0 = Sunday … 6 = Saturday, as Date#getUTCDay. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** Inclusive list of dates from `from` to `to`; empty when `to` is before `from`. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
