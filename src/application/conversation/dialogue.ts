/**
 * The WeChat dialogue: one citizen, many turns, ending in a ticket. Given one message of a contact
 * (already deduplicated, rate-limited and serialised by the engine), reads the contact's
 * conversation, decides the replies and saves the conversation back. All state lives in the
 * ConversationStore and is saved after every message, so a restart in the middle of a conversation
 * carries on where it stopped.
 */
import type { Clock } from '../../domain/clock.js';
import { isNegativeFollowUp } from '../../domain/tickets/followup.js';
import type { Attachment } from '../../domain/tickets/ticket.js';
import { emergencyAdvice, emergencyNumbers } from './emergency.js';
import {
  isCallbackSkip,
  isGreetingOnly,
  looksLikeTicketNumber,
  parseCallbackPhone,
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
  TranscriptLine,
} from './ports.js';
import * as texts from './texts.js';
import { T } from './texts.js';

export interface ConversationLimits {
  maxDescriptionChars: number;
  maxAttachments: number;
  maxTranscriptLines: number;
  maxMessageChars: number;
  maxPlaceChars: number;
}

export interface DialogueOptions {
  ports: ConversationPorts;
  store: ConversationStore;
  clock: Clock;
  /** A conversation idle this long starts over. */
  idleTimeoutMs: number;
  /** How long an idle conversation is kept so the citizen can be told it timed out (at least the idle time). */
  retentionMs: number;
  /** How long the ending of a conversation is kept for a transport retry of its last message. */
  dedupeTtlMs: number;
  limits?: Partial<ConversationLimits>;
}

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

export class Dialogue {
  private readonly limits: ConversationLimits;

