/**
 * The WeChat conversation engine: one citizen, many turns, ending in a ticket. Both WeChat
 * transports call `handle` with a neutral ChatInput and send back the texts it returns.
 *
 * All state lives in the ConversationStore and is saved after every message, so a restart in the
 * middle of a conversation carries on where it stopped. Messages of one contact are handled one
 * at a time: inside this process by a promise chain per contact, and across instances by a lease
 * per contact (`lease`) held from the first read of its records to the last write, so two
 * instances never read the same conversation, rate window or seen-mark and overwrite each
 * other's result.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import type { Attachment } from '../../domain/tickets/ticket.js';
import type { LeaseStore } from '../ports/misc.js';
import { emergencyAdvice, emergencyNumbers } from './emergency.js';
import {
  isGreetingOnly,
  looksLikeTicketNumber,
  parseCommand,
  parseConfirm,
  parseEditChoice,
  parseFollowupReply,
  type Command,
} from './intents.js';
import type {
  ChatInput,
  Classification,
  ConversationPorts,
  ConversationState,
  ConversationStore,
  QuickAnswer,
  RateWindow,
  TranscriptLine,
} from './ports.js';
import * as texts from './texts.js';
import { T } from './texts.js';
import { callbackPhone } from '../../domain/phone.js';

export interface ConversationLimits {
  maxDescriptionChars: number;
  maxAttachments: number;
  maxTranscriptLines: number;
  maxMessageChars: number;
  maxPlaceChars: number;
}

/** The per-contact lease shared by every instance of a deployment. */
export interface ConversationLeaseOptions {
  store: LeaseStore;
  /** This engine's name on the leases it holds; default a random id, unique per engine. */
  owner?: string;
  /**
   * A lease not given back by then is free: how long a dead instance keeps a contact waiting.
   * Must be longer than a message's handling (classification, ticket intake). Default 30 s.
   */
  ttlMs?: number;
  /**
   * How long a message waits for another instance to give the contact back. Default the lease
   * time plus 5 s, so a dead holder's lease always expires within the wait.
   */
  maxWaitMs?: number;
  /** Injectable for tests; default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** While a message is in hand its lease is renewed this often (real time); default a third of the lease. */
  renewEveryMs?: number;
}

export interface ConversationEngineOptions {
  ports: ConversationPorts;
  store: ConversationStore;
  clock: Clock;
  /** A conversation idle this long starts over. Default 30 min. */
  idleTimeoutMs?: number;
  /** How long an idle conversation is kept so the citizen can be told it timed out. Default 24 h. */
  retentionMs?: number;
  /** Per contact. Default 20 messages per 60 s. */
  rateLimit?: { max: number; windowMs: number };
  /** How long a messageId is remembered. WeChat retries within seconds; default 24 h. */
  dedupeTtlMs?: number;
  limits?: Partial<ConversationLimits>;
  /** Without it, messages of one contact are serialised in this process only (one instance). */
  lease?: ConversationLeaseOptions;
}

/** LeaseStore scope of the per-contact leases. */
export const CONVERSATION_LEASE_SCOPE = 'conversation';
/** First pause while another instance holds the contact; doubled up to the cap below. */
const LEASE_FIRST_BACKOFF_MS = 20;
const LEASE_MAX_BACKOFF_MS = 250;

type Lease = Required<ConversationLeaseOptions>;

const DEFAULT_LIMITS: ConversationLimits = {
  maxDescriptionChars: 2000,
  maxAttachments: 9,
  maxTranscriptLines: 80,
  maxMessageChars: 2000,
  maxPlaceChars: 200,
};

/** When the classifier is down the report still goes in; an operator checks low-confidence tickets. */
const FALLBACK_CLASSIFICATION: Classification = {
  unit: null,
  category: '求助',
  urgent: false,
  urgentReasons: [],
  township: null,
  place: null,
  confidence: 0,
};

type Turn = { state: ConversationState | null; replies: string[] };

export class ConversationEngine {
  private readonly ports: ConversationPorts;
  private readonly store: ConversationStore;
  private readonly clock: Clock;
  private readonly idleTimeoutMs: number;
  private readonly retentionMs: number;
  private readonly rate: { max: number; windowMs: number };
  private readonly dedupeTtlMs: number;
  private readonly limits: ConversationLimits;
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly lease: Lease | null;

