/**
 * The operator queue: calls waiting for an operator, their screen pops and call-state messages on
 * the bus, and the per-day call count of each caller (the screen pop's "repeat caller today").
 * The call gateway tells it what happens to a call (started, queued, dequeued, ended); a
 * reconnecting console gets the waiting list again, and calls queued on other instances join it
 * through the bus.
 */
import { createHash } from 'node:crypto';
import { shanghaiParts, type Clock } from '../../domain/clock.js';
import { normalisePhone } from '../../domain/phone.js';
import type { CallProgressEvent } from '../ivr/ports.js';
import type { VoiceLogger } from '../ports/calls.js';
import { FAST_BUCKETS, HUMAN_BUCKETS, noMetrics, type MetricsPort } from '../ports/metrics.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { ClassifierPort } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import type { UserStore } from '../ports/users.js';
import { buildScreenPop, type OperatorScreenPop } from './screen-pop.js';

/** A queued call's progress; the console reads it too: src/contracts/live.ts. */
export type { OperatorCallEvent, OperatorCallState } from '../../contracts/live.js';
import type { OperatorCallEvent, OperatorCallState } from '../../contracts/live.js';


export interface OperatorQueueDeps {
  bus: EventBus;
  clock: Clock;
  ticketStore: TicketStore;
  classifier: ClassifierPort;
  log: VoiceLogger;
  /** how long a queued call stays listed when the provider never reports it leaving */
  waitingGraceSec?: number;
  /** operators by user name: a switch's queue agent is named after the operator's user */
  operators?: Pick<UserStore, 'byName'>;
  /** call queue length, waits and abandons, screen-pop latency */
  metrics?: MetricsPort;
}

interface Waiting {
  pop: OperatorScreenPop;
  expiresAt: number;
}

export class OperatorQueue {
  private readonly waiting = new Map<string, Waiting>();
  private readonly m: ReturnType<typeof queueMetrics>;
  private callDay = '';
  private readonly callCounts = new Map<string, number>();
  private readonly stopCounting: () => void;
  private stopFollowing: (() => void) | null = null;

  constructor(private readonly d: OperatorQueueDeps) {
    // Counted when the bus delivers the call, on every instance alike (this one's calls too).
    this.stopCounting = d.bus.subscribe(TOPIC.callStarted, (c) => {
      if (typeof c?.key === 'string' && typeof c.day === 'string') this.countCall(c.key, c.day);
    });
    this.m = queueMetrics(d.metrics ?? noMetrics, this);
  }

  /** Starts following the calls queued on other instances. */
  start(): void {
    this.stopFollowing ??= this.followOtherInstances();
  }

  stop(): void {
    this.stopCounting();
    this.stopFollowing?.();
    this.stopFollowing = null;
  }

  /** Calls queued for an operator and not yet answered or gone, oldest first (by priority). */
  waitingCalls(): OperatorScreenPop[] {
    const now = this.d.clock.now().getTime();
    for (const [id, w] of this.waiting) if (w.expiresAt <= now) this.waiting.delete(id);
    return [...this.waiting.values()].map((w) => w.pop).sort((a, b) => a.priority - b.priority || a.queuedAt.localeCompare(b.queuedAt));
  }

  /**
   * An operator's line was bridged to this call (the provider names the call it took from its
   * queue): it leaves the waiting list now, not when the conversation ends.
   */
  answeredBy(callId: string, operator: { id: string; name: string }): void {
    const w = this.waiting.get(callId);
    this.waiting.delete(callId);
    this.callState({ callId, caller: w?.pop.caller ?? '', state: 'answered', ...(w ? { queue: w.pop.queue } : {}), operator, at: this.d.clock.now().toISOString() });
  }

  /** A switch's queue bridged this call to its agent; the agent is named after the operator's user. */
  async agentAnswered(callId: string, agent: string): Promise<void> {
    const user = await this.d.operators?.byName(agent).catch(() => null);
    this.answeredBy(callId, user ? { id: user.id, name: user.displayName ?? user.name } : { id: `agent:${agent}`, name: agent });
  }

  // ---- what the call gateway reports ----------------------------------------------------------

  /** An inbound call began: counted on every instance (the repeat-caller hint). */
  started(e: Extract<CallProgressEvent, { kind: 'started' }>): void {
    if (e.direction !== 'inbound') return;
    const day = shanghaiParts(e.at).date;
    this.d.bus.publish(TOPIC.callStarted, { key: this.dayKey(e.caller, day), day });
  }