  constructor(private readonly opts: DialogueOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  /**
   * The no-reply timer of a knowledge-base answer: the citizen sent neither 1 nor 2, so the question
   * becomes a ticket as before, carrying the answer that was sent. Returns what to tell the citizen
   * (nothing when the conversation moved on meanwhile).
   */
  async answerNotConfirmed(contactKey: string, channel: ChatInput['channel'], contactId: string, conversationId: string): Promise<string[]> {
    const convKey = `conv:${contactKey}`;
    const rec = await this.opts.store.get(convKey);
    if (rec?.t !== 'conversation' || rec.id !== conversationId || rec.step !== 'answer_feedback') return [];
    const s = rec;
    s.triedAnswer = s.answer ?? null;
    s.answer = null;
    s.step = 'describing';
    const now = this.opts.clock.now();
    const turn = await this.submit(s, { contactId, channel, kind: 'text', at: now }, []);
    if (turn.state) await this.opts.store.save(convKey, turn.state, new Date(now.getTime() + this.opts.retentionMs));
    else await this.opts.store.delete(convKey);
    return turn.replies;
  }

  /** One message of the contact: its replies, in order (possibly none); the conversation is saved. */
  async turn(contactKey: string, input: ChatInput): Promise<string[]> {
    const now = this.opts.clock.now();
    const convKey = `conv:${contactKey}`;
    const rec = await this.opts.store.get(convKey);
    // The retry of the message that ended the last conversation: its side effects happened, its answer stands.
    if (rec?.t === 'ended' && input.messageId && rec.messageId === input.messageId) return rec.replies;
    let state = rec?.t === 'conversation' && rec.v === 1 ? rec : null;
    const prefix: string[] = [];
    if (state && now.getTime() - Date.parse(state.lastActivityAt) >= this.opts.idleTimeoutMs) {
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
      await this.opts.store.save(convKey, turn.state, new Date(now.getTime() + this.opts.retentionMs));
    } else if (input.messageId) {
      // One write replaces the conversation with its ending, so no crash can leave the one without the other.
      await this.opts.store.save(convKey, { t: 'ended', messageId: input.messageId, replies, at: now.toISOString() }, new Date(now.getTime() + this.opts.dedupeTtlMs));
    } else if (rec) {
      await this.opts.store.delete(convKey);
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
          await this.opts.ports.handToOperator(input.contactId, s.transcript.map((l) => ({ ...l })), input.channel);
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
    await this.opts.ports.handToOperator(input.contactId, [{ from: 'citizen', text: citizenLine, at: now.toISOString() }], input.channel);
  }

  private async lookup(number: string, input: ChatInput): Promise<string[]> {
    try {
      const found = await this.opts.ports.lookupTicket(number, input.contactId, input.channel);
      return [found ? texts.queryResult(number, found.statusLabel, found.latestReply) : texts.queryRefused(number)];
    } catch {
      return [T.queryFailed];
    }
  }

  /** A 1/2/3 or 已解决/未解决 answer, when a 回访 is waiting for this contact. */
  private async tryFollowup(text: string, input: ChatInput, now: Date): Promise<string[] | null> {
    const answer = parseFollowupReply(text);
    if (!answer) return null;
    const pending = await this.opts.ports.pendingFollowup(input.contactId, input.channel);
    if (!pending) return null;
    await this.opts.ports.recordFollowup({
      ticketNumber: pending.ticketNumber,
      contactId: input.contactId,
      channel: input.channel,
      ...answer,
      answer: text,
      at: input.at ?? now,
    });
    return [texts.followupThanks(pending.ticketNumber, isNegativeFollowUp(answer))];
  }

  /**
   * The phone number (or 跳过) a citizen gives after their ticket was made, for its 回访: outside
   * WeChat's send window the 回访 falls back to a call or SMS to it. Only while the ask is open.
   */
  private async tryCallbackPhone(text: string, input: ChatInput): Promise<string[] | null> {
    const set = this.opts.ports.setCallbackPhone?.bind(this.opts.ports);
    if (!set) return null;
    const phone = parseCallbackPhone(text);
    const skip = phone ? false : isCallbackSkip(text);
    if (!phone && !skip) return null;
    const key = callbackKey(input);
    const rec = await this.opts.store.get(key);
    if (rec?.t !== 'callback') return null;
    try {
      const ok = await set(rec.ticketNumber, input.contactId, input.channel, phone);
      await this.opts.store.delete(key);
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
    if (!this.opts.ports.findAnswer) return null;
    const c = await this.classify(text);
    if (c.urgent) return null;
    let hit: QuickAnswer | null = null;
    try {
      hit = await this.opts.ports.findAnswer(text, c, input.channel);
    } catch {
      return null; // the knowledge base is away: a report, as before
    }
    if (!hit) return null;
    s.description.push(text);
    s.classification = c;
    s.step = 'answer_feedback';
    s.answer = hit;
    // No reply at all: the question becomes a ticket after a while (answerNotConfirmed).
    await this.opts.ports.scheduleNoReply?.(input.channel, input.contactId, s.id).catch(() => undefined);
    const reply = texts.quickAnswer(hit.title, hit.answer);
    this.addTranscript(s, 'bot', reply, this.opts.clock.now());
    return { state: s, replies: [...before, reply] };
  }

  /** 1 已解决 → recorded as answered on first contact; 2 (or anything else) → the report goes on to a ticket. */
  private async onAnswerFeedback(s: ConversationState, text: string, input: ChatInput, before: string[]): Promise<Turn> {
    const choice = text.replace(/[\s。.!！]+$/u, '').trim();
    const hit = s.answer ?? null;
    if (hit && /^(1|１|已解决|解决了)$/.test(choice) && this.opts.ports.recordAnswered) {
      try {
        const r = await this.opts.ports.recordAnswered({ channel: input.channel, contactId: input.contactId, contactName: s.contactName, question: s.description.join('\n'), answer: hit, idempotencyKey: `conversation:${s.id}` });
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
      const c = await this.opts.ports.classify(text);
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
      created = await this.opts.ports.createTicket({
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
    const ask = this.opts.ports.setCallbackPhone ? await this.openCallbackAsk(input, created.number) : false;
    const withAsk = (text: string) => (ask ? `${text}\n${T.askCallbackPhone}` : text);
    if (!c.urgent) return { state: null, replies: [...before, withAsk(texts.ticketCreated(created.number, created.replyBy))] };
    const replies = [...before, texts.urgentCreated(created.number, created.replyBy), advice!];
    if (!placeOf(s)) replies.push(texts.urgentNeedsPlace);
    if (ask) replies.push(T.askCallbackPhone);
    return { state: null, replies };
  }

  private async openCallbackAsk(input: ChatInput, ticketNumber: string): Promise<boolean> {
    const now = this.opts.clock.now();
    try {
      await this.opts.store.save(callbackKey(input), { t: 'callback', ticketNumber, askedAt: now.toISOString() }, new Date(now.getTime() + CALLBACK_ASK_MS));
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
    const when = at instanceof Date && !Number.isNaN(at.getTime()) ? at : this.opts.clock.now();
    s.transcript.push({ from, text, at: when.toISOString() });
    if (s.transcript.length > this.limits.maxTranscriptLines) s.transcript.splice(0, s.transcript.length - this.limits.maxTranscriptLines);
  }}

/** How long after the ticket a phone number sent in the chat is taken as its callback number. */
const CALLBACK_ASK_MS = 24 * 3600_000;

const callbackKey = (input: ChatInput) => `callback:${input.channel}:${input.contactId}`;

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

