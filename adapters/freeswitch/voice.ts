/**
 * Wires FreeSWITCH to the IVR runner: every call FreeSWITCH hands to our outbound socket runs a
 * flow turn by turn through render.executeTurn; outbound calls are `originate`d over the inbound
 * ESL connection and land on the same socket server (`&socket(...)`), where the pending call's
 * flow is picked up by its uuid. Hangup causes become CallOutcomes on the bus.
 */
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Turn } from '../../src/application/ivr/instructions.js';
import type { CallOutcome, OutboundCall } from '../../src/application/ports/voice.js';
import type { CallHandler, VoiceLogger, VoiceProvider } from '../../src/application/ports/calls.js';
import { normalisePhone } from '../../src/domain/phone.js';
import type { Clock } from '../../src/domain/clock.js';
import { EslClient, type EslClientOptions } from './esl-client.js';
import { isCallHungUp } from './errors.js';
import type { OriginateFailureKind } from './originate.js';
import { OutboundServer, type CallChannel, type TtsConfig } from './outbound-server.js';
import { executeTurn, type AsrOptions, type RenderOptions } from './render.js';
import type { AsrResult } from './nlsml.js';
import type { RecordingTargets } from './recordings.js';

export interface FreeSwitchVoiceOptions {
  esl: Pick<EslClientOptions, 'host' | 'port' | 'password' | 'gateway' | 'reconnect'>;
  /** where our outbound-socket server listens; 0 picks a free port (tests) */
  outbound: { host?: string; port: number };
  /** host:port FreeSWITCH dials for originated calls (default the outbound server's) */
  socketTarget?: string;
  tts?: TtsConfig;
  render?: Partial<RenderOptions>;
  /** Upload or shared-directory recordings (see recordings.ts); without them a recording is a path on the switch. */
  recordings?: RecordingTargets;
  /** Upload mode: where the uploads land, to warn when one did not arrive. */
  recordingsStoreDir?: string;
  /** the hotline number outbound calls show */
  callerId?: string;
  /** Speech recognition (SUBAN_FS_ASR_ENGINE / SUBAN_FS_ASR_GRAMMAR); without an engine, gathers take keys only. */
  asr?: AsrOptions | null;
  clock: Clock;
  log: VoiceLogger;
}

interface Pending {
  call: OutboundCall;
  settled: boolean;
}

const OUTCOME_BY_KIND: Record<OriginateFailureKind, CallOutcome['outcome']> = {
  no_answer: 'no-answer',
  busy: 'busy',
  rejected: 'busy',
  invalid_number: 'failed',
  unreachable: 'failed',
  error: 'failed',
};

export class FreeSwitchVoiceProvider implements VoiceProvider {
  readonly name = 'freeswitch';
  readonly esl: EslClient;
  readonly server: OutboundServer;
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Set<Promise<void>>();
  private address: { host: string; port: number } | null = null;
  private recordings: { targets: RecordingTargets; storeDir?: string } | null = null;
  private asr: AsrOptions | null = null;
  private warnedNoAsr = false;

  constructor(
    private readonly voice: CallHandler,
    private readonly o: FreeSwitchVoiceOptions,
  ) {
    this.esl = new EslClient({ ...o.esl, events: ['CHANNEL_HANGUP'], logger: o.log });
    this.server = new OutboundServer({
      host: o.outbound.host ?? '127.0.0.1',
      port: o.outbound.port,
      onCall: (ch) => this.track(this.runCall(ch)),
      ...(o.tts ? { tts: o.tts } : {}),
      logger: o.log,
    });
    if (o.recordings) this.useRecordings(o.recordings, o.recordingsStoreDir);
    this.useAsr(o.asr ?? null);
  }

  /** The recognizer for speech gathers from now on; an empty engine turns speech off (keys only). */
  useAsr(asr: AsrOptions | null): void {
    this.asr = asr && asr.engine ? { engine: asr.engine, grammar: asr.grammar } : null;
  }

  /** Where recordings go (the composition root builds both ends of the signed URL from one RecordingTargets). */
  private useRecordings(targets: RecordingTargets | null, storeDir?: string): void {
    this.recordings = targets ? { targets, ...(storeDir ? { storeDir } : {}) } : null;
  }

  /** The outbound-socket server's address once started. */
  get listening(): { host: string; port: number } | null {
    return this.address;
  }

  async start(): Promise<void> {
    if (!this.asr) this.warnSpeechWithoutAsr(this.flowsAskingForSpeech());
    this.address = await this.server.listen();
    // A switch that is down or restarting must not stop the service: the client keeps retrying.
    this.esl.connect().catch((err: unknown) => this.o.log.error({ err: (err as Error).message }, 'FreeSWITCH event socket refused us'));
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.esl.close();
    await Promise.allSettled([...this.running]);
  }

