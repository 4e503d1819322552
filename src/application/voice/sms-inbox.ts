/**
 * SMS that reach the hotline number, from any provider. Other services hook in first (a 回访
 * answer, a paging reply); what nobody claims is either `查询 <工单号>` or a new request.
 */
import type { Clock } from '../../domain/clock.js';
import { normalisePhone } from '../../domain/phone.js';
import { parseTicketNumber } from '../../domain/tickets/number.js';
import { STATE_LABELS } from '../../domain/tickets/ticket.js';
import type { InboundSms, SmsSender } from '../ports/messaging.js';
import type { DedupeStore, StateStore } from '../ports/misc.js';
import type { AnswerService } from '../answers/service.js';
import type { TicketService } from '../tickets/service.js';

/** Returns true when it took care of the message. */
export type InboundSmsHook = (sms: InboundSms) => Promise<boolean>;

export type InboundSmsOutcome =
  | { kind: 'duplicate' }
  | { kind: 'ignored' }
  | { kind: 'hooked' }
  | { kind: 'query'; number: string | null; found: boolean }
  | { kind: 'ticket'; number: string; created: boolean }
  /** 一次性答复: the knowledge base's answer went back with 「回复 1 已解决，2 转人工」. */
  | { kind: 'answer'; entryId: string }
  /** The citizen's 1 to an answer: recorded as answered on first contact (created + answered + closed). */
  | { kind: 'answered'; number: string };

export interface SmsInboxDeps {
  tickets: Pick<TicketService, 'intake' | 'getByNumber' | 'classify'>;
  sms: SmsSender;
  dedupe: DedupeStore;
  clock: Clock;
  /** handlers tried first, in order (a paging reply before a 回访 answer) */
  hooks?: InboundSmsHook[];
  /** 一次性答复: a 咨询 with a confident knowledge-base match is answered at once (issue 24) */
  answers?: { svc: Pick<AnswerService, 'confidentAnswer' | 'record' | 'enabled' | 'scheduleNoReply'>; state: StateStore };
}

const DEDUPE_SCOPE = 'sms-in';
/** The answer a number was sent and whose 1/2 is awaited (state store scope, key the phone number). */
export const SMS_ANSWER_SCOPE = 'sms-answer';
/** How long a 1/2 to an answer is awaited; later, the message is read as a new one. */
const SMS_ANSWER_TTL_MS = 24 * 3600_000;

export interface SmsPendingAnswer {
  question: string;
  entryId: string;
  title: string;
  answer: string;
  /** the inbound message that asked, for the ticket's idempotency */
  key: string;
  askedAt: string;
}

export const SMS_ANSWER_PROMPT = '这个答复解决您的问题了吗？回复 1 已解决，2 转人工';
const QUERY_RE = /^\s*查询\s*[:：]?\s*([0-9][0-9\-\s]*)\s*$/;

export class SmsInbox {
  private readonly hooks: readonly InboundSmsHook[];
  private readonly answers: { svc: Pick<AnswerService, 'confidentAnswer' | 'record' | 'enabled' | 'scheduleNoReply'>; state: StateStore } | null;

  constructor(private readonly d: SmsInboxDeps) {
    this.hooks = [...(d.hooks ?? [])];
    this.answers = d.answers ?? null;
  }

  /**
   * No reply to an answer (the no-reply timer): the question becomes a ticket as before, carrying
   * the answer that was sent. Nothing when the citizen answered meanwhile or asked again since.
   */
  async answerNotConfirmed(from: string, askedAt: string): Promise<InboundSmsOutcome | null> {
    const a = this.answers;
    if (!a) return null;
    const pending = await a.state.get<SmsPendingAnswer>(SMS_ANSWER_SCOPE, from, this.d.clock.now());
    if (!pending || pending.askedAt !== askedAt) return null;
    await a.state.delete(SMS_ANSWER_SCOPE, from);
    return this.ticket(from, pending.question, null, pending.key, [`短信机器人已答复（知识库《${pending.title}》），群众未回复是否解决：${pending.answer}`]);
  }

  async receive(sms: InboundSms): Promise<InboundSmsOutcome> {
    const key = `${sms.provider}:${sms.id}`;
    // Marked done only after handling: a crash halfway is retried by the provider, and the
    // ticket itself is idempotent by its sourceKey.
    if ((await this.d.dedupe.get(DEDUPE_SCOPE, key)) !== undefined) return { kind: 'duplicate' };
    const outcome = await this.handle(sms, key);
    await this.d.dedupe.set(DEDUPE_SCOPE, key, outcome, this.d.clock.now());
    return outcome;
  }

