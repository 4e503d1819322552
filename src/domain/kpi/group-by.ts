import type { Category, Channel } from '../tickets/ticket.js';

/**
 * What one figure is about: the ticket and the unit it is charged to. A ticket may charge different
 * units for different figures (a 重办 goes to the unit that replied; a missed sign deadline to the
 * unit that had to sign), so grouping happens per figure, not per ticket.
 */
export interface KpiSubject {
  ticketId: string;
  /** The unit charged, or null when no unit is (not yet dispatched, or waiting on the operator). */
  unit: string | null;
  township: string | null;
  channel: Channel;
  category: Category;
  urgent: boolean;
  /** A 协办 unit's own part (kpi/assist.ts): counted per unit only, not in the ticket-based breakdowns. */
  part?: boolean;
}

/** The group a figure belongs to; null leaves it out of this breakdown. */
export type GroupBy = (s: KpiSubject) => string | null;

/** Per responsible unit; figures charged to no unit are left out. */
export const byUnit: GroupBy = (s) => s.unit;
export const byTownship: GroupBy = (s) => (s.part ? null : s.township ?? '未填写乡镇');
export const byChannel: GroupBy = (s) => (s.part ? null : s.channel);
export const byCategory: GroupBy = (s) => (s.part ? null : s.category);
export const WHOLE_CITY = '全市';
/** Everything in one group, including figures charged to no unit (协办 parts are counted per unit only). */
export const wholeCity: GroupBy = (s) => (s.part ? null : WHOLE_CITY);
