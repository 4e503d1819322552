import type { CallingWindow } from '../domain/sla/calling-window.js';
import { nextAllowedCallTime } from '../domain/sla/calling-window.js';
import type { WorkCalendar } from '../domain/sla/calendar.js';
import { computeDeadlines, extendReply, type SlaLimits } from '../domain/sla/limits.js';
import type { DeadlineCalendar } from './ports/routing.js';

/** The SLA calendar, the configured limits and the citizen calling window, as the services use them. */
export function deadlineCalendar(cal: WorkCalendar, limits: SlaLimits, window: CallingWindow): DeadlineCalendar {
  return {
    deadlines: (input) => computeDeadlines(cal, limits, input),
    extendReply: (replyBy, days) => extendReply(cal, replyBy, days),
    isWorkingTime: (at) => cal.isWorkingTime(at),
    nextCallTime: (at) => nextAllowedCallTime(at, window),
    nextWorkingDayEnd: (at) => cal.addWorkingDays(at, 1),
    workingDaysBetween: (a, b) => cal.workingDaysBetween(a, b),
  };
}
