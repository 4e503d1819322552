import { SHANGHAI_OFFSET_MS } from '../clock.js';
import { invalid } from '../errors.js';
import { CATEGORIES, type Category } from '../tickets/ticket.js';
import type { SlaCalendar } from './calendar.js';

/** Time limits of an ordinary ticket, counted in working time from dispatch (派单). */
export interface CategoryLimit {
  /** 签收: working minutes after dispatch (120 = 2 working hours). */
  signWorkingMinutes: number;
  /** 反馈: working days; ends at close of business of the Nth working day after the dispatch day. */
  replyWorkingDays: number;
}

/** 即办 (danger to life/property, production safety, likely public-opinion incident): clock time, any hour. */
export interface UrgentLimit {
  /** 签收 within this many clock minutes of dispatch, night or holiday alike. */
  signClockMinutes: number;
  /**
   * How "reply the same day" is read:
   *  - 'clock_hours': dispatch + `replyClockHours` clock hours (default 24), so a ticket at 23:00
   *    still gets a full day and one at 03:00 on a holiday is due 03:00 the next day;
   *  - 'end_of_day': 24:00 of the Shanghai calendar day of dispatch (strict; a ticket at 23:00
   *    gets one hour).
   */
  replyMode: 'clock_hours' | 'end_of_day';
  replyClockHours: number;
}

export interface SlaLimits {
  categories: Record<Category, CategoryLimit>;
  urgent: UrgentLimit;
}

/**
 * Defaults from common 12345 practice (shared/reference/hotline-practice.md). 表扬 (praise) is
 * forwarded to the unit and acknowledged to the citizen, an effort like a consultation, so it takes
 * the 咨询 limits.
 */
export const DEFAULT_SLA_LIMITS: SlaLimits = {
  categories: {
    咨询: { signWorkingMinutes: 120, replyWorkingDays: 3 },
    求助: { signWorkingMinutes: 120, replyWorkingDays: 10 },
    建议: { signWorkingMinutes: 120, replyWorkingDays: 10 },
    投诉: { signWorkingMinutes: 120, replyWorkingDays: 15 },
    举报: { signWorkingMinutes: 120, replyWorkingDays: 15 },
    表扬: { signWorkingMinutes: 120, replyWorkingDays: 3 },
  },
  urgent: { signClockMinutes: 30, replyMode: 'clock_hours', replyClockHours: 24 },
};

/** What a city's config may change; anything left out keeps the default. */
export interface SlaLimitsOverride {
  categories?: Partial<Record<Category, Partial<CategoryLimit>>>;
  urgent?: Partial<UrgentLimit>;
}

function positive(v: unknown, path: string, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw invalid('bad_sla_limit', `时限配置 ${path} 应为${integer ? '正整数' : '正数'}（当前 ${JSON.stringify(v)}）/ sla limit ${path} must be a positive ${integer ? 'whole number' : 'number'}`, { path, value: v });
  }
  return v;
}

/** Defaults merged with a city's overrides, every value checked (errors name the field). */
export function resolveSlaLimits(override: SlaLimitsOverride = {}, base: SlaLimits = DEFAULT_SLA_LIMITS): SlaLimits {
  const cats = override.categories ?? {};
  for (const k of Object.keys(cats)) {
    if (!(CATEGORIES as readonly string[]).includes(k)) throw invalid('bad_sla_limit', `时限配置中未知的类别 ${k} / unknown category ${k} in sla limits`, { path: `categories.${k}` });
  }
  const categories = {} as Record<Category, CategoryLimit>;
  for (const c of CATEGORIES) {
    const merged = { ...base.categories[c], ...cats[c] };
    categories[c] = {
      signWorkingMinutes: positive(merged.signWorkingMinutes, `categories.${c}.signWorkingMinutes`, false),
      replyWorkingDays: positive(merged.replyWorkingDays, `categories.${c}.replyWorkingDays`, true),
    };
  }
  const u = { ...base.urgent, ...override.urgent };
  if (u.replyMode !== 'clock_hours' && u.replyMode !== 'end_of_day') {
    throw invalid('bad_sla_limit', `时限配置 urgent.replyMode 应为 clock_hours 或 end_of_day / urgent.replyMode must be clock_hours or end_of_day`, { path: 'urgent.replyMode' });
  }
  return {
    categories,
    urgent: {
      signClockMinutes: positive(u.signClockMinutes, 'urgent.signClockMinutes', false),
      replyMode: u.replyMode,
      replyClockHours: positive(u.replyClockHours, 'urgent.replyClockHours', false),
    },
  };
}

export interface DeadlineInput {
  category: Category;
  /** 即办: clock-time limits instead of working time. */
  urgent: boolean;
  /** The dispatch (派单) instant; the clocks start here. */
  from: Date;
}

const DAY_MS = 86_400_000;

/** Sign and reply deadlines for a ticket dispatched at `from`. */
export function computeDeadlines(cal: SlaCalendar, limits: SlaLimits, input: DeadlineInput): { signBy: Date; replyBy: Date } {
  const { from } = input;
  if (input.urgent) {
    const u = limits.urgent;
    const signBy = new Date(from.getTime() + u.signClockMinutes * 60_000);
    const replyBy =
      u.replyMode === 'clock_hours'
        ? new Date(from.getTime() + u.replyClockHours * 3600_000)
        : new Date(Math.floor((from.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS + 1) * DAY_MS - SHANGHAI_OFFSET_MS);
    return { signBy, replyBy };
  }
  const limit = limits.categories[input.category];
  if (!limit) throw invalid('bad_category', `未知的类别 ${String(input.category)} / unknown category`);
  return {
    signBy: cal.addWorkingMinutes(from, limit.signWorkingMinutes),
    replyBy: cal.addWorkingDays(from, limit.replyWorkingDays),
  };
}

/**
 * The reply deadline after an approved 延期 of `days` working days: close of business of the Nth
 * working day after the day of the current deadline (a deadline Wed 17:30 + 5 → 5 working days
 * later, 17:30). A 即办 clock deadline is extended the same way: extensions are granted in days.
 */
export function extendReply(cal: SlaCalendar, replyBy: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 1) throw invalid('bad_extension', `延期天数须为正整数 / extension days must be a whole number >= 1 (got ${days})`);
  return cal.addWorkingDays(replyBy, days);
}
