import type { ClassificationResult } from '../ports/routing.js';
/**
 * What the conversation engine needs from the outside world. Both WeChat transports (the wechaty
 * bot and the Official Account webhook) feed the same engine, so nothing here knows about either.
 */
import type { Attachment, Ticket } from '../../domain/tickets/ticket.js';

export type { ChatChannel, TranscriptLine } from '../../contracts/live.js';
import type { ChatChannel, TranscriptLine } from '../../contracts/live.js';

/** One message from a citizen, already unwrapped by the transport. */
export interface ChatInput {
  /** openid (Official Account) or wechat contact id (wechaty). */
  contactId: string;
  channel: ChatChannel;
  kind: 'text' | 'image' | 'voice' | 'location' | 'event';
  text?: string;
  /** Where an image/voice can be fetched later; the transport turns a MediaId into a URL. */
  mediaUrl?: string;
  /** WeChat's speech recognition of a voice message, when enabled. */
  recognition?: string;
  location?: { lat: number; lng: number; label: string };
  /** For kind 'event': subscribe / unsubscribe, or click (menu). A bare eventKey means click. */
  event?: 'subscribe' | 'unsubscribe' | 'click';
  eventKey?: string;
  /** When the citizen sent it (transport time). */
  at: Date;
  /** Transport message id (MsgId, or FromUserName+CreateTime for events): retries share it. */
  messageId?: string;
  contactName?: string;
}

/** The fields of the classifier's result the conversation relies on. */
export type Classification = Pick<ClassificationResult, 'unit' | 'category' | 'urgent' | 'urgentReasons' | 'township' | 'place' | 'confidence'>;

export interface Classifier {
  classify(text: string): Classification | Promise<Classification>;
}

/** The ticket's own fields as the conversation settled them; the rest is the chat's. */
export interface CreateTicketInput extends Pick<Ticket, 'contactName' | 'content' | 'category' | 'urgent' | 'unit' | 'township' | 'place' | 'attachments'> {
  channel: ChatChannel;
  contactId: string;
  /** Present when the citizen shared a WeChat location. */
  location: { lat: number; lng: number } | null;
  classification: Classification;
  transcript: TranscriptLine[];
  /**
   * One per conversation: a retried or replayed confirmation must not create a second ticket.
   * Suitable as the TicketStore `sourceKey`.
   */
  idempotencyKey: string;
  receivedAt: Date;
  /** The knowledge base's answer the bot gave and the citizen did not confirm (2 转人工, or went on). */
  triedAnswer?: QuickAnswer | null;
}

/** An entry of the knowledge base the bot answers with (issue 24, 一次性答复). */
export interface QuickAnswer {
  entryId: string;
  title: string;
  answer: string;
  confidence: number;
}

/** 一次性答复: optional; without it every message goes on to a ticket as before. */
export interface AnswerPort {
  /** A confident answer to a 咨询 (the classifier's category or a question form); null records a miss. */
  findAnswer?(question: string, classification: Classification, channel: ChatChannel): Promise<QuickAnswer | null>;
  /** The citizen's 1: the ticket is recorded as answered on first contact (created + answered + closed). */
  recordAnswered?(input: { channel: ChatChannel; contactId: string; contactName: string | null; question: string; answer: QuickAnswer; idempotencyKey: string }): Promise<{ number: string }>;
  /** Sets the timer after which an answer without 1 or 2 becomes a ticket (engine.answerNotConfirmed). */
  scheduleNoReply?(channel: ChatChannel, contactId: string, conversationId: string): Promise<void>;
}

export interface TicketGateway {
  createTicket(input: CreateTicketInput): Promise<{ number: string; replyBy: Date }>;
  /**
   * The ticket's status for this contact, or null when it does not exist or belongs to someone
   * else (the engine answers both the same way so numbers cannot be probed).
   */
  lookupTicket(number: string, contactId: string, channel: ChatChannel): Promise<{ statusLabel: string; latestReply: string | null } | null>;
  /**
   * Keeps the phone number a citizen gave for the 回访 of their ticket (null = they skipped it).
   * Without it the dialogue does not ask for one. False when the ticket is not this contact's.
   */
  setCallbackPhone?(number: string, contactId: string, channel: ChatChannel, phone: string | null): Promise<boolean>;
}

