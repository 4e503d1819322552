/**
 * Voice intake: owns the IVR runner and the flow registry, turns call progress into operator
 * screen pops and call-state messages on the bus, keeps the calls still waiting for an operator
 * (a reconnecting console gets them again), and places outbound calls through the configured
 * provider.
 */
import { createHash } from 'node:crypto';
import { shanghaiParts, type Clock } from '../../domain/clock.js';
import { AppError } from '../../domain/errors.js';
import { normalisePhone } from '../../domain/phone.js';
import type { CompiledFlow } from '../ivr/steps/index.js';
import type { CallProgressEvent, CallSessionStore, IvrAction } from '../ivr/ports.js';
import { FlowRegistry, type FlowLoadReport } from '../ivr/registry.js';
import { IvrRunner, type FlowSource } from '../ivr/runner.js';
import { formatFlowError } from '../ivr/validate.js';
import type { SmsSender } from '../ports/messaging.js';
import type { EventBus } from '../ports/events.js';
import type { StateStore } from '../ports/misc.js';
import type { ClassifierPort } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import { CALL_OUTCOME_TOPIC, type CallOutcome, type OutboundCall, type VoiceDialer } from '../ports/voice.js';
import type { TicketService } from '../tickets/service.js';
import { buildScreenPop, type OperatorScreenPop } from './screen-pop.js';
import { countingFailures, FAST_BUCKETS, HUMAN_BUCKETS, noMetrics, providerErrors, type MetricsPort } from '../ports/metrics.js';
import { createIvrServices, type CallerTexts } from './services.js';
import { BlockedCallers } from './blocked-callers.js';
import type { UserStore } from '../ports/users.js';
import { StateCallSessionStore } from './session-store.js';

export const SCREEN_POP_TOPIC = 'operator.screenpop';
export const CALL_STATE_TOPIC = 'operator.call';
/**
 * Every inbound call, for the per-day call count of each caller ("repeat caller today" on the screen
 * pop): on PostgreSQL every instance hears every instance's calls. The caller travels as a hash of
 * the day and the number, not as the number.
 */
export const CALL_STARTED_TOPIC = 'voice.call.started';
export const HANDOVER_TOPIC = 'operator.handover';

/** A queued call's progress; the console reads it too: src/contracts/live.ts. */
export type { OperatorCallEvent, OperatorCallState } from '../../contracts/live.js';
import type { OperatorCallEvent, OperatorCallState } from '../../contracts/live.js';


/** A telephony provider: places calls and, for socket providers, listens for them. */
export interface VoiceProvider extends VoiceDialer {
  readonly name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface VoiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface VoiceServiceDeps {
  flowsDir: string;
  bus: EventBus;
  clock: Clock;
  state: StateStore;
  tickets: TicketService;
  ticketStore: TicketStore;
  classifier: ClassifierPort;
  workCalendar: { isWorkingTime(at: Date): boolean };
  sms: SmsSender;
  log: VoiceLogger;
  /** shared with other services, which add their flow actions at wiring time */
  actions?: Record<string, IvrAction>;
  sessions?: CallSessionStore;
  /** flow run for calls to the hotline number */
  inboundFlow?: string;
  ttsVoice?: string;
  /** how long a queued call stays listed when the provider never reports it leaving */
  waitingGraceSec?: number;
  /** the block list the hotline flow's `callerBlocked` asks (default: one over `state` and `bus`) */
  blocked?: BlockedCallers;
  /** operators by user name: a switch's queue agent is named after the operator's user */
  operators?: Pick<UserStore, 'byName'>;
  /** call queue length, waits and abandons, screen-pop latency, the provider's failed calls */
  metrics?: MetricsPort;
}

interface Waiting {
  pop: OperatorScreenPop;
  expiresAt: number;
}

export class VoiceService implements VoiceDialer, CallerTexts {
  readonly runner: IvrRunner;
  readonly registry: FlowRegistry;
  readonly actions: Record<string, IvrAction>;
  readonly inboundFlow: string;
  private provider: VoiceProvider | null = null;
  /** the provider as configured (`provider` is it with its failures counted) */
  private rawProvider: VoiceProvider | null = null;
  private readonly m: ReturnType<typeof voiceMetrics>;
  private readonly waiting = new Map<string, Waiting>();
  private readonly texts = new Map<string, { all: string[]; byRecording: Map<string, string> }>();
  private readonly chains = new Map<string, Promise<void>>();
  private lastLoad = 0;
  private stopWatching: (() => void) | null = null;
  private started = false;
  private callDay = '';
  private readonly callCounts = new Map<string, number>();
  private readonly stopCounting: () => void;

