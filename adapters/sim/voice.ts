/**
 * The simulated phone provider of the demo and the end-to-end tests. It drives the same IVR
 * runner a real provider does: an inbound call presses scripted keys and "says" a text (used as
 * the speech result and as the transcript of every recording); outbound calls are answered from a
 * per-number script and end with a CallOutcome on the bus, exactly like Twilio or FreeSWITCH.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../src/domain/clock.js';
import { invalid, notFound } from '../../src/domain/errors.js';
import { isPhoneNumber, normalisePhone } from '../../src/domain/phone.js';
import type { CallInput, Instruction, Turn } from '../../src/application/ivr/instructions.js';
import { formatIvrPath } from '../../src/application/ivr/runner.js';
import type { CallOutcome, OutboundCall } from '../../src/application/ports/voice.js';
import type { OperatorScreenPop } from '../../src/application/voice/screen-pop.js';
import type { SmsInbox } from '../../src/application/voice/sms-inbox.js';
import type { VoiceLogger, VoiceProvider, VoiceService } from '../../src/application/voice/voice-service.js';
import type { SimSmsSender } from './sms.js';
import type { EventBus } from '../../src/application/ports/misc.js';
import { SCREEN_POP_TOPIC } from '../../src/application/voice/voice-service.js';
import { Type } from 'typebox';
import { errors } from '../../src/web/schemas/common.js';

/** The OpenAPI entry of a simulator route: its id, what it does, the errors it answers. */
const doc = (operationId: string, summary: string, ...codes: number[]) => ({ operationId, summary, tags: ['sim'], response: errors(...codes) });
/** doc() with the route's own parameters, body and success answers. */
const docWith = (base: ReturnType<typeof doc>, extra: { params?: unknown; body?: unknown; ok: Record<number, unknown> }) => ({
  ...base,
  ...(extra.params ? { params: extra.params } : {}),
  ...(extra.body ? { body: extra.body } : {}),
  response: { ...extra.ok, ...base.response },
});
// The simulator's wire shapes. Records are the simulator's own (SimCallRecord, sent SMS): documented, not re-validated.
const SimRecord = (description: string) => Type.Object({}, { additionalProperties: true, description });
const CallIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100, description: 'a callId from POST /api/v1/sim/calls or the outbox' }) });
const PlaceCallBody = Type.Object(
  {
    from: Type.Optional(Type.String({ maxLength: 40, description: 'the caller number (required)' })),
    press: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Array(Type.String({ maxLength: 20 }), { maxItems: 50 })], { description: 'keys at each menu: "1,2" or ["1","2"]' })),
    say: Type.Optional(Type.String({ maxLength: 2000, description: 'what the caller says where the flow listens' })),
    holdMs: Type.Optional(Type.Number({ description: 'wait up to this long (max 120000) for an operator before playing on; the answer is then 202' })),
  },
  { additionalProperties: false },
);
const SmsBody = Type.Object({ from: Type.Optional(Type.String({ maxLength: 40, description: 'sender (required)' })), text: Type.Optional(Type.String({ maxLength: 2000, description: 'the SMS (required)' })) }, { additionalProperties: false });

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
const KEEP = 200;

export class SimVoiceProvider implements VoiceProvider {
  readonly name = 'sim';
  readonly calls: SimCallRecord[] = [];
  private readonly scripts = new Map<string, SimAnswerScript>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly holds = new Map<string, (r: 'bridged' | 'hangup') => void>();

