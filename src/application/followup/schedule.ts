import { shanghaiInstant, shanghaiParts } from '../../domain/clock.js';
import { invalid } from '../../domain/errors.js';
import { addDays } from '../../domain/sla/dates.js';
import type { CallingWindow } from '../../domain/sla/calling-window.js';
import { parseHhmm } from '../../domain/sla/working-hours.js';

/**
 * When to try a citizen again. People who miss a morning call are often reachable in the
 * evening, so each retry goes to a part of the day not tried yet (morning, afternoon, evening by
 * default), never before `minGapMinutes` after the previous try, and always inside the calling window.
 */
export interface AttemptPlan {
  window: CallingWindow;
  /** Local starts of the parts of the day, ascending, inside the window; the first is usually the window start. */
  slotStarts: string[];
  minGapMinutes: number;
}

export const DEFAULT_SLOT_STARTS = ['08:30', '14:30', '19:00'];

interface Slots {
  starts: number[];
  end: number;
}

function slotsOf(plan: AttemptPlan): Slots {
  const start = parseHhmm(plan.window.start, 'callWindow.start');
  const end = parseHhmm(plan.window.end, 'callWindow.end');
  // Slots outside the window are dropped rather than rejected: a city with a shorter window keeps working.
  const starts = [...new Set(plan.slotStarts.map((s) => Math.max(start, parseHhmm(s, 'slotStarts'))))].filter((m) => m < end).sort((a, b) => a - b);
  if (!starts.length || starts[0] !== start) starts.unshift(start);
  return { starts: [...new Set(starts)], end };
}

/** Which part of the day (index into the slots) `at` falls in; -1 outside the window. */
export function slotOf(at: Date, plan: AttemptPlan): number {
  const { starts, end } = slotsOf(plan);
  const m = shanghaiParts(at).minutes;
  if (m < starts[0] || m >= end) return -1;
  let i = 0;
  while (i + 1 < starts.length && starts[i + 1] <= m) i++;
  return i;
}

/**
 * The next try after `after`: at least minGap later, in the window, in a part of the day none of
 * `usedSlots` was in (any part once all were used).
 */
export function nextAttemptTime(after: Date, usedSlots: readonly number[], plan: AttemptPlan): Date {
  const { starts, end } = slotsOf(plan);
  const allUsed = starts.every((_, i) => usedSlots.includes(i));
  const earliest = after.getTime() + plan.minGapMinutes * 60_000;
  let date = shanghaiParts(new Date(earliest)).date;
  for (let day = 0; day < 14; day++, date = addDays(date, 1)) {
    for (let i = 0; i < starts.length; i++) {
      if (!allUsed && usedSlots.includes(i)) continue;
      const sStart = shanghaiInstant(date, starts[i]).getTime();
      const sEnd = shanghaiInstant(date, i + 1 < starts.length ? starts[i + 1] : end).getTime();
      const at = Math.max(earliest, sStart);
      if (at < sEnd) return new Date(at);
    }
  }
  throw invalid('bad_calling_window', 'no calling slot within 14 days');
}