  constructor(private readonly d: VoiceServiceDeps) {
    // Counted when the bus delivers the call, on every instance alike (this one's calls too).
    this.stopCounting = d.bus.subscribe(CALL_STARTED_TOPIC, (m) => {
      const c = m as { key?: unknown; day?: unknown };
      if (typeof c?.key === 'string' && typeof c.day === 'string') this.countCall(c.key, c.day);
    });
    this.m = voiceMetrics(d.metrics ?? noMetrics, this);
    this.actions = d.actions ?? {};
    this.inboundFlow = d.inboundFlow ?? 'hotline';
    const actions = this.actions;
    this.registry = new FlowRegistry(d.flowsDir, {
      // read at every load: actions registered after construction count
      get actions() {
        return Object.keys(actions);
      },
      onReport: (r) => this.logReport(r),
    });
    const flows: FlowSource = { get: (name) => this.flow(name) };
    this.runner = new IvrRunner({
      flows,
      sessions: d.sessions ?? new StateCallSessionStore(d.state, d.clock),
      services: createIvrServices({ tickets: d.tickets, workCalendar: d.workCalendar, sms: d.sms, actions: this.actions, texts: this, blocked: d.blocked ?? new BlockedCallers({ state: d.state, clock: d.clock, bus: d.bus }) }),
      clock: d.clock,
      listener: (e) => this.onProgress(e),
      ...(d.ttsVoice ? { voice: d.ttsVoice } : {}),
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  setProvider(p: VoiceProvider): void {
    this.rawProvider = p;
    this.provider = this.d.metrics ? countingFailures(p, this.m.providerErrors, p.name) : p;
  }

  /** The configured provider (tests and health checks reach its details through it). */
  get activeProvider(): VoiceProvider | null {
    return this.rawProvider;
  }

  /** Loads (and then watches) the flows and starts the provider. Broken flows are logged, never fatal. */
  async start(): Promise<FlowLoadReport> {
    const report = this.loadFlows();
    if (!this.started) {
      this.started = true;
      const stopFlows = this.registry.watch();
      const stopFollowing = this.followOtherInstances();
      this.stopWatching = () => {
        stopFlows();
        stopFollowing();
      };
      await this.provider?.start?.();
    }
    return report;
  }

  async stop(): Promise<void> {
    this.stopCounting();
    this.stopWatching?.();
    this.stopWatching = null;
    if (this.started) await this.provider?.stop?.();
    this.started = false;
    await Promise.allSettled([...this.chains.values()]);
  }

  loadFlows(): FlowLoadReport {
    this.lastLoad = Date.now();
    return this.registry.load();
  }

  /** Loads lazily, and once more when a flow is missing (an action may have been registered since). */
  private flow(name: string): CompiledFlow | undefined {
    const f = this.registry.get(name);
    if (f) return f;
    if (this.lastLoad === 0 || Date.now() - this.lastLoad > 2_000) {
      this.loadFlows();
      return this.registry.get(name);
    }
    return undefined;
  }

  private logReport(r: FlowLoadReport): void {
    if (r.loaded.length) this.d.log.info({ flows: r.loaded }, 'IVR flows loaded');
    for (const e of r.errors) this.d.log.error({ flowError: formatFlowError(e) }, 'IVR flow is broken');
    if (r.keptLastGood.length) this.d.log.warn({ flows: r.keptLastGood }, 'broken IVR flows: the last good version stays in use');
    if (r.failed.length) this.d.log.error({ flows: r.failed }, 'IVR flows failed to load and are not served');
  }

  // ---- outbound -------------------------------------------------------------------------------

  placeCall(c: OutboundCall): Promise<{ callId: string }> {
    if (!this.provider) return Promise.reject(new AppError('unavailable', 'voice_unavailable', '语音服务未配置'));
    return this.provider.placeCall(c);
  }

  /** Providers report how an outbound call ended; paging and follow-up listen on `call.outcome`. */
  publishOutcome(o: CallOutcome): void {
    this.d.bus.publish(CALL_OUTCOME_TOPIC, o);
  }

  // ---- what the caller said -------------------------------------------------------------------

  /** Speech results and transcripts from a provider; used for ticket content and screen-pop drafts. */
  noteText(callId: string, text: string, recordingUrl?: string): void {
    const t = text.trim();
    if (!t) return;
    let e = this.texts.get(callId);
    if (!e) this.texts.set(callId, (e = { all: [], byRecording: new Map() }));
    if (!e.all.includes(t)) e.all.push(t);
    if (recordingUrl) e.byRecording.set(recordingUrl, t);
  }

  textsOf(callId: string, recordingUrl?: string): string[] {
    const e = this.texts.get(callId);
    if (!e) return [];
    const r = recordingUrl ? e.byRecording.get(recordingUrl) : undefined;
    return r ? [r] : [...e.all];
  }

  // ---- operators ------------------------------------------------------------------------------

  /** Calls queued for an operator and not yet answered or gone, oldest first. */
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

  waitingCalls(): OperatorScreenPop[] {
    const now = this.d.clock.now().getTime();
    for (const [id, w] of this.waiting) if (w.expiresAt <= now) this.waiting.delete(id);
    return [...this.waiting.values()].map((w) => w.pop).sort((a, b) => a.priority - b.priority || a.queuedAt.localeCompare(b.queuedAt));
  }

  /**
   * Calls queued on other instances (their screen pops and call states come over the bus) join
   * this instance's waiting list, so an operator connected here sees every waiting call.
   */
  private followOtherInstances(): () => void {
    const offPops = this.d.bus.subscribe(SCREEN_POP_TOPIC, (p) => {
      const pop = p as OperatorScreenPop;
      if (!pop || typeof pop.callId !== 'string' || typeof pop.queuedAt !== 'string' || this.waiting.has(pop.callId)) return;
      const expiresAt = Date.parse(pop.expiresAt ?? '');
      if (!Number.isFinite(expiresAt)) return;
      this.waiting.set(pop.callId, { pop, expiresAt });
    });
    const offStates = this.d.bus.subscribe(CALL_STATE_TOPIC, (e) => {
      const ev = e as OperatorCallEvent;
      if (ev && typeof ev.callId === 'string' && ev.state !== 'queued') this.waiting.delete(ev.callId);
    });
    return () => {
      offPops();
      offStates();
    };
  }

  /** Resolves once the screen pops and call states of events so far are published (tests, CLI). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.allSettled([...this.chains.values()]);
  }

  private onProgress(e: CallProgressEvent): void {
    // The start of a call needs no database: with nothing of that call still being handled it is
    // handled at once (one chain and its promises less on every new call).
    if (e.kind === 'started' && !this.chains.has(e.callId)) {
      try {
        this.callStarted(e);
      } catch (err) {
        this.d.log.warn({ callId: e.callId, kind: e.kind, err: (err as Error).message }, 'voice progress handling failed');
      }
      return;
    }
    // Screen pops need database reads; events of one call are handled in order so a pop is
    // never published after the message saying the call already left the queue.
    const prev = this.chains.get(e.callId) ?? Promise.resolve();
    const run = prev.then(() => this.handle(e)).catch((err: unknown) => this.d.log.warn({ callId: e.callId, kind: e.kind, err: (err as Error).message }, 'voice progress handling failed'));
    this.chains.set(e.callId, run);
    void run.then(() => {
      if (this.chains.get(e.callId) === run) this.chains.delete(e.callId);
    });
  }

  private async handle(e: CallProgressEvent): Promise<void> {
    const at = e.at.toISOString();
    switch (e.kind) {
      case 'started':
        this.callStarted(e);
        return;
      case 'gathered':
        if (e.speech) this.noteText(e.callId, e.speech);
        return;
      case 'queued': {
        const caller = e.screenPop.caller;
        const pop = await buildScreenPop(
          { ticketStore: this.d.ticketStore, classifier: this.d.classifier, clock: this.d.clock },
          e.screenPop,
          this.textsOf(e.callId).join(' '),
          this.callsToday(caller, e.at),
        );
        const session = await this.runner.getSession(e.callId);
        const limit = this.queueLimitSec(session?.flow, e.step);
        const expiresAt = e.at.getTime() + (limit + (this.d.waitingGraceSec ?? 120)) * 1000;
        pop.expiresAt = new Date(expiresAt).toISOString();
        this.waiting.set(e.callId, { pop, expiresAt });
        this.d.bus.publish(SCREEN_POP_TOPIC, pop);
        // From the call joining the queue to its pop on the desks (the caller's record read meanwhile).
        this.m.screenPop.observe({}, Math.max(0, this.d.clock.now().getTime() - e.at.getTime()) / 1000);
        this.callState({ callId: e.callId, caller, state: 'queued', queue: pop.queue, at });
        return;
      }
      case 'dequeued': {
        const w = this.waiting.get(e.callId);
        this.waiting.delete(e.callId);
        const state: OperatorCallState = e.result === 'bridged' ? 'answered' : e.result === 'hangup' ? 'abandoned' : 'left_queue';
        if (typeof e.waitedSec === 'number') this.m.waits.observe({ result: state }, e.waitedSec);
        if (state === 'abandoned') this.m.abandoned.inc();
        this.callState({ callId: e.callId, caller: w?.pop.caller ?? '', state, queue: e.queue, result: e.result, waitedSec: e.waitedSec, at });
        return;
      }
      case 'ended': {
        const w = this.waiting.get(e.callId);
        this.waiting.delete(e.callId);
        if (w) {
          this.m.abandoned.inc();
          this.callState({ callId: e.callId, caller: w.pop.caller, state: 'abandoned', queue: w.pop.queue, at });
        }
        this.callState({ callId: e.callId, caller: w?.pop.caller ?? '', state: 'hungup', result: e.result, at });
        this.texts.delete(e.callId);
        this.d.log.info({ callId: e.callId, flow: e.flow, result: e.result, reason: e.reason, ivrPath: e.ivrPath }, 'call ended');
        return;
      }
      case 'action':
      case 'sms':
        if (!e.ok) this.d.log.warn({ callId: e.callId, step: e.step, err: e.error }, `IVR ${e.kind} failed`);
        return;
      case 'error':
        this.d.log.error({ callId: e.callId, step: e.step, err: e.message }, 'IVR flow failed');
        return;
      default:
        return;
    }
  }

  private callStarted(e: Extract<CallProgressEvent, { kind: 'started' }>): void {
    if (e.direction === 'inbound') {
      const day = shanghaiParts(e.at).date;
      this.d.bus.publish(CALL_STARTED_TOPIC, { key: this.dayKey(e.caller, day), day });
    }
    this.d.log.info({ callId: e.callId, flow: e.flow, direction: e.direction }, 'call started');
  }

  private callState(ev: OperatorCallEvent): void {
    this.d.bus.publish(CALL_STATE_TOPIC, ev);
  }

  private queueLimitSec(flow: string | undefined, step: string): number {
    const spec = flow ? this.registry.get(flow)?.def.steps.get(step) : undefined;
    return spec?.verb === 'queue' ? spec.timeLimitSec : 600;
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

/** The voice service's metrics (names in README "Metrics"). */
function voiceMetrics(m: MetricsPort, v: { waitingCalls(): unknown[] }) {
  m.gauge('suban_call_queue_length', 'calls waiting for an operator (this instance sees every instance\'s: take the max)', () => v.waitingCalls().length);
  return {
    waits: m.histogram('suban_call_queue_wait_seconds', 'how long calls waited in the operator queue, by how they left it (answered, abandoned, left_queue)', ['result'], HUMAN_BUCKETS),
    abandoned: m.counter('suban_call_queue_abandoned_total', 'callers who hung up while waiting for an operator'),
    screenPop: m.histogram('suban_screen_pop_seconds', 'from a call joining the operator queue to its screen pop going out', [], FAST_BUCKETS),
    providerErrors: providerErrors(m),
  };
}
