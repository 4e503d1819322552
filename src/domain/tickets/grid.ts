/**
 * 网格员 (the plan §二.2: 发现、反馈、办理、跟踪) and the 热线办's choice of tickets for the media centre
 * (§二.5). Pure: what the grid and publication events do to a ticket.
 */
import type { TicketEventData } from './events.js';
import type { Ticket, TicketState } from './ticket.js';

/**
 * The grid worker a ticket is with: the one who reported it on patrol (`reporterId`), or the one a
 * township or the hotline office handed it to for an on-the-spot check or handling. `confirming`:
 * the unit replied and the 回访 waits for the grid worker's on-the-spot confirmation.
 */
export interface GridTask {
  workerId: string;
  workerName: string;
  township: string | null;
  /** the grid worker who found and reported the matter, when it came in through their form */
  reporterId: string | null;
  status: 'reported' | 'assigned' | 'checked' | 'confirming' | 'confirmed' | 'rejected' | 'lapsed';
  /** ISO instant of the last change */
  at: string;
}

export const GRID_STATUS_LABELS: Record<GridTask['status'], string> = {
  reported: '网格员上报',
  assigned: '已交网格员',
  checked: '网格员已反馈',
  confirming: '待网格员确认',
  confirmed: '网格员确认办结',
  rejected: '网格员确认未办好',
  lapsed: '确认超时',
};

/** A closed ticket the 热线办 chose for the 市融媒体中心's follow-up report. */
export interface Publication {
  headline: string | null;
  summary: string | null;
  /** ISO instant */
  at: string;
}

/** The grid task and publication after one event (called by applyEvent with the new state). */
export function gridAfter(t: Ticket, e: TicketEventData, state: TicketState, at: Date): Pick<Ticket, 'grid' | 'publication'> {
  let grid = t.grid ?? null;
  let publication = t.publication ?? null;
  const iso = at.toISOString();
  switch (e.type) {
    case 'created':
      grid = e.gridReporter ? { workerId: e.gridReporter.id, workerName: e.gridReporter.name, township: e.gridReporter.township, reporterId: e.gridReporter.id, status: 'reported', at: iso } : null;
      publication = null;
      break;
    case 'grid_assigned':
      grid = { workerId: e.workerId, workerName: e.workerName, township: e.township, reporterId: grid?.reporterId ?? null, status: 'assigned', at: iso };
      break;
    case 'grid_reported':
      if (grid) grid = { ...grid, status: 'checked', at: iso };
      break;
    case 'replied':
    case 'review_decided':
      // The unit's result waits for the grid worker's confirmation before the 回访.
      if (grid && state === 'replied') grid = { ...grid, status: 'confirming', at: iso };
      break;
    case 'grid_confirmed':
      if (grid) grid = { ...grid, status: e.ok ? 'confirmed' : 'rejected', at: iso };
      break;
    case 'grid_confirm_lapsed':
      if (grid) grid = { ...grid, status: 'lapsed', at: iso };
      break;
    case 'published':
      publication = { headline: e.headline ?? null, summary: e.summary ?? null, at: iso };
      break;
    case 'unpublished':
    case 'reopened':
      publication = null;
      break;
    default:
      break;
  }
  return { grid, publication };
}