  constructor(opts: ConversationEngineOptions) {
    this.ports = opts.ports;
    this.store = opts.store;
    this.clock = opts.clock;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30 * 60_000;
    this.retentionMs = Math.max(opts.retentionMs ?? 24 * 3600_000, this.idleTimeoutMs);
    this.rate = opts.rateLimit ?? { max: 20, windowMs: 60_000 };
    this.dedupeTtlMs = opts.dedupeTtlMs ?? 24 * 3600_000;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const l = opts.lease;
    const ttlMs = l?.ttlMs ?? 30_000;
    this.lease = l
      ? {
          store: l.store,
          owner: l.owner ?? randomUUID(),
          ttlMs,
          maxWaitMs: l.maxWaitMs ?? ttlMs + 5000,
          sleep: l.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
          renewEveryMs: l.renewEveryMs ?? ttlMs / 3,
        }
      : null;
  }

  /** Handles one citizen message; returns the texts to send back, in order (possibly none). */
  /**
   * The no-reply timer of a knowledge-base answer: the citizen sent neither 1 nor 2, so the question
   * becomes a ticket as before, carrying the answer that was sent. Returns what to tell the citizen
   * (nothing when the conversation moved on meanwhile). Serialised with the contact's messages.
   */
  answerNotConfirmed(channel: ChatInput['channel'], contactId: string, conversationId: string): Promise<string[]> {
    const contactKey = `${channel}:${contactId}`;
    return this.serial(contactKey, () =>
      this.underLease(contactKey, async () => {
        const convKey = `conv:${contactKey}`;
        const rec = await this.store.get(convKey);
        if (rec?.t !== 'conversation' || rec.id !== conversationId || rec.step !== 'answer_feedback') return [];
        const s = rec;
        s.triedAnswer = s.answer ?? null;
        s.answer = null;
        s.step = 'describing';
        const now = this.clock.now();
        const turn = await this.submit(s, { contactId, channel, kind: 'text', at: now }, []);
        if (turn.state) await this.store.save(convKey, turn.state, new Date(now.getTime() + this.retentionMs));
        else await this.store.delete(convKey);
        return turn.replies;
      }),
    );
  }

  handle(input: ChatInput): Promise<string[]> {
    if (!input.contactId) return Promise.resolve([]);
    const contactKey = `${input.channel}:${input.contactId}`;
    return this.serial(contactKey, () => this.underLease(contactKey, () => this.handleInOrder(contactKey, input)));
  }

