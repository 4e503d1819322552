/**
 * The WeChat conversation engine: both WeChat transports call `handle` with a neutral ChatInput and
 * send back the texts it returns. It puts together two parts:
 *   - the per-contact serializer (contact-serializer.ts): one message of a contact at a time, in
 *     this process and, with a lease, across instances;
 *   - the dialogue (dialogue.ts): what a message means for the contact's conversation, and the
 *     replies;
 * and between them the contact's gates: a transport retry of a message already handled is dropped,
 * and a contact over the rate limit gets one notice, then silence.
 */
import type { Clock } from '../../domain/clock.js';
import { ContactSerializer, type ConversationLeaseOptions } from './contact-serializer.js';
import { Dialogue, type DialogueOptions } from './dialogue.js';
import type { ChatInput, ConversationStore, RateWindow } from './ports.js';
import { T } from './texts.js';

export { CONVERSATION_LEASE_SCOPE, type ConversationLeaseOptions } from './contact-serializer.js';
export type { ConversationLimits } from './dialogue.js';

export interface ConversationEngineOptions extends Pick<DialogueOptions, 'ports' | 'store' | 'clock' | 'limits'> {
  /** A conversation idle this long starts over. Default 30 min. */
  idleTimeoutMs?: number;
  /** How long an idle conversation is kept so the citizen can be told it timed out. Default 24 h. */
  retentionMs?: number;
  /** Per contact. Default 20 messages per 60 s. */
  rateLimit?: { max: number; windowMs: number };
  /** How long a messageId is remembered. WeChat retries within seconds; default 24 h. */
  dedupeTtlMs?: number;
  /** Without it, messages of one contact are serialised in this process only (one instance). */
  lease?: ConversationLeaseOptions;
}

export class ConversationEngine {
  private readonly store: ConversationStore;
  private readonly clock: Clock;
  private readonly rate: { max: number; windowMs: number };
  private readonly dedupeTtlMs: number;
  private readonly serializer: ContactSerializer;
  private readonly dialogue: Dialogue;

  constructor(opts: ConversationEngineOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.rate = opts.rateLimit ?? { max: 20, windowMs: 60_000 };
    this.dedupeTtlMs = opts.dedupeTtlMs ?? 24 * 3600_000;
    const idleTimeoutMs = opts.idleTimeoutMs ?? 30 * 60_000;
    this.serializer = new ContactSerializer(opts.clock, opts.lease);
    this.dialogue = new Dialogue({
      ...opts,
      idleTimeoutMs,
      retentionMs: Math.max(opts.retentionMs ?? 24 * 3600_000, idleTimeoutMs),
      dedupeTtlMs: this.dedupeTtlMs,
    });
  }

  /**
   * The no-reply timer of a knowledge-base answer: the citizen sent neither 1 nor 2, so the question
   * becomes a ticket as before, carrying the answer that was sent. Returns what to tell the citizen
   * (nothing when the conversation moved on meanwhile). Serialised with the contact's messages.
   */
  answerNotConfirmed(channel: ChatInput['channel'], contactId: string, conversationId: string): Promise<string[]> {
    const contactKey = `${channel}:${contactId}`;
    return this.serializer.run(contactKey, () => this.dialogue.answerNotConfirmed(contactKey, channel, contactId, conversationId), busy);
  }

  /** Handles one citizen message; returns the texts to send back, in order (possibly none). */
  handle(input: ChatInput): Promise<string[]> {
    if (!input.contactId) return Promise.resolve([]);
    const contactKey = `${input.channel}:${input.contactId}`;
    return this.serializer.run(contactKey, () => this.handleInOrder(contactKey, input), busy);
  }

  private async handleInOrder(contactKey: string, input: ChatInput): Promise<string[]> {
    const seenKey = input.messageId ? `seen:${contactKey}:${input.messageId}` : null;
    // A transport retry of something already handled: its side effects happened once already.
    if (seenKey && (await this.store.get(seenKey))) return [];

    const gate = await this.rateGate(contactKey);
    if (gate === 'silent') return [];
    const replies = gate === 'notice' ? [T.rateLimited] : await this.dialogue.turn(contactKey, input);

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
}

/**
 * Another instance kept the contact past the wait: not handled and not marked seen. Said as a reply
 * rather than thrown: the wechaty bot only logs a thrown error, so the citizen would never learn the
 * message was not taken.
 */
const busy = (): string[] => [T.busy];