export interface OperatorHandoff {
  /**
   * Hands the conversation to a human operator. Called once with the transcript so far when the
   * citizen asks for 人工, then once per further citizen message (only the new line) while the
   * conversation stays with the operator.
   */
  handToOperator(contactId: string, transcript: TranscriptLine[], channel: ChatChannel): Promise<void>;
}

export interface PendingFollowup {
  ticketNumber: string;
}

export interface FollowupAnswer {
  ticketNumber: string;
  contactId: string;
  channel: ChatChannel;
  satisfaction?: '满意' | '基本满意' | '不满意';
  solved?: boolean;
  /** What the citizen wrote after the answer itself. */
  comment?: string;
  /** The citizen's words, kept for the record. */
  answer: string;
  at: Date;
}

export interface FollowupPort {
  pendingFollowup(contactId: string, channel: ChatChannel): Promise<PendingFollowup | null>;
  recordFollowup(answer: FollowupAnswer): Promise<void>;
}

export type ConversationPorts = Classifier & TicketGateway & OperatorHandoff & FollowupPort & AnswerPort;

/** A place the citizen gave: typed text, or a shared WeChat location. */
export interface PlaceInfo {
  text: string;
  lat?: number;
  lng?: number;
}

export type ConversationStep =
  /** collecting what happened */
  | 'describing'
  | 'awaiting_place'
  | 'confirming'
  /** after 修改: which part to change */
  | 'choosing_edit'
  /** after the 查询进度 menu: the next message is a ticket number */
  | 'awaiting_ticket_number'
  /** handed to a human; citizen messages are relayed, the bot stays quiet */
  | 'with_operator'
  /** an answer from the knowledge base was sent: waiting for 1 已解决 / 2 转人工 */
  | 'answer_feedback';

/** Everything the engine remembers about one citizen; JSON-safe so any store can keep it. */
export interface ConversationState {
  t: 'conversation';
  v: 1;
  id: string;
  step: ConversationStep;
  startedAt: string;
  lastActivityAt: string;
  greeted: boolean;
  description: string[];
  attachments: Attachment[];
  /** Place the citizen gave explicitly; the classifier's place is the fallback. */
  place: PlaceInfo | null;
  classification: Classification | null;
  transcript: TranscriptLine[];
  contactName: string | null;
  /** The knowledge base's answer sent, while step is answer_feedback; kept as triedAnswer after a 2. */
  answer?: QuickAnswer | null;
  triedAnswer?: QuickAnswer | null;
}

export interface RateWindow {
  t: 'rate';
  /** epoch ms of accepted messages inside the window */
  hits: number[];
  noticed: boolean;
}

export interface SeenMessage {
  t: 'seen';
  at: string;
}

/**
 * What is left of a conversation that ended (a ticket was made): the message that ended it and the
 * replies it got, so a transport retry of that message after a crash gets the same answer, not a
 * new conversation.
 */
export interface EndedConversation {
  t: 'ended';
  messageId: string;
  replies: string[];
  at: string;
}

/** After a ticket was made: the citizen may still give a phone number for its 回访 (optional). */
export interface CallbackAsk {
  t: 'callback';
  ticketNumber: string;
  askedAt: string;
}

export type ConversationRecord = ConversationState | RateWindow | SeenMessage | EndedConversation | CallbackAsk;

/**
 * Keyed records with an expiry after which the store may forget them. The engine decides idle
 * timeouts itself from `lastActivityAt`; `expiresAt` is only for garbage collection.
 */
export interface ConversationStore {
  get(key: string): Promise<ConversationRecord | null>;
  save(key: string, state: ConversationRecord, expiresAt: Date): Promise<void>;
  delete(key: string): Promise<void>;
}
