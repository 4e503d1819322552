/** The one clock. Everything time-based takes a Clock so tests can drive time by hand. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to; for tests and the load simulation. */
export class FakeClock implements Clock {
  private t: number;
  constructor(start: Date | string | number) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: Date | string | number): void {
    this.t = new Date(at).getTime();
  }
  advance(ms: number): Date {
    this.t += ms;
    return this.now();
  }
}

/** Calendar date (YYYY-MM-DD) and clock time in Asia/Shanghai, which has no DST: UTC+8 always. */
export const SHANGHAI_OFFSET_MS = 8 * 3600_000;

export function shanghaiParts(at: Date): { date: string; minutes: number; weekday: number } {
  const local = new Date(at.getTime() + SHANGHAI_OFFSET_MS);
  const date = local.toISOString().slice(0, 10);
  return { date, minutes: local.getUTCHours() * 60 + local.getUTCMinutes(), weekday: local.getUTCDay() };
}

/** The instant at which a Shanghai local date + minutes-of-day happens. */
export function shanghaiInstant(date: string, minutes = 0): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS + minutes * 60_000);
}
