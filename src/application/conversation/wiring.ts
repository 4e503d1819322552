/**
 * The conversation engine's ports implemented over the service's own parts (ticket service,
 * state store, event bus). Both WeChat transports build their engine here, so a report made on
 * the bot and one made on the Official Account end in the same intake pipeline.
 *
 * Only narrow slices of the container are taken, so the composition root passes itself and
 * tests can pass a hand-made object.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import { AppError, forbidden } from '../../domain/errors.js';
import { maskContact } from '../../domain/phone.js';
import { geoPoint, STATE_LABELS, type Actor, type Attachment, type FollowUpResult, type Ticket } from '../../domain/tickets/ticket.js';
import type { TicketEventData } from '../../domain/tickets/events.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { LeaseStore, StateStore } from '../ports/misc.js';
import type { DeadlineCalendar } from '../ports/routing.js';
import type { IntakeRequest, IntakeResult } from '../tickets/service.js';
import type { AnswerService } from '../answers/service.js';
import { ConversationEngine, type ConversationEngineOptions } from './engine.js';
import type {
  ChatChannel,
  ChatInput,
  Classification,
  ConversationPorts,
  CreateTicketInput,
  FollowupAnswer,
  PendingFollowup,
  TranscriptLine,
} from './ports.js';
import { conversationStoreOver } from './store.js';

/** Anything that turns a citizen message into reply texts: the engine, as the transports see it. */
export interface ChatHandler {
  handle(input: ChatInput): Promise<string[]>;
}

/** What the wiring needs from the ticket service (TicketService satisfies it). */
export interface ConversationTickets {
  classify(text: string): Promise<Classification>;
  intake(req: IntakeRequest, by: Actor, via: string): Promise<IntakeResult>;
  getByNumber(number: string): Promise<Ticket | null>;
  apply(id: string, actor: Actor, via: string, decide: (t: Ticket, now: Date) => TicketEventData[]): Promise<Ticket>;
  followUpEvents(result: FollowUpResult, wrongUnit?: boolean, state?: Ticket['state']): TicketEventData[];
}

export interface WiringLog {
  warn(obj: object, msg: string): void;
}

/** The slice of the container the conversation needs; `Container` satisfies it. */
export interface ConversationDeps {
  tickets: ConversationTickets;
  state: StateStore;
  /**
   * Per-contact leases across instances (the database's). Without it a contact's messages are
   * serialised only inside one process: enough for one instance, not behind a load balancer.
   */
  leases?: LeaseStore;
  /** How long a contact's lease lasts (SUBAN_CONVERSATION_LEASE_MS); the serializer's default without it. */
  leaseTtlMs?: number;
  bus: EventBus;
  clock: Clock;
  calendar: Pick<DeadlineCalendar, 'deadlines'>;
  log?: WiringLog;
  /** 一次性答复 from the knowledge base (issue 24); without it every message goes on to a ticket. */
  answers?: Pick<AnswerService, 'confidentAnswer' | 'record' | 'enabled' | 'scheduleNoReply'>;
}

/** StateStore scopes other modules read (operator console, follow-up service). */
export const HANDOVER_SCOPE = 'handover';
export const FOLLOWUP_PENDING_SCOPE = 'followup-pending';

/** Notices that could reach the citizen neither on WeChat nor by SMS; an operator follows them up. */
export const UNDELIVERED_SCOPE = 'wechat-undelivered';

export interface UndeliveredDoc {
  channel: ChatChannel;
  contactId: string;
  texts: string[];
  reason: string;
  /** ISO instant */
  at: string;
  ref: string | null;
}

/** A citizen waiting for (or talking to) an operator; one per channel and contact. */
export interface HandoverDoc {
  channel: ChatChannel;
  contactId: string;
  /** ISO instant of the first 人工 request of this hand-over */
  since: string;
  updatedAt: string;
  transcript: TranscriptLine[];
}

/** A 人工 request or a relayed message (the console reads it: src/contracts/live.ts). */
export type { HandoverEvent } from '../../contracts/live.js';
import type { HandoverEvent } from '../../contracts/live.js';

/** Written by whoever sends a 回访 question to a chat; read when the citizen answers 1/2/3. */
export interface FollowupPendingDoc {
  ticketId: string;
  number: string;
  /** ISO instant */
  askedAt: string;
}

/**
 * The phone number a WeChat citizen left for the 回访 of one ticket (scope `callback-phone`, key
 * the ticket id). Kept out of the ticket's events, which units read: the ticket gets a note with
 * the number masked; the follow-up service reads the number here.
 */
