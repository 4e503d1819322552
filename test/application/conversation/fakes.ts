/** Test doubles for the conversation ports: they record every call and answer from plain data. */
import { FakeClock } from '../../../src/domain/clock.js';
import { ConversationEngine, type ConversationEngineOptions } from '../../../src/application/conversation/engine.js';
import { InMemoryConversationStore } from '../../fakes/conversation-store.js';
import type {
  ChatInput,
  Classification,
  ConversationPorts,
  CreateTicketInput,
  FollowupAnswer,
  TranscriptLine,
} from '../../../src/application/conversation/ports.js';

const KNOWN_PLACES = ['解放路', '红旗大道', '红都大道', '人民公园', '金都花园'];

/** A keyword classifier standing in for the lead's: enough to drive each branch on purpose. */
export function fakeClassify(text: string): Classification {
  const reasons: string[] = [];
  if (/着火|火灾/.test(text)) reasons.push('火灾');
  if (/受伤|晕倒/.test(text)) reasons.push('人员受伤');
  if (/走失/.test(text)) reasons.push('人员走失');
  if (/打架/.test(text)) reasons.push('治安事件');
  const place = KNOWN_PLACES.find((p) => text.includes(p)) ?? null;
  return {
    unit: /路灯/.test(text) ? '市城管局' : null,
    category: /噪音/.test(text) ? '投诉' : '求助',
    urgent: reasons.length > 0,
    urgentReasons: reasons,
    township: /象湖/.test(text) ? '象湖镇' : null,
    place,
    confidence: 0.8,
  };
}

export class FakePorts implements ConversationPorts {
  created: CreateTicketInput[] = [];
  classified: string[] = [];
  handoffs: { contactId: string; transcript: TranscriptLine[] }[] = [];
  followups: FollowupAnswer[] = [];
  /** ticket number → owner contactId */
  owners = new Map<string, { contactId: string; statusLabel: string; latestReply: string | null }>();
  pending = new Map<string, string>();
  failCreate = 0;
  replyBy = new Date('2026-03-06T10:00:00Z');
  private seq = 0;

  classify(text: string): Classification {
    this.classified.push(text);
    return fakeClassify(text);
  }

  async createTicket(input: CreateTicketInput): Promise<{ number: string; replyBy: Date }> {
    if (this.failCreate > 0) {
      this.failCreate--;
      throw new Error('database down');
    }
    this.created.push(input);
    const number = `20260302-${String(++this.seq).padStart(4, '0')}`;
    this.owners.set(number, { contactId: input.contactId, statusLabel: '已受理', latestReply: null });
    return { number, replyBy: this.replyBy };
  }

  async lookupTicket(number: string, contactId: string) {
    const t = this.owners.get(number);
    if (!t || t.contactId !== contactId) return null;
    return { statusLabel: t.statusLabel, latestReply: t.latestReply };
  }

  async handToOperator(contactId: string, transcript: TranscriptLine[]): Promise<void> {
    this.handoffs.push({ contactId, transcript });
  }

  async pendingFollowup(contactId: string) {
    const n = this.pending.get(contactId);
    return n ? { ticketNumber: n } : null;
  }

  async recordFollowup(answer: FollowupAnswer): Promise<void> {
    this.followups.push(answer);
  }
}

export const START = '2026-03-02T02:00:00Z'; // Monday 10:00 in Shanghai

export function setup(opts: Partial<ConversationEngineOptions> = {}) {
  const clock = new FakeClock(START);
  const store = new InMemoryConversationStore(clock);
  const ports = new FakePorts();
  const make = () => new ConversationEngine({ ports, store, clock, ...opts });
  const engine = make();
  let n = 0;
  /** One citizen message; each gets a fresh messageId unless one is given. */
  const send = (engine2: ConversationEngine, partial: Partial<ChatInput>, contactId = 'oCitizen1') =>
    engine2.handle({ contactId, channel: 'wechat-mp', kind: 'text', at: clock.now(), messageId: `m${++n}`, ...partial });
  const say = (text: string, contactId = 'oCitizen1') => send(engine, { text }, contactId);
  return { clock, store, ports, engine, make, send: (p: Partial<ChatInput>, c?: string) => send(engine, p, c), sendTo: send, say };
}
