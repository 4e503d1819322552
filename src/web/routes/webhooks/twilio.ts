/**
 * Twilio's webhooks: the voice call (`/twilio/voice` and the per-turn callbacks), the call
 * status, inbound SMS and an operator's own line (the provider's code, TwiML and the request
 * signature, stays in adapters/twilio). Every request must carry a valid X-Twilio-Signature over the public
 * URL Twilio called; anything else gets 403 before any state is touched. After that, nothing a
 * caller's provider sends may produce a 5xx: unknown calls and stale turns get a polite TwiML
 * answer, and replays get the answer they got the first time.
 */
import { stripBadDeep } from '../../../domain/text.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signatureValid } from '../../../../adapters/twilio/signature.js';
import type { Clock } from '../../../domain/clock.js';
import { AppError } from '../../../domain/errors.js';
import { isDatabaseDown } from '../../plugins/errors.js';
import { normalisePhone } from '../../../domain/phone.js';
import type { Turn } from '../../../application/ivr/instructions.js';
import type { DedupeStore, StateStore } from '../../../application/ports/misc.js';
import type { CallOutcome } from '../../../application/ports/voice.js';
import type { SmsInbox } from '../../../application/voice/sms-inbox.js';
import type { UserStore } from '../../../application/ports/users.js';
import { OFFICE_ROLES } from '../../../domain/policy.js';
import type { CallHandler, VoiceLogger } from '../../../application/ports/calls.js';
import type { OperatorQueue } from '../../../application/voice/operator-queue.js';
import { TWILIO_OUTBOUND_SCOPE, type TwilioOutboundRecord } from '../../../../adapters/twilio/client.js';
import { agentIdleTwiml, agentTwiml, connectingTwiml, emptyTwiml, inputFrom, renderTurn, sorryTwiml, waitTwiml, type CallbackKind } from '../../../../adapters/twilio/twiml.js';

export interface TwilioRouteDeps {
  voice: CallHandler;
  /** the waiting calls an operator's own line (`/twilio/agent`) takes */
  queue: Pick<OperatorQueue, 'waitingCalls' | 'answeredBy'>;
  inbox: SmsInbox | null;
  authToken: string;
  publicUrl: string;
  state: StateStore;
  dedupe: DedupeStore;
  clock: Clock;
  log: VoiceLogger;
  /** who may take calls on their own phone line (`/twilio/agent`) */
  users: Pick<UserStore, 'list' | 'byId'>;
}

type Params = Record<string, string | undefined>;

const SID_RE = /^[A-Z]{2}[0-9A-Za-z]{8,64}$/;
const FINAL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export function twilioRoutes(d: TwilioRouteDeps) {
  return async (app: FastifyInstance) => {
    await app.register(async (tw) => {
      tw.decorateRequest('twilioParams', null);
      tw.addHook('preHandler', (req, reply, done) => {
        const sig = req.headers['x-twilio-signature'];
        const params = formParams(req.body);
        if (d.authToken && typeof sig === 'string' && params !== null && signatureValid(d.authToken, sig, d.publicUrl + req.url, params)) {
          // Checked over the parameters as sent; NUL and lone surrogates go after (issue 19: a refusal would be retried).
          req.twilioParams = stripBadDeep(params);
          return done();
        }
        d.log.warn({ url: req.url.split('?')[0] }, 'Twilio webhook with a missing or wrong signature refused');
        reply.code(403).send({ error: { code: 'bad_signature', message: '签名无效' } });
      });

      tw.post('/twilio/voice', (req, reply) => safely(reply, d, () => onVoice(d, req)));
      for (const kind of ['gather', 'record', 'queue', 'dial'] as const) {
        tw.post(`/twilio/${kind}`, (req, reply) => safely(reply, d, () => onCallback(d, kind, req)));
      }
      tw.post('/twilio/wait', (req, reply) => safely(reply, d, async () => {
        const q = req.query as Params;
        const p = paramsOf(req);
        const limit = Number(q.limit);
        if (!Number.isFinite(limit)) return bad('limit');
        return twiml(waitTwiml(Number(p.QueueTime) || 0, limit, q.music || undefined));
      }));
      // Nobody is on the line for these: when the database is away they get a 503, which Twilio
      // retries (or sends to the fallback URL), rather than a 200 that would drop the message.
      tw.post('/twilio/status', (req, reply) => safely(reply, d, () => onStatus(d, req), { retryable: true }));
      tw.post('/twilio/sms', (req, reply) => safely(reply, d, () => onSms(d, req), { retryable: true }));
      // An operator's phone line: it calls the agent number and is bridged to the next waiting caller.
      tw.post('/twilio/agent', (req, reply) => safely(reply, d, () => onAgent(d, req)));
      tw.post('/twilio/agent/connect', (req, reply) => safely(reply, d, () => onAgentConnect(d, req)));
    });
  };
}