export const CALLBACK_PHONE_SCOPE = 'callback-phone';

export interface CallbackPhoneDoc {
  phone: string;
  /** ISO instant */
  givenAt: string;
}

/** Long enough for the slowest reply limit, 延期 and a 重办 round. */
const CALLBACK_PHONE_TTL_MS = 365 * 24 * 3600_000;

export async function callbackPhoneOf(deps: Pick<ConversationDeps, 'state' | 'clock'>, ticketId: string): Promise<string | null> {
  return (await deps.state.get<CallbackPhoneDoc>(CALLBACK_PHONE_SCOPE, ticketId, deps.clock.now()))?.phone ?? null;
}

const HANDOVER_TTL_MS = 24 * 3600_000;
const HANDOVER_MAX_LINES = 200;
const DEFAULT_FOLLOWUP_TTL_MS = 7 * 24 * 3600_000;

const contactKey = (channel: ChatChannel, contactId: string) => `${channel}:${contactId}`;

/** RFC 5870 geo URI: keeps a shared WeChat location on the ticket, which has no coordinate field. */
export function geoAttachment(location: { lat: number; lng: number }, label: string | null): Attachment {
  return { kind: 'file', url: `geo:${location.lat},${location.lng}`, note: label ? `微信共享位置：${label}` : '微信共享位置' };
}

function transcriptNote(lines: TranscriptLine[]): string {
  const who = (l: TranscriptLine) => (l.from === 'citizen' ? '群众' : '机器人');
  return ['微信对话记录：', ...lines.map((l) => `[${l.at}] ${who(l)}：${l.text}`)].join('\n');
}

