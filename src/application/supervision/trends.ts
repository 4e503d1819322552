/**
 * 三率 over time (issue 20, item 8): 响应率, 办结率 and 满意率 per week or month, for the whole city or
 * one unit, and the places of the period (tickets by township, the located tickets as points).
 *
 * No formula of its own: each period's figures are computeKpis (src/domain/kpi) over that period with
 * the grouping the rates board uses (byUnit / wholeCity), so the current week or month equals what
 * /stats/rates shows for the same days. The running period ends with today (Shanghai), as the
 * board's period does, and deadlines are judged up to `now`.
 */
import { shanghaiInstant, shanghaiParts } from '../../domain/clock.js';
import { byTownship, byUnit, computeKpis, WHOLE_CITY, wholeCity, type GroupBy, type KpiConfig, type Ratio } from '../../domain/kpi/index.js';
import { addDays } from '../../domain/sla/dates.js';
import type { TicketEvent } from '../../domain/tickets/events.js';
import { applyEvent } from '../../domain/tickets/lifecycle.js';
import type { GeoPoint, Ticket } from '../../domain/tickets/ticket.js';
import type { PlacePoint, PlacesAnswer, TrendInterval, TrendPoint } from '../../contracts/stats.js';
import type { TicketStore } from '../ports/tickets.js';

export { TREND_INTERVALS, type TrendInterval, type TrendPoint, type PlacePoint } from '../../contracts/stats.js';

export interface TrendPeriod {
  /** `2026-W49`-like key: the first day for a week (`2026-11-30`), `2026-11` for a month */
  key: string;
  /** what the chart's axis shows: `11-30` (the Monday) or `2026-11` */
  label: string;
  from: Date;
  to: Date;
  /** the running period, ending with today */
  current: boolean;
}

const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();
const monthAdd = (month: string, n: number) => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
};

/** The last `count` weeks (Monday to Sunday) or calendar months up to today, oldest first; the last one ends with today. */
export function trendPeriods(interval: TrendInterval, count: number, now: Date): TrendPeriod[] {
  const today = shanghaiParts(now).date;
  const end = shanghaiInstant(addDays(today, 1));
  const out: TrendPeriod[] = [];
  if (interval === 'week') {
    const monday = addDays(today, -((weekday(today) + 6) % 7));
    for (let i = count - 1; i >= 0; i--) {
      const first = addDays(monday, -7 * i);
      const next = shanghaiInstant(addDays(first, 7));
      out.push({ key: first, label: first.slice(5), from: shanghaiInstant(first), to: i === 0 ? end : next, current: i === 0 });
    }
  } else {
    const month = today.slice(0, 7);
    for (let i = count - 1; i >= 0; i--) {
      const m = monthAdd(month, -i);
      out.push({ key: m, label: m, from: shanghaiInstant(`${m}-01`), to: i === 0 ? end : shanghaiInstant(`${monthAdd(m, 1)}-01`), current: i === 0 });
    }
  }
  return out;
}

const NO_RATIO: Ratio = { numerator: 0, denominator: 0, rate: null };

/**
 * The series: one point per period, the figures of `unit` (byUnit, as the board's unit rows) or of
 * the whole city (wholeCity). One read of the event log serves every period.
 */
export async function rateTrend(
  store: Pick<TicketStore, 'eventsForPeriod'>,
  opts: { interval: TrendInterval; count: number; unit: string | null; config: KpiConfig; now: Date },
): Promise<TrendPoint[]> {
  const periods = trendPeriods(opts.interval, opts.count, opts.now);
  const histories = [...(await store.eventsForPeriod(periods[0]!.from, periods[periods.length - 1]!.to)).values()];
  const groupBy: GroupBy = opts.unit ? byUnit : wholeCity;
  const key = opts.unit ?? WHOLE_CITY;
  return periods.map((p) => {
    const f = computeKpis(histories, { from: p.from, to: p.to }, { groupBy, config: opts.config, now: opts.now }).get(key);
    return {
      key: p.key,
      label: p.label,
      from: p.from.toISOString(),
      to: p.to.toISOString(),
      current: p.current,
      accepted: f?.accepted ?? 0,
      response: f?.response ?? NO_RATIO,
      closing: f?.closing ?? NO_RATIO,
      satisfaction: f ? { numerator: f.satisfaction.numerator, denominator: f.satisfaction.denominator, rate: f.satisfaction.rate } : NO_RATIO,
    };
  });
}

/** /stats/places without what the route adds (the period it read, the tiles setting). */
export type PlacesReport = Omit<PlacesAnswer, 'period' | 'tiles'>;

/**
 * Where the period's tickets are. `unit`: only what that unit has (a unit user sees its own tickets);
 * null: everything.
 */
export async function placesReport(
  store: Pick<TicketStore, 'eventsForPeriod'>,
  opts: { from: Date; to: Date; unit: string | null; config: KpiConfig; now: Date; maxPoints?: number },
): Promise<PlacesReport> {
  const histories = [...(await store.eventsForPeriod(opts.from, opts.to)).values()];
  const groupBy: GroupBy = opts.unit ? (s) => (s.unit === opts.unit ? byTownship(s) : null) : byTownship;
  const figures = computeKpis(histories, { from: opts.from, to: opts.to }, { groupBy, config: opts.config, now: opts.now });
  const townships = [...figures.values()]
    .filter((f) => f.accepted > 0)
    .map((f) => ({ township: f.key, accepted: f.accepted }))
    .sort((a, b) => b.accepted - a.accepted || a.township.localeCompare(b.township, 'zh'));
  const points: PlacePoint[] = [];
  let total = 0;
  for (const events of histories) {
    const created = events.find((e) => e.data.type === 'created');
    if (!created || created.at < opts.from || created.at >= opts.to) continue;
    const ticket = fold(events);
    if (!ticket || (opts.unit && ticket.unit !== opts.unit)) continue;
    total++;
    const loc: GeoPoint | null = ticket.location;
    if (!loc || points.length >= (opts.maxPoints ?? 5000)) continue;
    points.push({
      id: ticket.id,
      number: ticket.number,
      lat: loc.lat,
      lng: loc.lng,
      source: loc.source,
      township: ticket.township,
      place: ticket.place,
      category: ticket.category,
      channel: ticket.channel,
      state: ticket.state,
      unit: ticket.unit,
      createdAt: ticket.createdAt.toISOString(),
      summary: ticket.content.length > 40 ? `${ticket.content.slice(0, 40)}…` : ticket.content,
    });
  }
  points.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { townships, points, total };
}

/** The ticket as its events make it (the store's row is the same projection). */
function fold(events: readonly TicketEvent[]): Ticket | null {
  let t: Ticket | null = null;
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    try {
      t = applyEvent(t, e);
    } catch {
      return t;
    }
  }
  return t;
}
