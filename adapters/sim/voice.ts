/**
 * The simulated phone provider of the demo and the end-to-end tests. It drives the same IVR
 * runner a real provider does: an inbound call presses scripted keys and "says" a text (used as
 * the speech result and as the transcript of every recording); outbound calls are answered from a
 * per-number script and end with a CallOutcome on the bus, exactly like Twilio or FreeSWITCH.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../src/domain/clock.js';
import { invalid } from '../../src/domain/errors.js';
import { isPhoneNumber, normalisePhone } from '../../src/domain/phone.js';
import type { CallInput, Instruction, Turn } from '../../src/application/ivr/instructions.js';
import { formatIvrPath } from '../../src/application/ivr/runner.js';
import type { CallOutcome, OutboundCall } from '../../src/application/ports/voice.js';
import type { OperatorScreenPop } from '../../src/application/voice/screen-pop.js';
import type { CallHandler, VoiceLogger, VoiceProvider } from '../../src/application/ports/calls.js';

/** How the far end of an outbound call behaves. */
export interface SimAnswerScript {
  answer: 'answer' | 'no-answer' | 'busy' | 'machine' | 'failed';
  /** keys pressed at each menu, in order; '' = silence */
  press?: string[];
  say?: string;
}

export interface SimInboundCall {
  from: string;
  to?: string;
  /** keys pressed at each menu, in order; '' = silence. When they run out the caller stays silent. */
  press?: string[];
  /** what the caller says: speech result of every menu, transcript of every recording */
  say?: string;
  /** an operator queue: how it ends (default timeout: the simulator has no operators) */
  queue?: 'timeout' | 'bridged' | 'hangup';
  /** real milliseconds to stay queued before `queue` applies; answerQueued() ends it early */
  holdMs?: number;
  callId?: string;
}

export interface SimCallRecord {
  callId: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  flow: string;
  ref?: string;
  startedAt: string;
  endedAt: string | null;
  /** outbound: how the call ended for the dialer */
  outcome?: CallOutcome['outcome'];
  result: string | null;
  ivrPath: string;
  /** everything the caller heard, in order */
  heard: string[];
  ticketNumber: string | null;
}

export interface SimVoiceOptions {
  clock: Clock;
  log?: VoiceLogger;
  /** the hotline number outbound calls come from */
  from?: string;
  /** when a number has no script: answer and press 1 at each menu (acknowledge, 满意, 已解决) */
  defaultScript?: SimAnswerScript;
}

const MAX_TURNS = 40;
/** calls (and their screen pops) the simulator keeps */
export const SIM_KEEP = 200;

export class SimVoiceProvider implements VoiceProvider {
  readonly name = 'sim';
  readonly calls: SimCallRecord[] = [];
  private readonly scripts = new Map<string, SimAnswerScript>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly holds = new Map<string, (r: 'bridged' | 'hangup') => void>();

  constructor(
    private readonly voice: CallHandler,
    private readonly opts: SimVoiceOptions,
  ) {}

  /** How calls to `number` will be answered from now on. */
  script(number: string, s: SimAnswerScript): void {
    this.scripts.set(normalisePhone(number), s);
  }