  private async handle(sms: InboundSms, key: string): Promise<InboundSmsOutcome> {
    const from = normalisePhone(sms.from);
    const text = sms.text.trim();
    if (!text || !from) return { kind: 'ignored' };
    for (const hook of this.hooks) if (await hook(sms)) return { kind: 'hooked' };

    const q = QUERY_RE.exec(text) ?? (/^\s*查询\s*$/.test(text) ? [text, ''] : null);
    if (q) {
      const number = parseTicketNumber(q[1] ?? '');
      const found = number ? await this.d.tickets.getByNumber(number) : null;
      // Only the number that filed a ticket learns its state: anyone else hears "not found", as for a wrong number.
      const t = found && found.contact && normalisePhone(found.contact) === from ? found : null;
      const reply = t
        ? `【12345热线】工单${t.number}的办理状态：${STATE_LABELS[t.state]}。`
        : `【12345热线】没有查到${number ? `编号为${number}的` : '该'}工单。查询请发送"查询 工单编号"，例如：查询 20261126-0001。`;
      await this.d.sms.send({ to: from, text: reply, ref: `sms-reply:${key}` });
      return { kind: 'query', number, found: !!t };
    }

    const answered = await this.tryAnswer(from, text, key);
    if (answered) return answered;
    return this.ticket(from, text, sms.id, key);
  }

  /**
   * The 1/2 to an answer sent earlier, or an answer to a new 咨询. 1 records the ticket as answered
   * on first contact; 2 makes the ticket as before, carrying the answer that did not help; anything
   * else makes that ticket too (the answer was not confirmed) and is then read as a new message.
   */
  private async tryAnswer(from: string, text: string, key: string): Promise<InboundSmsOutcome | null> {
    const a = this.answers;
    if (!a || !a.svc.enabled) return null;
    const now = this.d.clock.now();
    const pending = await a.state.get<SmsPendingAnswer>(SMS_ANSWER_SCOPE, from, now);
    if (pending) {
      await a.state.delete(SMS_ANSWER_SCOPE, from);
      const choice = text.replace(/[\s。.!！]+$/u, '').trim();
      if (/^(1|１|已解决|解决了)$/.test(choice)) {
        const r = await a.svc.record(
          { channel: 'sms', content: pending.question, contact: from, sourceKey: `sms:${pending.key}`, answer: { entryId: pending.entryId, answer: pending.answer, solved: true, title: pending.title } },
          { id: 'sms', role: 'citizen', name: '短信' },
          'sms',
        );
        await this.d.sms.send({ to: from, text: `【12345热线】感谢您的反馈，已记录为一次性答复（编号${r.ticket.number}）。如有其他问题，可随时来信或拨打12345。`, ref: `sms-answered:${key}` });
        return { kind: 'answered', number: r.ticket.number };
      }
      const note = `短信机器人已答复（知识库《${pending.title}》），群众${/^(2|２|转人工|人工|未解决|没解决)$/.test(choice) ? '回复2转人工' : '未确认解决'}：${pending.answer}`;
      const r = await this.ticket(from, pending.question, null, pending.key, [note]);
      if (/^(2|２|转人工|人工|未解决|没解决)$/.test(choice)) return r;
      // Not an answer to the question: the earlier 咨询 is a ticket now, and this message is a new one.
    }
    const hit = await a.svc.confidentAnswer(text, { channel: 'sms', ...(await this.category(text)) });
    if (!hit) return null;
    const doc: SmsPendingAnswer = { question: text, entryId: hit.entryId, title: hit.title, answer: hit.answer, key, askedAt: now.toISOString() };
    await a.state.put(SMS_ANSWER_SCOPE, from, doc, now, new Date(now.getTime() + SMS_ANSWER_TTL_MS));
    await a.svc.scheduleNoReply({ channel: 'sms', contactId: from, ref: doc.askedAt });
    await this.d.sms.send({ to: from, text: `【12345热线】${hit.title}：${hit.answer}\n${SMS_ANSWER_PROMPT}`, ref: `sms-answer:${key}` });
    return { kind: 'answer', entryId: hit.entryId };
  }

  private async category(text: string): Promise<{ category: string; urgent: boolean }> {
    const c = await this.d.tickets.classify(text);
    return { category: c.category, urgent: c.urgent || c.urgentCheck === true };
  }

  private async ticket(from: string, text: string, externalRef: string | null, key: string, notes?: string[]): Promise<InboundSmsOutcome> {
    const r = await this.d.tickets.intake(
      { channel: 'sms', content: text, contact: from, externalRef, sourceKey: `sms:${key}`, ...(notes ? { notes } : {}) },
      { id: 'sms', role: 'citizen', name: '短信' },
      'sms',
    );
    if (r.created) {
      await this.d.sms.send({
        to: from,
        text: `【12345热线】您的诉求已登记，工单编号${r.ticket.number}。回复"查询 ${r.ticket.number}"可查询办理进度。`,
        ref: `sms-ack:${key}`,
      });
    }
    return { kind: 'ticket', number: r.ticket.number, created: r.created };
  }
}
