import type { TicketEvent, TicketEventData } from '../../domain/tickets/events.js';
import type { Actor, Ticket, TicketState } from '../../domain/tickets/ticket.js';
import type { JobSpec } from './jobs.js';

export interface Change {
  at: Date;
  actor: Actor;
  /** channel or surface the change came through: api, console, phone, sms, wechat, system... */
  via: string;
}

/** What a decision about a ticket produces: its events, plus timers to set in the same transaction. */
export interface Decision {
  events: TicketEventData[];
  jobs?: JobSpec[];
  /** keys of pending jobs to cancel in the same transaction */
  cancelJobPrefixes?: string[];
  /** Timers that depend on the ticket after the events (its version, its deadlines). */
  timers?: (after: Ticket) => { jobs: JobSpec[]; cancel: string[] };
}

export interface TicketFilter {
  state?: TicketState[];
  unit?: string;
  channel?: string;
  urgent?: boolean;
  contact?: string;
  from?: Date;
  to?: Date;
  overdueAt?: Date;
  q?: string;
  /** tickets whose place is this, or whose text mentions it */
  place?: string;
  needsDispatch?: boolean;
  /** with `unit`: also the tickets that unit supports as 协办 */
  withAssists?: boolean;
  /** only tickets this unit supports as 协办 */
  assisting?: string;
  /** 网格员: tickets this grid worker has or reported */
  gridUser?: string;
  /** closed tickets chosen for the media centre */
  published?: boolean;
}

export type BriefTicket = Pick<Ticket, 'id' | 'number' | 'content' | 'contact' | 'place' | 'unit'>;

export interface TicketStore {
  /**
   * Create a ticket: allocates the day's next number, stores the events and jobs atomically.
   * With a sourceKey already used, returns the existing ticket and `created: false`.
   */
  create(input: Change & { id: string; sourceKey: string | null; decide: (number: string) => Decision; classification?: unknown; placeKey?: string | null }): Promise<{ ticket: Ticket; created: boolean; jobs?: JobSpec[] }>;
  /** Read-decide-write under a row lock: `decide` sees the current ticket; its events are checked against the lifecycle. */
  mutate(id: string, change: Change, decide: (t: Ticket) => Decision): Promise<{ ticket: Ticket; events: TicketEvent[]; jobs?: JobSpec[] }>;
  get(id: string): Promise<Ticket | null>;
  getByNumber(number: string): Promise<Ticket | null>;
  bySourceKey(key: string): Promise<Ticket | null>;
  classification(id: string): Promise<unknown>;
  events(id: string): Promise<TicketEvent[]>;
  list(filter: TicketFilter, page: { limit: number; cursor?: string | null }): Promise<{ items: Ticket[]; next: string | null }>;
  /** Every event of tickets created before `to`, grouped by ticket, for rates over any past period. */
  eventsForPeriod(from: Date, to: Date): Promise<Map<string, TicketEvent[]>>;
  countByState(): Promise<Record<string, number>>;
  /** The few fields 并单 suggestions compare, newest first: cheap enough to run on every intake. */
  /** Open tickets of a caller since a time, newest first (并单 candidates). */
  openByContact(contact: string, since: Date, limit: number): Promise<BriefTicket[]>;
  /** Open tickets whose classifier-extracted place is `placeKey` (and of `unit`, when given) since a time, newest first. */
  openByPlace(placeKey: string, unit: string | null, since: Date, limit: number): Promise<BriefTicket[]>;
}