/** The engine's ports over the ticket service, the state store and the bus. */
export function conversationPorts(deps: ConversationDeps): ConversationPorts {
  const { tickets, state, bus, clock } = deps;

  return {
    async classify(text) {
      const c = await tickets.classify(text);
      return {
        unit: c.unit,
        category: c.category,
        urgent: c.urgent,
        urgentReasons: [...c.urgentReasons],
        township: c.township,
        place: c.place,
        confidence: c.confidence,
      };
    },

    async createTicket(input: CreateTicketInput) {
      const actor: Actor = { id: input.contactId, role: 'citizen', ...(input.contactName ? { name: input.contactName } : {}) };
      const attachments = [...input.attachments];
      if (input.location) attachments.push(geoAttachment(input.location, input.place));
      const { ticket, created } = await tickets.intake(
        {
          channel: input.channel,
          content: input.content,
          contact: input.contactId,
          contactName: input.contactName,
          category: input.category,
          urgent: input.urgent,
          // Left to intake, which sends low-confidence reports to the manual-dispatch queue.
          unit: null,
          township: input.township,
          place: input.place,
          location: input.location ? geoPoint(input.location.lat, input.location.lng, input.channel) : null,
          attachments,
          sourceKey: input.idempotencyKey,
          // The answer the bot gave and the citizen did not confirm: the operator sees what was tried.
          ...(input.triedAnswer ? { notes: [`微信机器人已答复（知识库《${input.triedAnswer.title}》），群众未确认解决：${input.triedAnswer.answer}`] } : {}),
        },
        actor,
        input.channel,
      );
      if (created && input.transcript.length > 0) {
        // The operator sees the questions and answers that led to the ticket; losing the note must
        // not lose the ticket, which is already stored.
        try {
          await tickets.apply(ticket.id, { id: 'system', role: 'system', name: '微信对话' }, input.channel, () => [{ type: 'note', text: transcriptNote(input.transcript) }]);
        } catch (err) {
          deps.log?.warn({ err: String(err), ticket: ticket.number }, 'could not attach the WeChat transcript');
        }
      }
      const replyBy = ticket.replyDeadline ?? deps.calendar.deadlines({ category: ticket.category, urgent: ticket.urgent, from: ticket.createdAt }).replyBy;
      return { number: ticket.number, replyBy };
    },

    async findAnswer(question, c, channel) {
      const a = deps.answers;
      if (!a?.enabled) return null;
      const hit = await a.confidentAnswer(question, { channel, category: c.category, urgent: c.urgent });
      return hit ? { entryId: hit.entryId, title: hit.title, answer: hit.answer, confidence: hit.confidence } : null;
    },

    async recordAnswered(input) {
      const a = deps.answers;
      if (!a) throw new AppError('unavailable', 'no_knowledge', 'knowledge base not wired');
      const actor: Actor = { id: input.contactId, role: 'citizen', ...(input.contactName ? { name: input.contactName } : {}) };
      const r = await a.record(
        { channel: input.channel, content: input.question, contact: input.contactId, contactName: input.contactName, sourceKey: input.idempotencyKey, answer: { entryId: input.answer.entryId, answer: input.answer.answer, solved: true, title: input.answer.title } },
        actor,
        input.channel,
      );
      return { number: r.ticket.number };
    },

    async scheduleNoReply(channel, contactId, conversationId) {
      await deps.answers?.scheduleNoReply({ channel, contactId, ref: conversationId });
    },

    async lookupTicket(number, contactId, channel) {
      const t = await tickets.getByNumber(number);
      if (!t || t.contact !== contactId || t.channel !== channel) return null;
      return { statusLabel: STATE_LABELS[t.state], latestReply: t.lastReply };
    },

    async setCallbackPhone(number, contactId, channel, phone) {
      const t = await tickets.getByNumber(number);
      if (!t || t.contact !== contactId || t.channel !== channel) return false;
      if (!phone) return true; // skipped: the 回访 stays in the chat
      const now = clock.now();
      const doc: CallbackPhoneDoc = { phone, givenAt: now.toISOString() };
      await state.put(CALLBACK_PHONE_SCOPE, t.id, doc, now, new Date(now.getTime() + CALLBACK_PHONE_TTL_MS));
      const actor: Actor = { id: contactId, role: 'citizen' };
      await tickets.apply(t.id, actor, channel, () => [{ type: 'note', text: `群众留下回访电话 ${maskContact(phone)}（仅用于回访，微信无法送达时电话或短信回访）` }]);
      return true;
    },

    async handToOperator(contactId, transcript, channel) {
      const now = clock.now();
      const key = contactKey(channel, contactId);
      const prev = await state.get<HandoverDoc>(HANDOVER_SCOPE, key, now);
      // A second 人工 after 取消 sends the whole transcript again: keep each line once.
      const seen = new Set((prev?.transcript ?? []).map((l) => `${l.at}|${l.from}|${l.text}`));
      const fresh = transcript.filter((l) => !seen.has(`${l.at}|${l.from}|${l.text}`));
      const doc: HandoverDoc = {
        channel,
        contactId,
        since: prev?.since ?? now.toISOString(),
        updatedAt: now.toISOString(),
        transcript: [...(prev?.transcript ?? []), ...fresh].slice(-HANDOVER_MAX_LINES),
      };
      await state.put(HANDOVER_SCOPE, key, doc, now, new Date(now.getTime() + HANDOVER_TTL_MS));
      const event: HandoverEvent = { channel, contactId, since: doc.since, first: !prev, lines: fresh };
      bus.publish(TOPIC.handover, event);
    },

    async pendingFollowup(contactId, channel): Promise<PendingFollowup | null> {
      const doc = await state.get<FollowupPendingDoc>(FOLLOWUP_PENDING_SCOPE, contactKey(channel, contactId), clock.now());
      return doc ? { ticketNumber: doc.number } : null;
    },

    async recordFollowup(answer: FollowupAnswer) {
      const key = contactKey(answer.channel, answer.contactId);
      const doc = await state.get<FollowupPendingDoc>(FOLLOWUP_PENDING_SCOPE, key, clock.now());
      if (!doc || doc.number !== answer.ticketNumber) return;
      const result: FollowUpResult = {
        // A bare 已解决/未解决 carries no rating; the answer itself is kept as the reason.
        satisfaction: answer.satisfaction ?? (answer.solved === false ? '不满意' : '满意'),
        ...(answer.solved !== undefined ? { solved: answer.solved } : {}),
        reason: `群众微信答复：${answer.answer}`,
        ...(answer.comment ? { comment: answer.comment } : {}),
        via: answer.channel,
      };
      const actor: Actor = { id: answer.contactId, role: 'citizen' };
      try {
        await tickets.apply(doc.ticketId, actor, answer.channel, (t) => {
          if (t.contact !== answer.contactId) throw forbidden();
          return tickets.followUpEvents(result, false, t.state);
        });
      } catch (err) {
        // Already followed up by phone, reopened or closed meanwhile: the answer no longer applies.
        if (!(err instanceof AppError) || (err.kind !== 'conflict' && err.kind !== 'forbidden' && err.kind !== 'invalid' && err.kind !== 'not_found')) throw err;
        deps.log?.warn({ ticket: doc.number, code: err.code }, 'WeChat follow-up answer not recorded');
      }
      await state.delete(FOLLOWUP_PENDING_SCOPE, key);
    },
  };
}

/**
 * One engine over the database-backed store; each transport builds one (or shares one). With
 * `deps.leases` a contact's message is handled by one instance at a time.
 */
