/**
 * Rotation arithmetic: which turn of a rotation is running at an instant. Handoffs happen at a
 * local (Asia/Shanghai, UTC+8 without DST) clock time, so a day is always 24 h here.
 */
import { shanghaiInstant } from '../clock.js';
import { handoffMinutes, type Rotation } from './roster.js';

export type IsWorkday = (date: string) => boolean;

const DAY = 86_400_000;
/** A calendar without any working day for this long is misconfigured; stop rather than loop. */
const MAX_HOLD_DAYS = 3660;

export interface Shift {
  /** 0 for the first turn (order[0] at `start`), counting every handoff since */
  index: number;
  start: Date;
  /** the next handoff */
  end: Date;
}

const dateOf = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);

/**
 * The handoff instants of a rotation, in order, from the first one. `pass`: every period at the
 * handoff time. `hold`: a handoff due on a non-working day waits for the next working day at
 * the same clock time (several collapse into one), so the holder keeps the turn over holidays.
 */
export function* handoffs(rot: Rotation, isWorkday: IsWorkday, notBefore = -Infinity): Generator<{ index: number; at: number }> {
  const first = shanghaiInstant(rot.start, handoffMinutes(rot.handoff)).getTime();
  const step = rot.period === 'daily' ? DAY : 7 * DAY;
  if (rot.holidays === 'pass') {
    let k = notBefore > first ? Math.floor((notBefore - first) / step) : 0;
    for (;; k++) yield { index: k, at: first + k * step };
  }
  let index = 0;
  let last = first;
  yield { index, at: first };
  for (let k = 1; ; k++) {
    let at = first + k * step;
    let scanned = 0;
    while (!isWorkday(dateOf(at))) {
      at += DAY;
      if (++scanned > MAX_HOLD_DAYS) return;
    }
    if (at <= last) continue;
    last = at;
    yield { index: ++index, at };
  }
}

/** The turn running at `at`, or null before the rotation's first handoff. */
export function shiftAt(rot: Rotation, at: Date, isWorkday: IsWorkday): Shift | null {
  const t = at.getTime();
  let prev: { index: number; at: number } | null = null;
  for (const h of handoffs(rot, isWorkday, t)) {
    if (h.at > t) return prev ? { index: prev.index, start: new Date(prev.at), end: new Date(h.at) } : null;
    prev = h;
  }
  return null;
}

/** Handoff instants strictly inside (from, to). */
export function handoffsBetween(rot: Rotation, from: Date, to: Date, isWorkday: IsWorkday): Date[] {
  const out: Date[] = [];
  for (const h of handoffs(rot, isWorkday, from.getTime())) {
    if (h.at >= to.getTime()) break;
    if (h.at > from.getTime()) out.push(new Date(h.at));
  }
  return out;
}
