/**
 * The call gateway: between the telephony provider and the IVR. It owns the flow registry and the
 * IVR runner, keeps what callers said, places outbound calls through the provider it builds from
 * its factory, publishes how they ended, and tells the operator queue what happens to each call
 * (events of one call in order, so a screen pop never follows the message that the call left).
 */
import type { Clock } from '../../domain/clock.js';
import { AppError } from '../../domain/errors.js';
import type { CompiledFlow } from '../ivr/steps/index.js';
import type { CallProgressEvent, CallSessionStore, IvrAction } from '../ivr/ports.js';
import { FlowRegistry, type FlowLoadReport } from '../ivr/registry.js';
import type { FlowFiles } from '../ports/flow-files.js';
import { IvrRunner, type FlowSource } from '../ivr/runner.js';
import { formatFlowError } from '../ivr/validate.js';
import type { CallHandler, VoiceLogger, VoiceProvider, VoiceProviderFactory } from '../ports/calls.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { SmsSender } from '../ports/messaging.js';
import { countingFailures, noMetrics, providerErrors, type MetricsPort } from '../ports/metrics.js';
import type { StateStore } from '../ports/misc.js';
import type { CallOutcome, OutboundCall, VoiceDialer } from '../ports/voice.js';
import type { BlockedCallers } from './blocked-callers.js';
import type { OperatorQueue } from './operator-queue.js';
import { createIvrServices, type CallerTexts, type IvrServiceDeps } from './services.js';
import { StateCallSessionStore } from './session-store.js';

export interface CallGatewayDeps {
  /** the IVR flow files (ivr-flows/) */
  flowFiles: FlowFiles;
  bus: EventBus;
  clock: Clock;
  state: StateStore;
  tickets: IvrServiceDeps['tickets'];
  workCalendar: { isWorkingTime(at: Date): boolean };
  sms: SmsSender;
  log: VoiceLogger;
  /** every named flow action (assessSpeech, pageAck, recordFollowup, ...), complete at construction */
  actions: Readonly<Record<string, IvrAction>>;
  /** the block list the hotline flow's `callerBlocked` asks */
  blocked: Pick<BlockedCallers, 'isBlocked'>;
  /** screen pops, waiting calls, call states */
  queue: OperatorQueue;
  /** builds the provider over this gateway (null: no provider, outbound calls are refused) */
  provider: VoiceProviderFactory | null;
  sessions?: CallSessionStore;
  /** flow run for calls to the hotline number */
  inboundFlow?: string;
  ttsVoice?: string;
  /** the provider's failed calls (suban_provider_errors_total) */
  metrics?: MetricsPort;
}

export class CallGateway implements VoiceDialer, CallerTexts, CallHandler {
  readonly runner: IvrRunner;
  readonly registry: FlowRegistry;
  readonly inboundFlow: string;
  /** the provider as configured (`dialer` is it with its failures counted) */
  readonly activeProvider: VoiceProvider | null;
  private readonly dialer: VoiceProvider | null;
  private readonly texts = new Map<string, { all: string[]; byRecording: Map<string, string> }>();
  private readonly chains = new Map<string, Promise<void>>();
  private lastLoad = 0;
  private stopWatching: (() => void) | null = null;
  private started = false;

  constructor(private readonly d: CallGatewayDeps) {
    this.inboundFlow = d.inboundFlow ?? 'hotline';
    this.registry = new FlowRegistry(d.flowFiles, { actions: Object.keys(d.actions), onReport: (r) => this.logReport(r) });
    const flows: FlowSource = { get: (name) => this.flow(name) };
    this.runner = new IvrRunner({
      flows,
      sessions: d.sessions ?? new StateCallSessionStore(d.state, d.clock),
      services: createIvrServices({ tickets: d.tickets, workCalendar: d.workCalendar, sms: d.sms, actions: d.actions, texts: this, blocked: d.blocked }),
      clock: d.clock,
      listener: (e) => this.onProgress(e),
      ...(d.ttsVoice ? { voice: d.ttsVoice } : {}),
    });
    const provider = d.provider?.(this) ?? null;
    this.activeProvider = provider;
    this.dialer = provider && d.metrics ? countingFailures(provider, providerErrors(d.metrics ?? noMetrics), provider.name) : provider;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** Loads (and then watches) the flows and starts the provider. Broken flows are logged, never fatal. */
  async start(): Promise<FlowLoadReport> {
    const report = this.loadFlows();
    if (!this.started) {
      this.started = true;
      this.stopWatching = this.registry.watch();
      this.d.queue.start();
      await this.activeProvider?.start?.();
    }
    return report;
  }

  async stop(): Promise<void> {
    this.d.queue.stop();
    this.stopWatching?.();
    this.stopWatching = null;
    if (this.started) await this.activeProvider?.stop?.();
    this.started = false;
    await Promise.allSettled([...this.chains.values()]);
  }

  loadFlows(): FlowLoadReport {
    this.lastLoad = this.d.clock.now().getTime();
    return this.registry.load();
  }

  /** Loads lazily, and once more when a flow is missing (it may have been added since). */
  private flow(name: string): CompiledFlow | undefined {
    const f = this.registry.get(name);
    if (f) return f;
    if (this.lastLoad === 0 || this.d.clock.now().getTime() - this.lastLoad > 2_000) {
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
    if (!this.dialer) return Promise.reject(new AppError('unavailable', 'voice_unavailable', '语音服务未配置'));
    return this.dialer.placeCall(c);
  }

  /** Providers report how an outbound call ended; paging and follow-up listen on `call.outcome`. */
  publishOutcome(o: CallOutcome): void {
    this.d.bus.publish(TOPIC.callOutcome, o);
  }

  /** A switch's queue bridged this call to its agent. */
  agentAnswered(callId: string, agent: string): Promise<void> {
    return this.d.queue.agentAnswered(callId, agent);
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

  // ---- call progress --------------------------------------------------------------------------

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
    switch (e.kind) {
      case 'started':
        this.callStarted(e);
        return;
      case 'gathered':
        if (e.speech) this.noteText(e.callId, e.speech);
        return;
      case 'queued': {
        const session = await this.runner.getSession(e.callId);
        await this.d.queue.queued(e, this.textsOf(e.callId).join(' '), this.queueLimitSec(session?.flow, e.step));
        return;
      }
      case 'dequeued':
        this.d.queue.dequeued(e);
        return;
      case 'ended':
        this.d.queue.ended(e);
        this.texts.delete(e.callId);
        this.d.log.info({ callId: e.callId, flow: e.flow, result: e.result, reason: e.reason, ivrPath: e.ivrPath }, 'call ended');
        return;
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
    this.d.queue.started(e);
    this.d.log.info({ callId: e.callId, flow: e.flow, direction: e.direction }, 'call started');
  }

  private queueLimitSec(flow: string | undefined, step: string): number {
    const spec = flow ? this.registry.get(flow)?.def.steps.get(step) : undefined;
    return spec?.verb === 'queue' ? spec.timeLimitSec : 600;
  }
}