  /** The call joined an operator queue: its screen pop goes out, with what the caller said so far. */
  async queued(e: Extract<CallProgressEvent, { kind: 'queued' }>, said: string, queueLimitSec: number): Promise<void> {
    const caller = e.screenPop.caller;
    const pop = await buildScreenPop({ ticketStore: this.d.ticketStore, classifier: this.d.classifier, clock: this.d.clock }, e.screenPop, said, this.callsToday(caller, e.at));
    const expiresAt = e.at.getTime() + (queueLimitSec + (this.d.waitingGraceSec ?? 120)) * 1000;
    pop.expiresAt = new Date(expiresAt).toISOString();
    this.waiting.set(e.callId, { pop, expiresAt });
    this.d.bus.publish(TOPIC.screenPop, pop);
    // From the call joining the queue to its pop on the desks (the caller's record read meanwhile).
    this.m.screenPop.observe({}, Math.max(0, this.d.clock.now().getTime() - e.at.getTime()) / 1000);
    this.callState({ callId: e.callId, caller, state: 'queued', queue: pop.queue, at: e.at.toISOString() });
  }

  dequeued(e: Extract<CallProgressEvent, { kind: 'dequeued' }>): void {
    const w = this.waiting.get(e.callId);
    this.waiting.delete(e.callId);
    const state: OperatorCallState = e.result === 'bridged' ? 'answered' : e.result === 'hangup' ? 'abandoned' : 'left_queue';
    if (typeof e.waitedSec === 'number') this.m.waits.observe({ result: state }, e.waitedSec);
    if (state === 'abandoned') this.m.abandoned.inc();
    this.callState({ callId: e.callId, caller: w?.pop.caller ?? '', state, queue: e.queue, result: e.result, waitedSec: e.waitedSec, at: e.at.toISOString() });
  }

  ended(e: Extract<CallProgressEvent, { kind: 'ended' }>): void {
    const at = e.at.toISOString();
    const w = this.waiting.get(e.callId);
    this.waiting.delete(e.callId);
    if (w) {
      this.m.abandoned.inc();
      this.callState({ callId: e.callId, caller: w.pop.caller, state: 'abandoned', queue: w.pop.queue, at });
    }
    this.callState({ callId: e.callId, caller: w?.pop.caller ?? '', state: 'hungup', result: e.result, at });
  }

  // ---- inside ---------------------------------------------------------------------------------

  /**
   * Calls queued on other instances (their screen pops and call states come over the bus) join
   * this instance's waiting list, so an operator connected here sees every waiting call.
   */
  private followOtherInstances(): () => void {
    const offPops = this.d.bus.subscribe(TOPIC.screenPop, (pop) => {
      if (!pop || typeof pop.callId !== 'string' || typeof pop.queuedAt !== 'string' || this.waiting.has(pop.callId)) return;
      const expiresAt = Date.parse(pop.expiresAt ?? '');
      if (!Number.isFinite(expiresAt)) return;
      this.waiting.set(pop.callId, { pop, expiresAt });
    });
    const offStates = this.d.bus.subscribe(TOPIC.callState, (ev) => {
      if (ev && typeof ev.callId === 'string' && ev.state !== 'queued') this.waiting.delete(ev.callId);
    });
    return () => {
      offPops();
      offStates();
    };
  }

  private callState(ev: OperatorCallEvent): void {
    this.d.bus.publish(TOPIC.callState, ev);
  }

  private dayKey(caller: string, day: string): string {
    return createHash('sha256').update(`${day}:${normalisePhone(caller)}`).digest('base64url').slice(0, 22);
  }

  /**
   * Calls per caller today, counted in memory: two database writes on every new call cost more
   * than the hint is worth, and a restart only makes the repeat-caller flag miss earlier calls
   * (tickets of today still count).
   */
  private countCall(key: string, day: string): void {
    if (this.callDay !== day) {
      if (day < this.callDay) return; // a late message about yesterday
      this.callDay = day;
      this.callCounts.clear();
    }
    this.callCounts.set(key, (this.callCounts.get(key) ?? 0) + 1);
  }

  private callsToday(caller: string, at: Date): number {
    const day = shanghaiParts(at).date;
    return day === this.callDay ? (this.callCounts.get(this.dayKey(caller, day)) ?? 0) : 0;
  }
}

/** The queue's metrics (names in README "Metrics"). */
function queueMetrics(m: MetricsPort, q: { waitingCalls(): unknown[] }) {
  m.gauge('suban_call_queue_length', 'calls waiting for an operator (this instance sees every instance\'s: take the max)', () => q.waitingCalls().length);
  return {
    waits: m.histogram('suban_call_queue_wait_seconds', 'how long calls waited in the operator queue, by how they left it (answered, abandoned, left_queue)', ['result'], HUMAN_BUCKETS),
    abandoned: m.counter('suban_call_queue_abandoned_total', 'callers who hung up while waiting for an operator'),
    screenPop: m.histogram('suban_screen_pop_seconds', 'from a call joining the operator queue to its screen pop going out', [], FAST_BUCKETS),
  };
}
