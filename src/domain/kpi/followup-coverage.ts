/**
 * 回访 coverage: of the 回访 that came due in a period, how many reached the citizen and got an
 * answer. The plan asks for 100% of tickets with a phone or WeChat contact, so this figure sits on
 * the board beside the rates: a low one means citizens were not asked, whatever 满意率 says.
 *
 * A 回访 comes due when the citizen may hear the result: the unit's reply, or for a ticket whose
 * reply a managing department reviews, the approval. Each reply round (after a 重办) is due again.
 * Tickets without a contact and those whose citizen asked not to be called back are not due.
 */
import type { TicketEvent } from '../tickets/events.js';

export interface FollowupCoverage {
  key: string;
  /** 回访 that came due in the period (and not in the future) */
  due: number;
  /** answered by the citizen (any valid answer, 不满意 included) */
  followedUp: number;
  /** ended as 未回访 (no answer, no way to reach the citizen), or closed without one */
  unreached: number;
  /** still in progress */
  pending: number;
  /** followedUp / due; null when nothing was due */
  rate: number | null;
}

export interface CoveragePeriod {
  from: Date;
  to: Date;
}

/**
 * `now` caps the period: a reply that has not happened cannot be due. Grouped by the unit that
 * gave the reply, plus the whole city under `全市`.
 */
export function followupCoverage(histories: Iterable<TicketEvent[]>, period: CoveragePeriod, now: Date = period.to): Map<string, FollowupCoverage> {
  const end = Math.min(period.to.getTime(), now.getTime());
  const out = new Map<string, FollowupCoverage>();
  const row = (key: string) => {
    let r = out.get(key);
    if (!r) out.set(key, (r = { key, due: 0, followedUp: 0, unreached: 0, pending: 0, rate: null }));
    return r;
  };
  row('全市');
  for (const events of histories) {
    const created = events.find((e) => e.data.type === 'created');
    if (!created || created.data.type !== 'created') continue;
    if (created.data.noCallback || !created.data.contact) continue;
    const reviewed = !!created.data.reviewer;
    let unit: string | null = null;
    let open: { at: number; unit: string | null } | null = null;
    const rounds: { at: number; unit: string | null; outcome: 'followedUp' | 'unreached' | 'pending' }[] = [];
    const end_ = (outcome: 'followedUp' | 'unreached') => {
      if (open) rounds.push({ ...open, outcome });
      open = null;
    };
    for (const e of events) {
      const d = e.data;
      if (d.type === 'dispatched') unit = d.unit;
      else if ((d.type === 'replied' && !reviewed) || (d.type === 'review_decided' && d.approved)) {
        if (!open) open = { at: e.at.getTime(), unit };
      } else if (d.type === 'followed_up') end_(d.result.satisfaction === '未回访' ? 'unreached' : 'followedUp');
      else if (d.type === 'closed' || d.type === 'merged' || d.type === 'reopened') end_('unreached');
    }
    if (open) rounds.push({ ...(open as { at: number; unit: string | null }), outcome: 'pending' });
    for (const r of rounds) {
      if (r.at < period.from.getTime() || r.at >= end) continue;
      for (const key of ['全市', r.unit ?? '未派单']) {
        const c = row(key);
        c.due++;
        c[r.outcome]++;
      }
    }
  }
  for (const c of out.values()) c.rate = c.due ? c.followedUp / c.due : null;
  return out;
}