export function createConversationEngine(deps: ConversationDeps, opts: Partial<Omit<ConversationEngineOptions, 'ports' | 'store' | 'clock'>> = {}): ConversationEngine {
  const lease = opts.lease ?? (deps.leases ? { store: deps.leases, ...(deps.leaseTtlMs ? { ttlMs: deps.leaseTtlMs } : {}) } : undefined);
  return new ConversationEngine({
    ...opts,
    ports: conversationPorts(deps),
    store: conversationStoreOver(deps.state, deps.clock),
    clock: deps.clock,
    ...(lease ? { lease } : {}),
  });
}

/**
 * Called by the follow-up service after it sent the 回访 question to a citizen's chat: the
 * citizen's next 1/2/3 or 已解决/未解决 is then recorded on this ticket.
 */
export async function markFollowupPending(
  deps: Pick<ConversationDeps, 'state' | 'clock'>,
  channel: ChatChannel,
  contactId: string,
  ticket: Pick<Ticket, 'id' | 'number'>,
  ttlMs = DEFAULT_FOLLOWUP_TTL_MS,
): Promise<void> {
  const now = deps.clock.now();
  const doc: FollowupPendingDoc = { ticketId: ticket.id, number: ticket.number, askedAt: now.toISOString() };
  await deps.state.put(FOLLOWUP_PENDING_SCOPE, contactKey(channel, contactId), doc, now, new Date(now.getTime() + ttlMs));
}

/** Hand-overs waiting in the operator console, oldest update first. */
export async function listHandovers(deps: Pick<ConversationDeps, 'state' | 'clock'>): Promise<HandoverDoc[]> {
  return (await deps.state.list<HandoverDoc>(HANDOVER_SCOPE, deps.clock.now())).map((r) => r.doc);
}

/** The operator took or finished the hand-over. */
export async function closeHandover(deps: Pick<ConversationDeps, 'state'>, channel: ChatChannel, contactId: string): Promise<void> {
  await deps.state.delete(HANDOVER_SCOPE, contactKey(channel, contactId));
}

const UNDELIVERED_TTL_MS = 30 * 24 * 3600_000;

/** Keeps a notice that could not be sent, so it is visible instead of silently lost. */
export async function recordUndelivered(
  deps: Pick<ConversationDeps, 'state' | 'clock' | 'bus'>,
  n: { channel: ChatChannel; contactId: string; texts: string[]; reason: string; ref?: string | null },
): Promise<UndeliveredDoc> {
  const now = deps.clock.now();
  const doc: UndeliveredDoc = { channel: n.channel, contactId: n.contactId, texts: [...n.texts], reason: n.reason, at: now.toISOString(), ref: n.ref ?? null };
  const key = `${contactKey(n.channel, n.contactId)}:${now.getTime()}:${randomUUID().slice(0, 8)}`;
  await deps.state.put(UNDELIVERED_SCOPE, key, doc, now, new Date(now.getTime() + UNDELIVERED_TTL_MS));
  deps.bus.publish(TOPIC.undelivered, doc);
  return doc;
}

export async function listUndelivered(deps: Pick<ConversationDeps, 'state' | 'clock'>): Promise<UndeliveredDoc[]> {
  return (await deps.state.list<UndeliveredDoc>(UNDELIVERED_SCOPE, deps.clock.now())).map((r) => r.doc);
}

/** One WeChat transport's outbound side, as the transports expose it. */
export interface ChatTransport {
  /** Delivers in the chat or throws (never falls back to another channel). */
  sendToContact(contactId: string, text: string): Promise<void>;
  /** The citizen's last message on this transport; absent when the transport has no send window. */
  lastInboundAt?(contactId: string): Promise<Date | null>;
}

/**
 * Both transports behind one `send(channel, contactId, text)`: what the follow-up service's
 * FollowupChat port and ticket-update notices need. A channel without a running transport throws.
 */
export function chatOutbox(transports: Partial<Record<ChatChannel, ChatTransport | null | undefined>>) {
  const get = (channel: ChatChannel): ChatTransport => {
    const tr = transports[channel];
    if (!tr) throw new AppError('unavailable', 'chat_channel_off', `WeChat channel ${channel} is not running`);
    return tr;
  };
  return {
    send: async (channel: ChatChannel, contactId: string, text: string): Promise<void> => get(channel).sendToContact(contactId, text),
    lastInboundAt: async (channel: ChatChannel, contactId: string): Promise<Date | null> => transports[channel]?.lastInboundAt?.(contactId) ?? null,
  };
}
