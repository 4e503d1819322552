/**
 * The event contract: every bus topic, once, with the payload it carries. Publishers and
 * subscribers name a topic by its constant (`TOPIC.ticket`), never by a string, and the bus
 * types the payload from the map below, so no subscriber casts what it receives.
 *
 * On PostgreSQL the bus carries the payload as JSON to the other instances: a `Date` field arrives
 * there as an ISO string (subscribers that read one wrap it in `new Date(...)`).
 */
import type { RevokedCredentials } from '../auth.js';
import type { HandoverEvent, UndeliveredDoc } from '../conversation/wiring.js';
import type { HotspotAlert } from '../hotspots/service.js';
import type { Page } from '../paging/ports.js';
import type { SupervisionNotice } from '../supervision/service.js';
import type { OperatorScreenPop } from '../voice/screen-pop.js';
import type { OperatorCallEvent } from '../voice/operator-queue.js';
import type { CallOutcome } from './voice.js';

/** Every bus topic. */
export const TOPIC = {
  /** A ticket changed (subscribers: paging, follow-up, screens). */
  ticket: 'ticket',
  /** A page's progress (the console's paging board). */
  page: 'page',
  /** A unit's roster or contacts changed. */
  duty: 'duty',
  /** A 催办 / 督办 / 通报 notice for the console. */
  supervision: 'supervision',
  /** A hotspot alert was raised. */
  alert: 'alert',
  /** An operator's screen pop for a call. */
  screenPop: 'operator.screenpop',
  /** A call's state for the operator desk (queued, answered, left the queue...). */
  callState: 'operator.call',
  /**
   * Every inbound call, for the per-day call count of each caller ("repeat caller today" on the screen
   * pop): on PostgreSQL every instance hears every instance's calls. The caller travels as a hash of
   * the day and the number, not as the number.
   */
  callStarted: 'voice.call.started',
  /** How an outbound call ended (paging, 回访, 到场确认), normalised from the provider's callbacks. */
  callOutcome: 'call.outcome',
  /** A citizen on WeChat asked for 人工, or wrote again after asking. */
  handover: 'operator.handover',
  /** A notice that reached the citizen neither on WeChat nor by SMS. */
  undelivered: 'wechat.undelivered',
  /** Credentials stopped working (logout, revoked token, disabled user, password reset). */
  authRevoked: 'auth.revoked',
  /** The blocked-caller list changed (every instance drops its cached copy). */
  blockedCallers: 'voice.blocked-callers.changed',
  /** An SMS the simulator "sent" (demo, tests). */
  simSms: 'sim.sms',
} as const;

/** A ticket changed (`TOPIC.ticket`); the console reads it too: src/contracts/live.ts. */
export type { TicketChanged } from '../../contracts/live.js';
import type { TicketChanged } from '../../contracts/live.js';

/** A page's progress (`TOPIC.page`). */
export type PageChanged = Pick<Page, 'id' | 'ticketId' | 'ticketNumber' | 'unit' | 'status' | 'step' | 'attempt' | 'next' | 'ack'>;

/** A unit's roster (`version`, null when deleted) or contacts (`contacts`, their version) changed (`TOPIC.duty`). */
export type DutyChanged = { unit: string; version: number | null } | { unit: string; contacts: number };

/** `TOPIC.alert` */
export interface AlertRaised {
  type: 'hotspot';
  alert: HotspotAlert;
}

/** `TOPIC.callStarted`: `key` hashes the day and the caller's number. */
export interface CallStarted {
  key: string;
  day: string;
}

/** `TOPIC.blockedCallers` */
export interface BlockedCallersChanged {
  at: string;
}

/** `TOPIC.simSms`: an SMS of the simulated provider. */
export interface SimSms {
  id: string;
  to: string;
  text: string;
  ref?: string;
  /** ISO instant */
  at: string;
}

/** The payload of each topic. */
export interface EventPayloads {
  [TOPIC.ticket]: TicketChanged;
  [TOPIC.page]: PageChanged;
  [TOPIC.duty]: DutyChanged;
  [TOPIC.supervision]: SupervisionNotice;
  [TOPIC.alert]: AlertRaised;
  [TOPIC.screenPop]: OperatorScreenPop;
  [TOPIC.callState]: OperatorCallEvent;
  [TOPIC.callStarted]: CallStarted;
  [TOPIC.callOutcome]: CallOutcome;
  [TOPIC.handover]: HandoverEvent;
  [TOPIC.undelivered]: UndeliveredDoc;
  [TOPIC.authRevoked]: RevokedCredentials;
  [TOPIC.blockedCallers]: BlockedCallersChanged;
  [TOPIC.simSms]: SimSms;
}

export type Topic = keyof EventPayloads;

/**
 * In-process or cross-instance fan-out of live updates (screen pops, ticket changes, page progress),
 * typed by topic. The adapters (adapters/bus) move strings and JSON; this is the application's view.
 */
export interface EventBus {
  publish<K extends Topic>(topic: K, payload: EventPayloads[K]): void;
  subscribe<K extends Topic>(topic: K, fn: (payload: EventPayloads[K]) => void): () => void;
  /**
   * Called when events may have been missed: the cross-instance bus was down and listens again.
   * Screens fed by the bus re-read what they show. Returns the unsubscribe.
   */
  onMissedEvents(fn: () => void): () => void;
  /** 'local' (one process), or the cross-instance connection's state: 'listening', 'connecting', 'down', 'closed'. */
  linkState(): string;
}

/** A bus that drops everything (a replay, a one-off import). */
export const silentBus: EventBus = {
  publish: () => undefined,
  subscribe: () => () => undefined,
  onMissedEvents: () => () => undefined,
  linkState: () => 'local',
};