interface Answer {
  status: number;
  body: string;
  type: 'text/xml' | 'application/json';
}

const twiml = (body: string): Answer => ({ status: 200, body, type: 'text/xml' });
const bad = (field: string): Answer => ({ status: 400, type: 'application/json', body: JSON.stringify({ error: { code: 'bad_webhook', message: `缺少或错误的字段:${field}` } }) });

async function safely(reply: FastifyReply, d: TwilioRouteDeps, fn: () => Promise<Answer>, opts: { retryable?: boolean } = {}): Promise<FastifyReply> {
  let a: Answer;
  try {
    a = await fn();
  } catch (err) {
    const e = err as Error;
    if (opts.retryable && (isDatabaseDown(e) || (e instanceof AppError && e.kind === 'unavailable'))) {
      d.log.warn({ err: e.message }, 'Twilio webhook refused for now: service unavailable');
      return reply.code(503).header('retry-after', '5').type('application/json').send(JSON.stringify({ error: { code: 'unavailable', message: '服务暂时不可用,请稍后重试' } }));
    }
    // A caller is on the line: whatever broke, they hear an apology rather than Twilio's error message.
    if (!(e instanceof AppError) || e.kind === 'unavailable') d.log.error({ err: e.message }, 'Twilio webhook failed');
    a = twiml(sorryTwiml());
  }
  return reply.code(a.status).type(a.type).send(a.body);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the form parameters of a Twilio webhook whose signature was checked */
    twilioParams: Record<string, string> | null;
  }
}

/** Only reached after the preHandler accepted the signature over these parameters. */
const paramsOf = (req: FastifyRequest): Record<string, string> => req.twilioParams ?? {};

function formParams(body: unknown): Record<string, string> | null {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (typeof v !== 'string') return null;
    out[k] = v;
  }
  return out;
}

async function onVoice(d: TwilioRouteDeps, req: FastifyRequest): Promise<Answer> {
  const p = paramsOf(req);
  const callSid = p.CallSid;
  if (!callSid || !SID_RE.test(callSid)) return bad('CallSid');
  const oc = (req.query as Params).oc;
  const { runner } = d.voice;
  let info: Parameters<typeof runner.start>[0];
  if (oc) {
    const o = await d.state.get<TwilioOutboundRecord>(TWILIO_OUTBOUND_SCOPE, oc, d.clock.now());
    if (!o) return twiml(sorryTwiml());
    info = { callId: callSid, flow: o.flow, caller: p.From ?? '', called: normalisePhone(p.To ?? o.to), direction: 'outbound', vars: { ...o.vars, callRef: o.ref } };
  } else {
    if (!p.From) return bad('From');
    info = { callId: callSid, flow: d.voice.inboundFlow, caller: normalisePhone(p.From), called: p.To ?? '', direction: 'inbound' };
  }
  try {
    return twiml(renderTurn(await runner.start(info), d.publicUrl));
  } catch (err) {
    // The call is already past its first turn (a late retry): carry on where it is.
    if (err instanceof AppError && err.code === 'call_already_started') return current(d, callSid);
    throw err;
  }
}

async function onCallback(d: TwilioRouteDeps, kind: CallbackKind, req: FastifyRequest): Promise<Answer> {
  const q = req.query as Params;
  const p = paramsOf(req);
  const callSid = q.callSid;
  const turnId = Number(q.turn);
  if (!callSid || !SID_RE.test(callSid)) return bad('callSid');
  if (p.CallSid !== callSid) return bad('CallSid');
  if (!Number.isInteger(turnId) || turnId < 1) return bad('turn');
  const input = inputFrom(kind, p, q.empty === '1');
  if (kind === 'gather' && input.speech) d.voice.noteText(callSid, input.speech);
  try {
    return twiml(renderTurn(await d.voice.runner.resume(callSid, input, turnId), d.publicUrl));
  } catch (err) {
    if (err instanceof AppError && err.kind === 'not_found') return twiml(sorryTwiml());
    if (err instanceof AppError && err.code === 'ivr_stale_turn') return current(d, callSid);
    throw err;
  }
}

