/** SLA working-time calendar, time limits and deadlines (Asia/Shanghai). */
export { WorkCalendar, type WorkCalendarOptions, type CalendarCoverage, type SlaCalendar } from './calendar.js';
export { parseCalendarOverrides, parseCalendarOverridesYaml, EMPTY_OVERRIDES, type CalendarOverrides } from './local-overrides.js';
export { chineseDaysHolidays, isWeekdayWorkday, type OfficialHolidays } from './official-holidays.js';
export { DEFAULT_WORKING_HOURS, parseHhmm, type WorkingHours, type WorkingPeriod } from './working-hours.js';
export { nextAllowedCallTime, isWithinCallingWindow, DEFAULT_CALLING_WINDOW, type CallingWindow, type CallingWindowOptions } from './calling-window.js';
export {
  DEFAULT_SLA_LIMITS,
  resolveSlaLimits,
  computeDeadlines,
  extendReply,
  type SlaLimits,
  type SlaLimitsOverride,
  type CategoryLimit,
  type UrgentLimit,
  type DeadlineInput,
} from './limits.js';
export { addDays, isValidDate } from './dates.js';