  constructor(
    private readonly voice: VoiceService,
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
    if (this.calls.length > KEEP) this.calls.shift();
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

/**
 * `/api/v1/sim/*` for the demo console: the outbox (outbound calls, SMS), placing a call to the
 * hotline, answering a held call, and sending an SMS to the hotline. Operators and admins only.
 * A route exists only while its provider is the simulator: with real SMS (Twilio) an "inbound SMS"
 * typed by an operator would be a forged duty acknowledgement or 回访 answer, and with real voice a
 * simulated call a forged caller.
 */
export function simRoutes(deps: { sim: SimVoiceProvider | null; sms: SimSmsSender | null; inbox: SmsInbox | null; clock: Clock; bus?: EventBus }) {
  return async (app: FastifyInstance) => {
    const staff = app.requireAuth(['operator', 'supervisor', 'admin']);
    if (!deps.sim && !deps.sms) return;
    // The screen pops of simulated calls, by call, so `suban call` against a running server can
    // print what the desk was shown (bounded like the call list).
    const pops = new Map<string, OperatorScreenPop[]>();
    if (deps.sim && deps.bus) {
      const off = deps.bus.subscribe(SCREEN_POP_TOPIC, (p) => {
        const pop = p as OperatorScreenPop;
        if (!pop.callId?.startsWith('SIM-')) return;
        pops.set(pop.callId, [...(pops.get(pop.callId) ?? []), pop]);
        if (pops.size > KEEP) pops.delete(pops.keys().next().value!);
      });
      app.addHook('onClose', async () => off());
    }
    app.get('/api/v1/sim/outbox', { preValidation: staff, schema: docWith(doc('simOutbox', 'the simulator: outbound calls and SMS it sent (newest first, at most 100 each)', 401, 403), { ok: { 200: Type.Object({ calls: Type.Array(SimRecord('a simulated call')), sms: Type.Array(SimRecord('a sent SMS')) }) } }) }, async () => ({
      calls: [...(deps.sim?.calls ?? [])].reverse().slice(0, 100),
      sms: [...(deps.sms?.sent ?? [])].reverse().slice(0, 100),
    }));
    const sim = deps.sim;
    if (sim) {
      app.post<{ Body: { from?: string; press?: string[] | string; say?: string; holdMs?: number } }>('/api/v1/sim/calls', { preValidation: staff, schema: docWith(doc('simPlaceCall', 'the simulator: place a call to the hotline (201 with its record, or 202 with its callId while it waits holdMs for an operator)', 400, 401, 403), { body: PlaceCallBody, ok: { 201: SimRecord('the call record, played to its end'), 202: Type.Object({ accepted: Type.Boolean(), callId: Type.String() }) } }) }, async (req, reply) => {
        const b = req.body ?? {};
        if (typeof b.from !== 'string') throw invalid('from_required', '请填写来电号码');
        const press = typeof b.press === 'string' ? b.press.split(/[,\s]+/).filter(Boolean) : Array.isArray(b.press) ? b.press.map(String) : [];
        const holdMs = Math.max(0, Math.min(Number(b.holdMs) || 0, 120_000));
        const callId = `SIM-IN-${randomUUID()}`;
        // A held call waits for an operator: answer at once and let the call play out.
        const done = sim.placeInbound({ from: b.from, press, ...(b.say ? { say: String(b.say) } : {}), holdMs, callId });
        // placeInbound records the call before its first await: no record means the input was refused.
        if (holdMs > 0 && sim.calls.some((c) => c.callId === callId)) {
          done.catch(() => undefined);
          return reply.code(202).send({ accepted: true, callId });
        }
        return reply.code(201).send(await done);
      });
      // One call as it goes: its record, whether it waits for an operator now, the pops the desk got.
      app.get<{ Params: { id: string } }>('/api/v1/sim/calls/:id', { preValidation: staff, schema: docWith(doc('simGetCall', 'the simulator: one call as it goes (record, queued or not, the screen pops the desks got)', 401, 403, 404), { params: CallIdParams, ok: { 200: Type.Object({ call: SimRecord('the call record'), queued: Type.Boolean(), screenPops: Type.Array(SimRecord('a screen pop')) }) } }) }, async (req) => {
        const call = sim.calls.find((c) => c.callId === req.params.id);
        if (!call) throw notFound('sim_call', req.params.id);
        return { call, queued: sim.isQueued(call.callId), screenPops: pops.get(call.callId) ?? [] };
      });
      app.post<{ Params: { id: string } }>('/api/v1/sim/calls/:id/hangup', { preValidation: staff, schema: docWith(doc('simHangUp', 'the simulator: a queued caller hangs up', 401, 403, 404), { params: CallIdParams, ok: { 200: Type.Object({ hungUp: Type.Boolean() }) } }) }, async (req) => {
        if (!sim.abandonQueued(req.params.id)) throw notFound('queued_call', req.params.id);
        return { hungUp: true };
      });
      app.post<{ Params: { id: string } }>('/api/v1/sim/calls/:id/answer', { preValidation: staff, schema: docWith(doc('simAnswer', 'the simulator: an operator picks up a queued call', 401, 403, 404), { params: CallIdParams, ok: { 200: Type.Object({ answered: Type.Boolean() }) } }) }, async (req) => {
        if (!sim.answerQueued(req.params.id)) throw notFound('queued_call', req.params.id);
        return { answered: true };
      });
    }
    const inbox = deps.inbox;
    if (deps.sms && inbox) {
      app.post<{ Body: { from?: string; text?: string } }>('/api/v1/sim/sms', { preValidation: staff, schema: docWith(doc('simInboundSms', 'the simulator: an SMS to the hotline', 400, 401, 403), { body: SmsBody, ok: { 201: SimRecord('what the SMS inbox did with it (ticket, reply)') } }) }, async (req, reply) => {
        const b = req.body ?? {};
        if (typeof b.from !== 'string' || typeof b.text !== 'string') throw invalid('sms_fields', '请填写号码和短信内容');
        const out = await inbox.receive({ id: `SIM-SMS-${randomUUID()}`, from: b.from, to: '12345', text: b.text, at: deps.clock.now(), provider: 'sim' });
        return reply.code(201).send(out);
      });
    }
  };
}