  /** Resolves when the calls in progress have ended (tests). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
    await this.voice.idle();
  }

  async placeCall(c: OutboundCall): Promise<{ callId: string }> {
    const uuid = randomUUID();
    this.pending.set(uuid, { call: c, settled: false });
    const target = this.o.socketTarget ?? `${this.address?.host ?? '127.0.0.1'}:${this.address?.port ?? 8084}`;
    // originate answers only once the far end picks up (or fails): the outcome follows on the bus.
    const job = this.esl
      .originate({
        to: c.to,
        timeoutSec: c.timeoutSec ?? 30,
        ...(this.o.callerId ? { callerId: { number: this.o.callerId, name: '12345' } } : {}),
        vars: { origination_uuid: uuid, suban_ref: c.ref },
        app: { name: 'socket', arg: `${target} async full` },
      })
      .then((r) => {
        if (!r.ok) this.outcome(uuid, OUTCOME_BY_KIND[r.kind], null);
      })
      .catch((err: unknown) => {
        this.o.log.warn({ callId: uuid, err: (err as Error).message }, 'originate failed');
        this.outcome(uuid, 'failed', null);
      });
    this.track(job);
    return { callId: uuid };
  }

  private track(p: Promise<void>): Promise<void> {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
    return p;
  }

  private outcome(uuid: string, outcome: CallOutcome['outcome'], result: string | null): void {
    const p = this.pending.get(uuid);
    if (!p || p.settled) return;
    p.settled = true;
    this.pending.delete(uuid);
    this.voice.publishOutcome({ ref: p.call.ref, callId: uuid, outcome, result, at: this.o.clock.now() });
  }

  /**
   * mod_http_cache PUTs the file before `record` completes, so it is here by now unless the upload
   * failed (the ticket keeps the URL; the switch's log says why, e.g. "Received HTTP error").
   */
  private async checkUpload(callId: string, storeDir: string, url: string): Promise<void> {
    const name = url.slice(url.lastIndexOf('/') + 1);
    try {
      await access(join(storeDir, name));
    } catch {
      this.o.log.warn({ callId, recording: name }, 'FreeSWITCH recording upload did not arrive');
    }
  }

  /** `flow: step, step` for every gather of the loaded flows that allows speech. */
  private flowsAskingForSpeech(): string[] {
    const out: string[] = [];
    const { registry } = this.voice;
    for (const name of registry.names()) {
      const steps = [...(registry.get(name)?.def.steps.values() ?? [])].filter((s) => s.verb === 'gather' && s.speech).map((s) => s.id);
      if (steps.length) out.push(`${name}: ${steps.join(', ')}`);
    }
    return out;
  }

  /** Once per process: at start for the flows loaded then, or at the first call that meets such a gather. */
  private warnSpeechWithoutAsr(where: string[]): void {
    if (this.warnedNoAsr || where.length === 0) return;
    this.warnedNoAsr = true;
    this.o.log.warn({ flows: where }, 'IVR gathers allow speech but SUBAN_FS_ASR_ENGINE is empty: on FreeSWITCH they take keys only');
  }

  private async runCall(ch: CallChannel): Promise<void> {
    const callId = ch.info.uuid;
    const out = this.pending.get(callId);
    const { runner } = this.voice;
    const rec = this.recordings;
    let engineFailed = false;
    const render: RenderOptions = {
      recordingPath: (id, turn) => `/var/lib/freeswitch/recordings/suban/${id}-${turn}.wav`,
      ...(rec ? { recordingTarget: (id: string, turn: number, r: { maxLengthSec: number }) => rec.targets.target(id, turn, r.maxLengthSec) } : {}),
      ...(rec?.storeDir && rec.targets.settings.mode === 'upload' ? { recorded: (t: { url: string }) => this.checkUpload(callId, rec.storeDir!, t.url) } : {}),
      asr: this.asr,
      speechFallback: (why, detail) => {
        if (why === 'not_configured') this.warnSpeechWithoutAsr(this.flowsAskingForSpeech());
        else if (!engineFailed) {
          engineFailed = true;
          this.o.log.warn({ callId, response: detail }, 'FreeSWITCH speech recognition failed to start; this call takes keys only where it failed');
        }
      },
      agentBridged: (id, agent) => void this.voice.agentAnswered(id, agent),
      recognized: (r: AsrResult) => {
        // The words stay out of the log (they may hold names, addresses, phone numbers).
        if (r.kind === 'error' || r.kind === 'junk') this.o.log.warn({ callId, result: r.kind, ...(r.kind === 'error' ? { cause: r.cause } : { reason: r.reason }) }, 'FreeSWITCH speech result unusable; taken as no input');
      },
      ...this.o.render,
    };
    let turn: Turn;
    try {
      turn = await runner.start(
        out
          ? { callId, flow: out.call.flow, caller: this.o.callerId ?? '12345', called: normalisePhone(out.call.to), direction: 'outbound', vars: { ...out.call.vars, callRef: out.call.ref } }
          : { callId, flow: this.voice.inboundFlow, caller: normalisePhone(ch.info.callerNumber), called: ch.info.destinationNumber, direction: 'inbound' },
      );
      for (;;) {
        const input = await executeTurn(ch, turn, render);
        // As the Twilio webhook does: what the caller said reaches the screen pop and the ticket even when no branch took it.
        if (input.speech) this.voice.noteText(callId, input.speech);
        if (turn.done) break;
        turn = await runner.resume(callId, input, turn.turnId);
      }
    } catch (err) {
      if (!isCallHungUp(err)) this.o.log.warn({ callId, err: (err as Error).message }, 'FreeSWITCH call failed');
      await runner.hangup(callId, isCallHungUp(err) ? 'caller_hangup' : 'error');
    }
    if (out) {
      const s = await runner.getSession(callId);
      this.outcome(callId, 'completed', s?.ended?.result ?? null);
    }
  }
}
