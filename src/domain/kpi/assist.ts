/**
 * 三率 of 协办 parts and the 现场处置 figures (src/domain/tickets/assist.ts).
 *
 * A 协办 unit is judged on its own part, never on the ticket: its 响应率 counts the part's sign
 * deadline (met = signed by it; a part removed, or superseded by the lead's reply, before its deadline
 * is excused), its 办结率 the parts added in the period (closed = replied; on time = by the part's
 * reply deadline; a part superseded before its reply deadline leaves the cohort, one superseded after
 * it counts as not closed). These contributions carry `part: true`: only the per-unit breakdown counts
 * them, so the city's, townships' and channels' figures stay per ticket.
 *
 * 现场处置: for each unit that recorded an arrival in the period, the clock minutes from the moment it
 * got the matter (the dispatch to the lead unit, the 协办 part's addition — both page a 即办 at once)
 * to the arrival; and for each 即办 ticket a unit signed (its part, for a 协办 unit) in the period,
 * whether that unit's arrival was recorded by the period's end.
 */
import type { TicketEvent } from '../tickets/events.js';
import type { Ticket } from '../tickets/ticket.js';
import type { Contribution, Period } from './contributions.js';
import type { KpiSubject } from './group-by.js';

type Pending = { unit: string | null; part?: boolean; make: (s: KpiSubject) => Contribution };

interface PartEpisode {
  unit: string;
  addedAt: Date;
  signDeadline: Date;
  replyDeadline: Date;
  signedAt: Date | null;
  repliedAt: Date | null;
  /** removed or superseded: when it stopped being owed */
  endedAt: Date | null;
  removed: boolean;
}

const minutesBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 60_000;

/** The parts' and the on-site contributions of one ticket; `sorted` holds its events before the period's end, in order. */
export function assistContributions(sorted: readonly Pick<TicketEvent, 'at' | 'data'>[], ticket: Ticket, period: Period, judgedTo: number): Pending[] {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const inPeriod = (d: Date) => d.getTime() >= from && d.getTime() < to;
  const dueInPeriod = (d: Date) => d.getTime() >= from && d.getTime() < judgedTo;
  const out: Pending[] = [];
  const parts: PartEpisode[] = [];
  const open = (unit: string) => parts.find((p) => p.unit === unit && p.endedAt === null && p.repliedAt === null);
  /** when each unit got the matter: its latest dispatch (lead) or part (协办) before the arrival */
  const gotIt = new Map<string, Date>();
  /** when each unit signed, for the 即办 on-site cohort */
  const signedBy = new Map<string, Date>();
  let lead: string | null = null;

  for (const e of sorted) {
    const d = e.data;
    switch (d.type) {
      case 'dispatched':
        lead = d.unit;
        gotIt.set(d.unit, e.at);
        break;
      case 'signed':
        if (lead && !signedBy.has(lead)) signedBy.set(lead, e.at);
        break;
      case 'assist_added':
        parts.push({ unit: d.unit, addedAt: e.at, signDeadline: new Date(d.signDeadline), replyDeadline: new Date(d.replyDeadline), signedAt: null, repliedAt: null, endedAt: null, removed: false });
        gotIt.set(d.unit, e.at);
        break;
      case 'assist_signed': {
        const p = open(d.unit);
        if (p && !p.signedAt) {
          p.signedAt = e.at;
          if (!signedBy.has(d.unit)) signedBy.set(d.unit, e.at);
          if (inPeriod(e.at)) {
            const start = p.addedAt;
            out.push({ unit: d.unit, part: true, make: (subject) => ({ kind: 'signTime', subject, minutes: minutesBetween(start, e.at) }) });
          }
        }
        break;
      }
      case 'assist_replied': {
        const p = open(d.unit);
        if (p) {
          p.repliedAt = e.at;
          if (inPeriod(e.at)) {
            const start = p.addedAt;
            out.push({ unit: d.unit, part: true, make: (subject) => ({ kind: 'replyTime', subject, minutes: minutesBetween(start, e.at) }) });
          }
        }
        break;
      }
      case 'assist_removed': {
        const p = open(d.unit);
        if (p) {
          p.endedAt = e.at;
          p.removed = true;
        }
        break;
      }
      case 'replied':
        // The lead's reply closes the matter: open parts are superseded (主办已答复).
        for (const p of parts) if (p.endedAt === null && p.repliedAt === null) p.endedAt = e.at;
        break;
      case 'onsite_arrived': {
        const arrived = new Date(d.arrivedAt);
        const start = gotIt.get(d.unit);
        const isPart = d.unit !== lead;
        if (start && inPeriod(arrived)) out.push({ unit: d.unit, part: isPart, make: (subject) => ({ kind: 'arrival', subject, minutes: Math.max(0, minutesBetween(start, arrived)) }) });
        break;
      }
      default:
        break;
    }
  }

  for (const p of parts) {
    // 响应率 of the part: its sign deadline, unless it was taken off (or superseded) unsigned before it.
    const excused = p.signedAt === null && p.endedAt !== null && p.endedAt.getTime() <= p.signDeadline.getTime();
    if (!excused && dueInPeriod(p.signDeadline)) {
      const met = p.signedAt !== null && p.signedAt.getTime() <= p.signDeadline.getTime();
      out.push({ unit: p.unit, part: true, make: (subject) => ({ kind: 'sign', subject, met }) });
    }
    // 办结率 of the part: added in the period and not removed.
    if (!p.removed && inPeriod(p.addedAt)) {
      const supersededEarly = p.repliedAt === null && p.endedAt !== null && p.endedAt.getTime() <= p.replyDeadline.getTime();
      if (!supersededEarly) {
        const closed = p.repliedAt !== null;
        const onTime = closed && p.repliedAt!.getTime() <= p.replyDeadline.getTime();
        out.push({ unit: p.unit, part: true, make: (subject) => ({ kind: 'closing', subject, closed, onTime }) });
      }
    }
    if (p.endedAt === null && p.repliedAt === null && p.replyDeadline.getTime() < judgedTo) {
      out.push({ unit: p.unit, part: true, make: (subject) => ({ kind: 'overdueOpen', subject }) });
    }
  }

  // The share of 即办 tickets with an arrival recorded, per unit that signed (its part) in the period.
  if (ticket.urgent) {
    for (const [unit, at] of signedBy) {
      if (!inPeriod(at)) continue;
      const recorded = ticket.onSite.some((r) => r.unit === unit && r.arrivedAt !== null && new Date(r.arrivedAt).getTime() < to);
      out.push({ unit, part: unit !== ticket.unit, make: (subject) => ({ kind: 'onsiteRecorded', subject, recorded }) });
    }
  }
  return out;
}

/** The median of a list (null when empty). */
export function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