  /** Resolves when every outbound call placed so far has ended and its outcome is published. */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
    await this.voice.idle();
  }

  async placeCall(c: OutboundCall): Promise<{ callId: string }> {
    const callId = `SIM-OUT-${randomUUID()}`;
    const run = this.runOutbound(callId, c).catch((err: unknown) => this.opts.log?.warn({ callId, err: (err as Error).message }, 'simulated outbound call failed'));
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
    return { callId };
  }

  /** Places a call to the hotline and plays it to the end. */
  async placeInbound(call: SimInboundCall): Promise<SimCallRecord> {
    const from = normalisePhone(call.from);
    if (!isPhoneNumber(from)) throw invalid('bad_number', `号码 ${call.from} 格式错误`);
    const callId = call.callId ?? `SIM-IN-${randomUUID()}`;
    const rec = this.newRecord({ callId, direction: 'inbound', from, to: call.to ?? '12345', flow: this.voice.inboundFlow });
    if (call.say) this.voice.noteText(callId, call.say);
    const presses = [...(call.press ?? [])];
    const first = await this.voice.runner.start({ callId, flow: rec.flow, caller: from, called: rec.to, direction: 'inbound' });
    await this.drive(rec, first, async (ins, turn) => {
      switch (ins.kind) {
        case 'gather':
          return { digits: presses.shift() ?? '', ...(call.say ? { speech: call.say } : {}) };
        case 'record': {
          if (!call.say) return { recordingDurationSec: 0 };
          const url = `sim://recordings/${callId}/${turn.turnId}.wav`;
          this.voice.noteText(callId, call.say, url);
          return { recordingUrl: url, recordingDurationSec: Math.max(3, Math.ceil(call.say.length / 4)) };
        }
        case 'queue':
          return { queueResult: await this.hold(callId, call, ins.timeLimitSec) };
        case 'dial':
          return { dialResult: 'no-answer' };
        default:
          return {};
      }
    });
    return rec;
  }

  /** An operator picks up a call the simulator holds in a queue (demo console). */
  answerQueued(callId: string): boolean {
    const done = this.holds.get(callId);
    done?.('bridged');
    return !!done;
  }

  /** Whether the call waits in a queue for an operator now. */
  isQueued(callId: string): boolean {
    return this.holds.has(callId);
  }

  /** The caller hangs up while queued. */
  abandonQueued(callId: string): boolean {
    const done = this.holds.get(callId);
    done?.('hangup');
    return !!done;
  }

  private hold(callId: string, call: SimInboundCall, limitSec: number): Promise<'timeout' | 'bridged' | 'hangup'> {
    const ms = Math.min(call.holdMs ?? 0, limitSec * 1000);
    if (ms <= 0) return Promise.resolve(call.queue ?? 'timeout');
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(call.queue ?? 'timeout'), ms);
      const finish = (r: 'timeout' | 'bridged' | 'hangup') => {
        clearTimeout(timer);
        this.holds.delete(callId);
        resolve(r);
      };
      this.holds.set(callId, finish);
    });
  }

  private async runOutbound(callId: string, c: OutboundCall): Promise<void> {
    const to = normalisePhone(c.to);
    const script = this.scripts.get(to) ?? this.opts.defaultScript ?? { answer: 'answer', press: ['1', '1'] };
    const rec = this.newRecord({ callId, direction: 'outbound', from: this.opts.from ?? '12345', to, flow: c.flow, ref: c.ref });
    this.opts.log?.info({ callId, flow: c.flow, ref: c.ref, answer: script.answer }, 'simulated outbound call');
    // Let the dialer store the callId before the outcome can arrive, as with a real provider.
    await new Promise((r) => setImmediate(r));
    if (script.answer !== 'answer') {
      const outcome = script.answer === 'no-answer' ? 'no-answer' : script.answer;
      this.finish(rec, outcome, null);
      return;
    }
    const presses = [...(script.press ?? [])];
    const first = await this.voice.runner.start({ callId, flow: c.flow, caller: rec.from, called: to, direction: 'outbound', vars: { ...c.vars, callRef: c.ref } });
    await this.drive(rec, first, async (ins) => {
      if (ins.kind === 'gather') return { digits: presses.shift() ?? '', ...(script.say ? { speech: script.say } : {}) };
      if (ins.kind === 'record') return script.say ? { recordingUrl: `sim://recordings/${callId}/reason.wav`, recordingDurationSec: 5 } : { recordingDurationSec: 0 };
      if (ins.kind === 'queue') return { queueResult: 'timeout' };
      if (ins.kind === 'dial') return { dialResult: 'no-answer' };
      return {};
    });
    this.finish(rec, 'completed', rec.result);
  }

  private async drive(rec: SimCallRecord, first: Turn, answer: (ins: Instruction, turn: Turn) => Promise<CallInput>): Promise<void> {
    const { runner } = this.voice;
    let turn = first;
    for (let n = 0; ; n++) {
      rec.heard.push(...heardIn(turn.instructions));
      if (turn.done) break;
      if (n >= MAX_TURNS) {
        await runner.hangup(rec.callId);
        break;
      }
      const input = await answer(turn.instructions.at(-1)!, turn);
      if (input.queueResult === 'hangup') {
        // the caller gave up in the queue: the provider reports the queue result, then the hangup
        turn = await runner.resume(rec.callId, input, turn.turnId);
        await runner.hangup(rec.callId);
        break;
      }
      turn = await runner.resume(rec.callId, input, turn.turnId);
    }
    const session = await runner.getSession(rec.callId);
    rec.endedAt = this.opts.clock.now().toISOString();
    rec.result = session?.ended?.result ?? null;
    rec.ivrPath = formatIvrPath(session?.path ?? []);
    const ticket = session?.vars.ticket as { number?: string } | undefined;
    rec.ticketNumber = ticket?.number ?? null;
    this.opts.log?.info({ callId: rec.callId, direction: rec.direction, result: rec.result, ivrPath: rec.ivrPath, ticket: rec.ticketNumber }, 'simulated call ended');
  }

  private finish(rec: SimCallRecord, outcome: CallOutcome['outcome'], result: string | null): void {
    rec.outcome = outcome;
    rec.result = result;
    rec.endedAt ??= this.opts.clock.now().toISOString();
    if (rec.ref) this.voice.publishOutcome({ ref: rec.ref, callId: rec.callId, outcome, result, at: this.opts.clock.now() });
  }

  private newRecord(r: Pick<SimCallRecord, 'callId' | 'direction' | 'from' | 'to' | 'flow'> & { ref?: string }): SimCallRecord {
    const rec: SimCallRecord = { ...r, startedAt: this.opts.clock.now().toISOString(), endedAt: null, result: null, ivrPath: '', heard: [], ticketNumber: null };
    this.calls.push(rec);
    if (this.calls.length > SIM_KEEP) this.calls.shift();
    return rec;
  }
}

function heardIn(instructions: readonly Instruction[]): string[] {
  return instructions.flatMap((i) => {
    if (i.kind === 'say') return [i.text];
    if (i.kind === 'play') return [`[${i.url}]`];
    if (i.kind === 'gather') return i.prompt.map((p) => (p.kind === 'say' ? p.text : `[${p.url}]`));
    return [];
  });
}

/** Everything a console needs to show an inbound call's result. */
export interface SimCallReport {
  call: SimCallRecord;
  screenPops: OperatorScreenPop[];
}
