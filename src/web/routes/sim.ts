/**
 * The simulated providers' console API (`/api/v1/sim/*`): the outbox, placing a call to the
 * hotline, answering or hanging up a held call, an SMS to the hotline. The simulator itself (the
 * phone and the SMS provider) is adapters/sim.
 */
import { randomUUID } from 'node:crypto';
import { OFFICE_ROLES } from '../../domain/policy.js';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Clock } from '../../domain/clock.js';
import { invalid, notFound } from '../../domain/errors.js';
import { TOPIC, type EventBus } from '../../application/ports/events.js';
import type { OperatorScreenPop } from '../../application/voice/screen-pop.js';
import type { SmsInbox } from '../../application/voice/sms-inbox.js';
import { SIM_KEEP, type SimVoiceProvider } from '../../../adapters/sim/voice.js';
import type { SimSmsSender } from '../../../adapters/sim/sms.js';
import { errors } from '../schemas/common.js';

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

/**
 * `/api/v1/sim/*` for the demo console: the outbox (outbound calls, SMS), placing a call to the
 * hotline, answering a held call, and sending an SMS to the hotline. Operators and admins only.
 * A route exists only while its provider is the simulator: with real SMS (Twilio) an "inbound SMS"
 * typed by an operator would be a forged duty acknowledgement or 回访 answer, and with real voice a
 * simulated call a forged caller.
 */
export function simRoutes(deps: { sim: SimVoiceProvider | null; sms: SimSmsSender | null; inbox: SmsInbox | null; clock: Clock; bus?: EventBus }) {
  return async (app: FastifyInstance) => {
    const staff = app.requireAuth([...OFFICE_ROLES]);
    if (!deps.sim && !deps.sms) return;
    // The screen pops of simulated calls, by call, so `suban call` against a running server can
    // print what the desk was shown (bounded like the call list).
    const pops = new Map<string, OperatorScreenPop[]>();
    if (deps.sim && deps.bus) {
      const off = deps.bus.subscribe(TOPIC.screenPop, (pop) => {
        if (!pop.callId?.startsWith('SIM-')) return;
        pops.set(pop.callId, [...(pops.get(pop.callId) ?? []), pop]);
        if (pops.size > SIM_KEEP) pops.delete(pops.keys().next().value!);
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