/** The reply of the call's latest turn, or a hangup when it is over. */
async function current(d: TwilioRouteDeps, callSid: string): Promise<Answer> {
  const s = await d.voice.runner.getSession(callSid);
  if (!s) return twiml(sorryTwiml());
  if (s.ended || !s.lastReply) {
    const end: Turn = { callId: callSid, turnId: s.turn, instructions: [{ kind: 'hangup' }], done: true };
    return twiml(renderTurn(end, d.publicUrl));
  }
  return twiml(renderTurn(s.lastReply.turn, d.publicUrl));
}

async function onStatus(d: TwilioRouteDeps, req: FastifyRequest): Promise<Answer> {
  const p = paramsOf(req);
  const callSid = p.CallSid;
  const status = p.CallStatus;
  if (!callSid || !SID_RE.test(callSid)) return bad('CallSid');
  if (!status) return bad('CallStatus');
  if (!FINAL_STATUSES.has(status)) return twiml(emptyTwiml());
  if (!(await d.dedupe.claim('twilio-status', `${callSid}:${status}`, d.clock.now()))) return twiml(emptyTwiml());
  const { runner } = d.voice;
  // The caller hung up while the flow waited for them (queue, gather): end the call there.
  await runner.hangup(callSid);
  const oc = (req.query as Params).oc;
  if (oc) {
    const o = await d.state.get<TwilioOutboundRecord>(TWILIO_OUTBOUND_SCOPE, oc, d.clock.now());
    if (!o) {
      d.log.warn({ callSid }, 'status of an unknown outbound call ignored');
      return twiml(emptyTwiml());
    }
    const session = await runner.getSession(callSid);
    const machine = /^(machine|fax)/.test(p.AnsweredBy ?? '');
    const outcome: CallOutcome['outcome'] = machine ? 'machine' : (status as CallOutcome['outcome']);
    d.voice.publishOutcome({ ref: o.ref, callId: callSid, outcome, result: session?.ended?.result ?? null, at: d.clock.now() });
  }
  return twiml(emptyTwiml());
}

async function onSms(d: TwilioRouteDeps, req: FastifyRequest): Promise<Answer> {
  const p = paramsOf(req);
  if (!p.MessageSid || !SID_RE.test(p.MessageSid)) return bad('MessageSid');
  if (!p.From) return bad('From');
  if (!d.inbox) return twiml(emptyTwiml());
  await d.inbox.receive({ id: p.MessageSid, from: p.From, to: p.To ?? '', text: p.Body ?? '', at: d.clock.now(), provider: 'twilio' });
  // Replies go out through the SMS sender (retried, logged), not as TwiML.
  return { status: 200, type: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' };
}

/**
 * An operator calls in from the phone on their user record: Twilio's queues are first in, first
 * out each, so the line dials the queue whose front caller comes first by the flow's priorities
 * (即办 before the rest), which is the order of the console's waiting list.
 */
async function onAgent(d: TwilioRouteDeps, req: FastifyRequest): Promise<Answer> {
  const from = normalisePhone(paramsOf(req).From ?? '');
  const operator = from ? (await d.users.list()).find((u) => OFFICE_ROLES.includes(u.role) && !u.disabled && u.phone && normalisePhone(u.phone) === from) : undefined;
  if (!operator) return twiml(sorryTwiml('此号码未登记为坐席电话，无法接听热线来电。'));
  const next = d.queue.waitingCalls()[0];
  if (!next) return twiml(agentIdleTwiml(`${d.publicUrl}/twilio/agent?idle=1`, (req.query as Params).idle !== '1'));
  return twiml(agentTwiml(next.queue, `${d.publicUrl}/twilio/agent/connect?operator=${encodeURIComponent(operator.id)}`));
}

/** `<Queue url>`: runs on the caller's leg as the bridge is made, and names the call taken. */
async function onAgentConnect(d: TwilioRouteDeps, req: FastifyRequest): Promise<Answer> {
  const callSid = paramsOf(req).CallSid;
  if (!callSid || !SID_RE.test(callSid)) return bad('CallSid');
  const id = (req.query as Params).operator;
  const operator = id ? await d.users.byId(id) : null;
  if (operator) d.queue.answeredBy(callSid, { id: operator.id, name: operator.displayName ?? operator.name });
  return twiml(connectingTwiml());
}