  /**
   * Runs fn holding the contact's lease. Uncontended this costs one write to take it and one to
   * give it back, and no waiting. When another instance holds it, retries with a short backoff;
   * a dead holder's lease expires within the default wait.
   */
  private async underLease(contactKey: string, fn: () => Promise<string[]>): Promise<string[]> {
    const l = this.lease;
    if (!l) return fn();
    const started = this.clock.now().getTime();
    let slept = 0;
    let pause = LEASE_FIRST_BACKOFF_MS;
    for (;;) {
      const now = this.clock.now();
      if (await l.store.acquire(CONVERSATION_LEASE_SCOPE, contactKey, l.owner, now, new Date(now.getTime() + l.ttlMs))) break;
      // Both measures: the clock for real time, the pauses for a test clock that stands still.
      const waited = Math.max(slept, now.getTime() - started);
      if (waited >= l.maxWaitMs) {
        // Not handled and not marked seen. Said as a reply rather than thrown: the wechaty bot
        // only logs a thrown error, so the citizen would never learn the message was not taken.
        return [T.busy];
      }
      const step = Math.min(pause, l.maxWaitMs - waited);
      await l.sleep(step);
      slept += step;
      pause = Math.min(pause * 2, LEASE_MAX_BACKOFF_MS);
    }
    // Handling that outlasts part of the lease (a stalled query, a slow classifier) renews it, so
    // no other instance takes the contact while this one may still write.
    let renewing: Promise<unknown> | null = null;
    const renew = setInterval(() => {
      if (renewing) return;
      const now = this.clock.now();
      renewing = l.store
        .acquire(CONVERSATION_LEASE_SCOPE, contactKey, l.owner, now, new Date(now.getTime() + l.ttlMs))
        .catch(() => undefined)
        .finally(() => (renewing = null));
    }, l.renewEveryMs);
    renew.unref?.();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      // A renewal still on its way must land before the release, or it would take the contact again for nobody.
      await renewing;
      // A lease that cannot be given back (database gone) expires on its own; the message itself was handled.
      await l.store.release(CONVERSATION_LEASE_SCOPE, contactKey, l.owner).catch(() => undefined);
    }
  }

  /** Runs fn after every earlier message of the same contact has been handled. */
  private serial<R>(key: string, fn: () => Promise<R>): Promise<R> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  private async handleInOrder(contactKey: string, input: ChatInput): Promise<string[]> {
    const seenKey = input.messageId ? `seen:${contactKey}:${input.messageId}` : null;
    // A transport retry of something already handled: its side effects happened once already.
    if (seenKey && (await this.store.get(seenKey))) return [];

    const gate = await this.rateGate(contactKey);
    if (gate === 'silent') return [];
    const replies = gate === 'notice' ? [T.rateLimited] : await this.process(contactKey, input);

    // Marked only after handling succeeded, so a retry after a crash is handled again.
    if (seenKey) {
      const now = this.clock.now();
      await this.store.save(seenKey, { t: 'seen', at: now.toISOString() }, new Date(now.getTime() + this.dedupeTtlMs));
    }
    return replies;
  }

  /** Sliding window per contact: over the limit, one notice, then silence until it frees up. */
  private async rateGate(contactKey: string): Promise<'ok' | 'notice' | 'silent'> {
    const key = `rate:${contactKey}`;
    const now = this.clock.now().getTime();
    const rec = await this.store.get(key);
    const w: RateWindow = rec?.t === 'rate' ? rec : { t: 'rate', hits: [], noticed: false };
    w.hits = w.hits.filter((h) => h > now - this.rate.windowMs);
    let verdict: 'ok' | 'notice' | 'silent';
    if (w.hits.length >= this.rate.max) {
      if (w.noticed) return 'silent';
      w.noticed = true;
      verdict = 'notice';
    } else {
      w.hits.push(now);
      w.noticed = false;
      verdict = 'ok';
    }
    await this.store.save(key, w, new Date(now + this.rate.windowMs));
    return verdict;
  }

  private async process(contactKey: string, input: ChatInput): Promise<string[]> {
    const now = this.clock.now();
    const convKey = `conv:${contactKey}`;
    const rec = await this.store.get(convKey);
    // The retry of the message that ended the last conversation: its side effects happened, its answer stands.
    if (rec?.t === 'ended' && input.messageId && rec.messageId === input.messageId) return rec.replies;
    let state = rec?.t === 'conversation' && rec.v === 1 ? rec : null;
    const prefix: string[] = [];
    if (state && now.getTime() - Date.parse(state.lastActivityAt) >= this.idleTimeoutMs) {
      if (!(input.kind === 'event' && input.event === 'unsubscribe')) prefix.push(T.timedOut);
      state = null;
    }

    const citizenLine = this.citizenLine(input);
    if (state && citizenLine) this.addTranscript(state, 'citizen', citizenLine, input.at);
    const turn = await this.dispatch(state, input, citizenLine, now);
    // A conversation that goes on past its first message opens with who we are.
    if (turn.state && !turn.state.greeted) {
      turn.state.greeted = true;
      turn.replies.unshift(T.greeting);
    }
    const replies = [...prefix, ...turn.replies];

    if (turn.state) {
      turn.state.lastActivityAt = now.toISOString();
      for (const r of turn.replies) this.addTranscript(turn.state, 'bot', r, now);
      await this.store.save(convKey, turn.state, new Date(now.getTime() + this.retentionMs));
    } else if (input.messageId) {
      // One write replaces the conversation with its ending, so no crash can leave the one without the other.
      await this.store.save(convKey, { t: 'ended', messageId: input.messageId, replies, at: now.toISOString() }, new Date(now.getTime() + this.dedupeTtlMs));
    } else if (rec) {
      await this.store.delete(convKey);
    }
    return replies;
  }

  private async dispatch(state: ConversationState | null, input: ChatInput, citizenLine: string | null, now: Date): Promise<Turn> {
    if (input.kind === 'event') return this.onEvent(state, input, now);

    // A recognised voice message is treated as what the citizen said, and kept as audio too.
    const spoken = input.kind === 'voice' ? input.recognition?.trim() || null : null;
    const text = input.kind === 'text' ? (input.text ?? '').trim() : spoken;

    if (text) {
      const cmd = parseCommand(text);
      if (cmd) return this.onCommand(state, cmd, input, citizenLine, now);
    }
    if (state?.step === 'with_operator') {
      if (input.kind === 'voice' || input.kind === 'image') this.addAttachment(state, input);
      await this.relay(input, citizenLine, now);
      return { state, replies: [] };
    }
    if (text && state?.step !== 'choosing_edit' && state?.step !== 'answer_feedback') {
      const followup = await this.tryFollowup(text, input, now);
      if (followup) return { state, replies: followup };
    }
    if (text && (!state || (state.step === 'describing' && !hasContent(state)))) {
      const callback = await this.tryCallbackPhone(text, input);
      if (callback) {
        // The number is not part of a report: kept out of a transcript that becomes a ticket note units read.
        if (state?.transcript.at(-1)?.from === 'citizen') state.transcript.pop();
        return { state, replies: callback };
      }
    }
    if (state?.step === 'awaiting_ticket_number' && text) {
      const number = looksLikeTicketNumber(text);
      if (number) return { state: null, replies: await this.lookup(number, input) };
      state = null; // not a number after all: treat it as a new report
    }

    switch (input.kind) {
      case 'text':
        if (!text) return { state, replies: [T.emptyText] };
        return this.onText(state, text, input, citizenLine, now);
      case 'voice':
      case 'image': {
        const s = state ?? this.newState(input, citizenLine, now);
        const notes = this.addAttachment(s, input);
        if (spoken) return this.onText(s, spoken, input, null, now, notes);
        return { state: s, replies: [...notes, ...this.afterAttachment(s, input.kind)] };
      }
      case 'location':
        return this.onLocation(state ?? this.newState(input, citizenLine, now), input);
      default:
        return { state, replies: [T.unsupported] };
    }
  }

  // ---- events ---------------------------------------------------------------------------------

  private async onEvent(state: ConversationState | null, input: ChatInput, now: Date): Promise<Turn> {
    const event = input.event ?? (input.eventKey ? 'click' : undefined);
    if (event === 'subscribe') return { state, replies: [T.welcome] };
    if (event === 'unsubscribe') return { state: null, replies: [] };
    if (event !== 'click') return { state, replies: [] };
    if (input.eventKey === 'REPORT') {
      if (state?.step === 'with_operator') return { state, replies: [T.handedOver] };
      if (state && hasContent(state)) return { state, replies: [T.continueHint, this.currentQuestion(state)] };
      const s = state ?? this.newState(input, '[菜单] 我要反映', now);
      s.step = 'describing';
      s.greeted = true;
      return { state: s, replies: [T.askDescription] };
    }
    if (input.eventKey === 'QUERY') {
      if (state && state.step !== 'awaiting_ticket_number') return { state, replies: [T.askTicketNumber] };
      const s = state ?? this.newState(input, '[菜单] 查询进度', now);
      s.step = 'awaiting_ticket_number';
      s.greeted = true;
      return { state: s, replies: [T.askTicketNumber] };
    }
    return { state, replies: [] };
  }

  // ---- commands -------------------------------------------------------------------------------

  private async onCommand(state: ConversationState | null, cmd: Command, input: ChatInput, citizenLine: string | null, now: Date): Promise<Turn> {
    switch (cmd.kind) {
      case 'help':
        return { state, replies: state && hasContent(state) ? [T.help, T.continueHint] : [T.help] };
      case 'cancel':
        if (state?.step === 'with_operator') return { state: null, replies: [T.operatorEnded] };
        return { state: null, replies: [state && hasContent(state) ? T.cancelled : T.nothingToCancel] };
      case 'query': {
        if (!cmd.number) {
          if (state) return { state, replies: [T.askTicketNumber] };
          const s = this.newState(input, citizenLine, now);
          s.step = 'awaiting_ticket_number';
          s.greeted = true;
          return { state: s, replies: [T.askTicketNumber] };
        }
        const replies = await this.lookup(cmd.number, input);
        if (state?.step === 'awaiting_ticket_number') return { state: null, replies };
        if (state && hasContent(state)) replies.push(T.continueHint);
        return { state, replies };
      }
      case 'operator': {
        const s = state ?? this.newState(input, citizenLine, now);
        if (s.step === 'with_operator') {
          await this.relay(input, citizenLine, now);
          return { state: s, replies: [] };
        }
        try {
          await this.ports.handToOperator(input.contactId, s.transcript.map((l) => ({ ...l })), input.channel);
        } catch {
          return { state, replies: [T.operatorFailed] };
        }
        s.step = 'with_operator';
        s.greeted = true;
        return { state: s, replies: [T.handedOver] };
      }
    }
  }

  /** While with an operator, each citizen message goes to the operator as one new line. */
  private async relay(input: ChatInput, citizenLine: string | null, now: Date): Promise<void> {
    if (!citizenLine) return;
    await this.ports.handToOperator(input.contactId, [{ from: 'citizen', text: citizenLine, at: now.toISOString() }], input.channel);
  }

  private async lookup(number: string, input: ChatInput): Promise<string[]> {
    try {
      const found = await this.ports.lookupTicket(number, input.contactId, input.channel);
      return [found ? texts.queryResult(number, found.statusLabel, found.latestReply) : texts.queryRefused(number)];
    } catch {
      return [T.queryFailed];
    }
  }

  /** A 1/2/3 or 已解决/未解决 answer, when a 回访 is waiting for this contact. */
  private async tryFollowup(text: string, input: ChatInput, now: Date): Promise<string[] | null> {
    const answer = parseFollowupReply(text);
    if (!answer) return null;
    const pending = await this.ports.pendingFollowup(input.contactId, input.channel);
    if (!pending) return null;
    await this.ports.recordFollowup({
      ticketNumber: pending.ticketNumber,
      contactId: input.contactId,
      channel: input.channel,
      ...answer,
      answer: text,
      at: input.at ?? now,
    });
    const negative = answer.satisfaction === '不满意' || answer.solved === false;
    return [texts.followupThanks(pending.ticketNumber, negative)];
  }

  /**
   * The phone number (or 跳过) a citizen gives after their ticket was made, for its 回访: outside
   * WeChat's send window the 回访 falls back to a call or SMS to it. Only while the ask is open.
   */
  private async tryCallbackPhone(text: string, input: ChatInput): Promise<string[] | null> {
    const set = this.ports.setCallbackPhone?.bind(this.ports);
    if (!set) return null;
    const phone = parseCallbackPhone(text);
    const skip = phone ? false : isCallbackSkip(text);
    if (!phone && !skip) return null;
    const key = callbackKey(input);
    const rec = await this.store.get(key);
    if (rec?.t !== 'callback') return null;
    try {
      const ok = await set(rec.ticketNumber, input.contactId, input.channel, phone);
      await this.store.delete(key);
      if (!ok) return null;
    } catch {
      return [T.callbackPhoneFailed];
    }
    return [phone ? texts.callbackPhoneSaved(rec.ticketNumber, phone) : texts.callbackPhoneSkipped(rec.ticketNumber)];
  }

  // ---- the report itself ----------------------------------------------------------------------

  private async onText(
    existing: ConversationState | null,
    text: string,
    input: ChatInput,
    citizenLine: string | null,
    now: Date,
    before: string[] = [],
  ): Promise<Turn> {
    const clipped = text.slice(0, this.limits.maxMessageChars);
    if (!existing) {
      const s = this.newState(input, citizenLine, now);
      if (isGreetingOnly(clipped)) return { state: s, replies: [T.askDescription] };
      const answered = await this.tryAnswer(s, clipped, input, before);
      if (answered) return answered;
      return this.addDescription(s, clipped, input, before);
    }
    const s = existing;
    switch (s.step) {
      case 'answer_feedback':
        return this.onAnswerFeedback(s, clipped, input, before);
      case 'confirming': {
        const answer = parseConfirm(clipped);
        if (answer === 'yes') return this.submit(s, input, before);
        if (answer === 'no') return { state: null, replies: [...before, T.discarded] };
        if (answer === 'edit') {
          s.step = 'choosing_edit';
          return { state: s, replies: [...before, T.chooseEdit] };
        }
        if (answer === 'edit_description') return this.startEdit(s, 'description', before);
        if (answer === 'edit_place') return this.startEdit(s, 'place', before);
        return { state: s, replies: [...before, T.confirmHint] };
      }
      case 'choosing_edit': {
        const choice = parseEditChoice(clipped);
        if (choice) return this.startEdit(s, choice, before);
        if (parseConfirm(clipped) === 'yes') return this.submit(s, input, before);
        return { state: s, replies: [...before, T.chooseEditAgain] };
      }
      case 'awaiting_place':
        if (s.description.length === 0) return this.addDescription(s, clipped, input, before);
        s.place = { text: clipped.slice(0, this.limits.maxPlaceChars) };
        return this.analyse(s, input, before);
      default:
        // describing, and any step from an older version of the state
        s.step = 'describing';
        return this.addDescription(s, clipped, input, before);
    }
  }

  /**
   * 一次性答复: a first message that reads as a 咨询 with a confident knowledge-base match gets the
   * answer and the question whether it helped, at any hour. Anything else goes on as a report.
   */
  private async tryAnswer(s: ConversationState, text: string, input: ChatInput, before: string[]): Promise<Turn | null> {
    if (!this.ports.findAnswer) return null;
    const c = await this.classify(text);
    if (c.urgent) return null;
    let hit: QuickAnswer | null = null;
    try {
      hit = await this.ports.findAnswer(text, c, input.channel);
    } catch {
      return null; // the knowledge base is away: a report, as before
    }
    if (!hit) return null;
    s.description.push(text);
    s.classification = c;
    s.step = 'answer_feedback';
    s.answer = hit;
    // No reply at all: the question becomes a ticket after a while (answerNotConfirmed).
    await this.ports.scheduleNoReply?.(input.channel, input.contactId, s.id).catch(() => undefined);
    const reply = texts.quickAnswer(hit.title, hit.answer);
    this.addTranscript(s, 'bot', reply, this.clock.now());
    return { state: s, replies: [...before, reply] };
  }

  /** 1 已解决 → recorded as answered on first contact; 2 (or anything else) → the report goes on to a ticket. */
  private async onAnswerFeedback(s: ConversationState, text: string, input: ChatInput, before: string[]): Promise<Turn> {
    const choice = text.replace(/[\s。.!！]+$/u, '').trim();
    const hit = s.answer ?? null;
    if (hit && /^(1|１|已解决|解决了)$/.test(choice) && this.ports.recordAnswered) {
      try {
        const r = await this.ports.recordAnswered({ channel: input.channel, contactId: input.contactId, contactName: s.contactName, question: s.description.join('\n'), answer: hit, idempotencyKey: `conversation:${s.id}` });
        return { state: null, replies: [...before, texts.answeredThanks(r.number)] };
      } catch {
        return { state: s, replies: [...before, T.answerRecordFailed] };
      }
    }
    s.triedAnswer = hit;
    s.answer = null;
    s.step = 'describing';
    if (/^(2|２|转人工|未解决|没解决|没有解决)$/.test(choice)) return this.analyse(s, input, [...before, T.answerNotHelped]);
    // Neither: the citizen went on describing; the answer stays on the ticket as one that was tried.
    return this.addDescription(s, text, input, before);
  }

  private async addDescription(s: ConversationState, text: string, input: ChatInput, before: string[] = []): Promise<Turn> {
    const used = s.description.reduce((n, d) => n + d.length, 0);
    const room = this.limits.maxDescriptionChars - used;
    const notes = [...before];
    if (room <= 0) notes.push(T.descriptionFull);
    else s.description.push(text.slice(0, room));
    return this.analyse(s, input, notes);
  }

  private startEdit(s: ConversationState, what: 'description' | 'place', before: string[]): Turn {
    if (what === 'description') {
      s.step = 'describing';
      s.description = [];
      s.classification = null;
      return { state: s, replies: [...before, T.askNewDescription] };
    }
    s.step = 'awaiting_place';
    s.place = null;
    return { state: s, replies: [...before, T.askNewPlace] };
  }

  private async onLocation(s: ConversationState, input: ChatInput): Promise<Turn> {
    const loc = input.location;
    if (!loc || !Number.isFinite(loc.lat) || !Number.isFinite(loc.lng)) return { state: s, replies: [T.unsupported] };
    const label = (loc.label || `北纬${loc.lat}，东经${loc.lng}`).slice(0, this.limits.maxPlaceChars);
    s.place = { text: label, lat: loc.lat, lng: loc.lng };
    const received = texts.locationReceived(label);
    if (s.description.length === 0) {
      s.step = 'describing';
      return { state: s, replies: [received, T.askDescription] };
    }
    return this.analyse(s, input, [received]);
  }

  /** Classifies what we have, then: urgent → ticket now; no place → ask; else read back. */
  private async analyse(s: ConversationState, input: ChatInput, before: string[]): Promise<Turn> {
    if (s.description.length === 0) {
      s.step = 'describing';
      return { state: s, replies: [...before, T.askDescription] };
    }
    s.classification = await this.classify(classifierText(s));
    if (s.classification.urgent) return this.submit(s, input, before);
    if (!placeOf(s)) {
      s.step = 'awaiting_place';
      return { state: s, replies: [...before, T.askPlace] };
    }
    s.step = 'confirming';
    return { state: s, replies: [...before, this.summaryOf(s)] };
  }

  private async classify(text: string): Promise<Classification> {
    try {
      const c = await this.ports.classify(text);
      return { ...FALLBACK_CLASSIFICATION, ...c, urgentReasons: [...(c.urgentReasons ?? [])] };
    } catch {
      return { ...FALLBACK_CLASSIFICATION };
    }
  }

  private async submit(s: ConversationState, input: ChatInput, before: string[]): Promise<Turn> {
    const c = s.classification ?? (await this.classify(classifierText(s)));
    s.classification = c;
    const content = s.description.join('\n');
    const advice = c.urgent ? emergencyAdvice(emergencyNumbers(content, c.urgentReasons)) : null;
    let created: { number: string; replyBy: Date };
    try {
      created = await this.ports.createTicket({
        channel: input.channel,
        contactId: input.contactId,
        contactName: s.contactName,
        content,
        category: c.category,
        urgent: c.urgent,
        unit: c.unit,
        township: c.township,
        place: placeOf(s),
        location: s.place?.lat !== undefined && s.place.lng !== undefined ? { lat: s.place.lat, lng: s.place.lng } : null,
        attachments: s.attachments.map((a) => ({ ...a })),
        classification: c,
        transcript: s.transcript.map((l) => ({ ...l })),
        idempotencyKey: `conversation:${s.id}`,
        receivedAt: new Date(s.startedAt),
        triedAnswer: s.triedAnswer ?? null,
      });
    } catch {
      // Keep everything so "是" retries; an urgent citizen still gets the emergency numbers.
      s.step = 'confirming';
      return { state: s, replies: [...before, T.createFailed, ...(advice ? [advice] : [])] };
    }
    // The 回访 needs a way back to the citizen when WeChat's send window has closed: ask for a
    // phone number, optional, in the same message so nothing else changes for those who ignore it.
    const ask = this.ports.setCallbackPhone ? await this.openCallbackAsk(input, created.number) : false;
    const withAsk = (text: string) => (ask ? `${text}\n${T.askCallbackPhone}` : text);
    if (!c.urgent) return { state: null, replies: [...before, withAsk(texts.ticketCreated(created.number, created.replyBy))] };
    const replies = [...before, texts.urgentCreated(created.number, created.replyBy), advice!];
    if (!placeOf(s)) replies.push(texts.urgentNeedsPlace);
    if (ask) replies.push(T.askCallbackPhone);
    return { state: null, replies };
  }

  private async openCallbackAsk(input: ChatInput, ticketNumber: string): Promise<boolean> {
    const now = this.clock.now();
    try {
      await this.store.save(callbackKey(input), { t: 'callback', ticketNumber, askedAt: now.toISOString() }, new Date(now.getTime() + CALLBACK_ASK_MS));
      return true;
    } catch {
      return false; // the ticket is made; not asking is better than failing the turn
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  private summaryOf(s: ConversationState): string {
    return texts.summary({
      description: s.description.join('\n'),
      place: placeOf(s),
      category: s.classification?.category ?? FALLBACK_CLASSIFICATION.category,
      attachments: s.attachments,
    });
  }

  private currentQuestion(s: ConversationState): string {
    if (s.step === 'awaiting_place') return T.askPlace;
    if (s.step === 'confirming') return this.summaryOf(s);
    if (s.step === 'choosing_edit') return T.chooseEdit;
    return T.askDescription;
  }

  private afterAttachment(s: ConversationState, kind: 'image' | 'voice'): string[] {
    if (s.description.length === 0) {
      s.step = 'describing';
      return [kind === 'image' ? T.imageNeedsText : T.voiceNeedsText];
    }
    const received = kind === 'image' ? T.imageReceived : T.voiceReceived;
    if (s.step === 'confirming') return [received, T.confirmHint];
    return [received, this.currentQuestion(s)];
  }

  /** Adds the image/voice as an attachment; returns notes for the citizen (e.g. limit reached). */
  private addAttachment(s: ConversationState, input: ChatInput): string[] {
    if (!input.mediaUrl || (input.kind !== 'image' && input.kind !== 'voice')) return [];
    if (s.attachments.length >= this.limits.maxAttachments) return [T.attachmentsFull];
    const a: Attachment = { kind: input.kind, url: input.mediaUrl };
    const heard = input.kind === 'voice' ? input.recognition?.trim() : undefined;
    if (heard) a.note = `语音识别：${heard}`;
    s.attachments.push(a);
    return [];
  }

  private newState(input: ChatInput, citizenLine: string | null, now: Date): ConversationState {
    const s: ConversationState = {
      t: 'conversation',
      v: 1,
      id: `${input.channel}:${input.contactId}:${now.getTime()}`,
      step: 'describing',
      startedAt: now.toISOString(),
      lastActivityAt: now.toISOString(),
      greeted: false,
      description: [],
      attachments: [],
      place: null,
      classification: null,
      transcript: [],
      contactName: input.contactName ?? null,
    };
    if (citizenLine) this.addTranscript(s, 'citizen', citizenLine, input.at ?? now);
    return s;
  }

  private citizenLine(input: ChatInput): string | null {
    switch (input.kind) {
      case 'text':
        return input.text?.trim() ? input.text.trim().slice(0, this.limits.maxMessageChars) : null;
      case 'image':
        return `[图片] ${input.mediaUrl ?? ''}`.trim();
      case 'voice':
        return `[语音] ${input.recognition?.trim() || input.mediaUrl || ''}`.trim();
      case 'location':
        return input.location ? `[位置] ${input.location.label} (${input.location.lat}, ${input.location.lng})` : '[位置]';
      default:
        return null;
    }
  }

  private addTranscript(s: ConversationState, from: TranscriptLine['from'], text: string, at: Date): void {
    const when = at instanceof Date && !Number.isNaN(at.getTime()) ? at : this.clock.now();
    s.transcript.push({ from, text, at: when.toISOString() });
    if (s.transcript.length > this.limits.maxTranscriptLines) s.transcript.splice(0, s.transcript.length - this.limits.maxTranscriptLines);
  }
}

/** How long after the ticket a phone number sent in the chat is taken as its callback number. */
const CALLBACK_ASK_MS = 24 * 3600_000;

const callbackKey = (input: ChatInput) => `callback:${input.channel}:${input.contactId}`;

/** A mainland mobile or landline number typed alone ("138 0013 8000", "+86 13800138000", "0797-1234567"). */
export function parseCallbackPhone(text: string): string | null {
  // The label and a closing full stop are the chat's; the number itself goes to the one normaliser.
  const s = text
    .trim()
    .replace(/^(手机号码|手机号|联系电话|回访电话|电话|手机|号码)\s*[:：是为]?\s*/, '')
    .replace(/[。.!！]+$/u, '');
  return callbackPhone(s);
}

function isCallbackSkip(text: string): boolean {
  return /^(跳过|略过|不用|不用了|不需要|不留|不留了|不方便|无|没有)$/.test(text.trim().replace(/[\s。.!！]+$/u, ''));
}

function hasContent(s: ConversationState): boolean {
  return s.description.length > 0 || s.attachments.length > 0 || s.place !== null;
}

function placeOf(s: ConversationState): string | null {
  return s.place?.text ?? s.classification?.place ?? null;
}

/** The classifier sees the description plus a separately given place (for township and unit). */
function classifierText(s: ConversationState): string {
  const parts = [...s.description];
  if (s.place && !parts.some((p) => p.includes(s.place!.text))) parts.push(s.place.text);
  return parts.join('\n');
}
