/**
 * Answering on the first contact (一次性答复, issue 24): the desk, the WeChat/SMS bots and the IVR
 * look the citizen's words up in the knowledge base (the KnowledgeSearch port) and, when an entry
 * answers them, record the ticket as 直接答复 (created + answered in one write, no dispatch).
 * The knowledge base itself (entries, search) lives behind the port; this service only uses it.
 */
import type { Clock } from '../../domain/clock.js';
import { invalid } from '../../domain/errors.js';
import { maskContact, normalisePhone } from '../../domain/phone.js';
import type { Actor, Channel, Ticket } from '../../domain/tickets/ticket.js';
import type { KnowledgeHit, KnowledgeSearch } from '../ports/knowledge.js';
import type { SmsSender } from '../ports/messaging.js';
import type { IvrAction } from '../ivr/ports.js';
import { JOB, type JobStore } from '../ports/jobs.js';
import type { DirectAnswer, IntakeRequest, IntakeResult, TicketService } from '../tickets/service.js';

export interface AnswerServiceDeps {
  tickets: Pick<TicketService, 'intake' | 'apply' | 'classify'>;
  sms: SmsSender;
  clock: Clock;
  log: { warn(o: object, m: string): void };
  /** For the no-reply timer of a bot's answer (job JOB.answerNoReply); without it silence makes no ticket. */
  jobs?: Pick<JobStore, 'enqueue'>;
  /** Ask the job runner to look (a timer set). */
  wake?: () => void;
  /** The knowledge base the answers come from; without one nothing is answered. */
  knowledge?: KnowledgeSearch | null;
}

/** A bot's answer that got neither 1 nor 2: after this the question becomes a ticket as before. */
export const ANSWER_REPLY_WAIT_MS = 30 * 60_000;

/** The payload of job `answers.no_reply` (a type, not an interface: a job payload is a plain JSON record). */
export type NoReplyPayload = {
  channel: string;
  contactId: string;
  /** which answer: the conversation's id (WeChat) or the time it was sent (SMS) */
  ref: string;
};

export interface Suggestions {
  hits: KnowledgeHit[];
  /** The best hit is at or above the knowledge base's confidentAt. */
  confident: boolean;
  confidentAt: number;
}

/** The shortest text worth a search (a greeting or a half-typed word finds noise). */
const MIN_QUESTION_CHARS = 4;

/**
 * A question form: 怎么/如何/哪里/什么/多少/能不能/可以…吗/需要…/？. Bots answer such a message even
 * when the classifier's category is not 咨询 (citizens ask "路灯坏了找谁？").
 */
export function isQuestionForm(text: string): boolean {
  const s = text.trim();
  return /[?？]\s*$/.test(s) || /(怎么|怎样|如何|哪里|哪儿|哪个|什么|多少|多久|几天|能不能|能否|可不可以|是否|需要.*(材料|手续|证件)|要带|流程|咨询|请问)/.test(s) || /(吗|呢)[。.!！]?\s*$/.test(s);
}

/** The answer as an SMS: short, with the hotline's signature. */
export function answerSms(title: string, answer: string): string {
  const body = answer.length > 400 ? `${answer.slice(0, 397)}…` : answer;
  return `【12345热线】${title}：${body}`;
}

export class AnswerService {
  private kb: KnowledgeSearch | null;

  constructor(private readonly d: AnswerServiceDeps) {
    this.kb = d.knowledge ?? null;
  }

  /** Another knowledge base from now on (tests pass a double). Without one nothing is answered. */
  useKnowledge(kb: KnowledgeSearch | null): void {
    this.kb = kb;
  }

  get knowledge(): KnowledgeSearch | null {
    return this.kb;
  }

  get enabled(): boolean {
    return this.kb !== null;
  }

  /** The top entries for the citizen's words (the desk shows five). A miss is recorded only when asked. */
  async suggest(text: string, opts: { channel: string; limit?: number; recordMiss?: boolean }): Promise<Suggestions> {
    const kb = this.kb;
    const q = text.trim();
    if (!kb || q.length < MIN_QUESTION_CHARS) return { hits: [], confident: false, confidentAt: kb?.confidentAt ?? 1 };
    const at = this.d.clock.now();
    const hits = await kb.search(q, { limit: opts.limit ?? 5, at });
    const confident = (hits[0]?.confidence ?? 0) >= kb.confidentAt;
    if (!confident && opts.recordMiss) await this.miss(q, opts.channel);
    return { hits, confident, confidentAt: kb.confidentAt };
  }

  /**
   * The entry a bot or the IVR may answer with on its own: a 咨询 (the classifier's category or a
   * question form), not urgent, and a hit at or above confidentAt (readable, for the IVR). A 咨询
   * without one is recorded as a miss for the units' to-do list.
   */
  async confidentAnswer(text: string, opts: { channel: string; category: string; urgent: boolean; readable?: boolean }): Promise<KnowledgeHit | null> {
    const kb = this.kb;
    const q = text.trim();
    if (!kb || opts.urgent || q.length < MIN_QUESTION_CHARS) return null;
    if (opts.category !== '咨询' && !isQuestionForm(q)) return null;
    const hits = await kb.search(q, { limit: 5, at: this.d.clock.now() });
    const hit = hits.find((h) => h.confidence >= kb.confidentAt && (!opts.readable || h.readable)) ?? null;
    if (!hit) await this.miss(q, opts.channel);
    return hit;
  }

  /**
   * Records a 直接答复: the ticket is created and answered in one write (closed too when `solved`,
   * or when the centre needs no 回访), the entry's use counted, and the answer texted when asked.
   */
  async record(req: Omit<IntakeRequest, 'answer' | 'category'> & { answer: DirectAnswer & { title?: string } }, by: Actor, via: string): Promise<IntakeResult & { smsSent: boolean | null }> {
    if (!req.answer.answer.trim()) throw invalid('empty_answer', '答复内容不能为空');
    const phone = req.answer.sms ? smsTarget(req.contact ?? null) : null;
    if (req.answer.sms && !phone) throw invalid('no_phone', '没有可发送短信的手机号码');
    const r = await this.d.tickets.intake({ ...req, category: '咨询', answer: { entryId: req.answer.entryId, answer: req.answer.answer, sms: req.answer.sms, solved: req.answer.solved } }, by, via);
    if (!r.created) return { ...r, smsSent: null };
    if (req.answer.entryId && this.kb) {
      await this.kb.recordUse(req.answer.entryId, { channel: req.channel, by: by.role === 'citizen' || by.role === 'system' ? null : by.id, ticketId: r.ticket.id, at: this.d.clock.now() }).catch((err) => this.d.log.warn({ err: String(err), entry: req.answer.entryId }, 'knowledge use not counted'));
    }
    let smsSent: boolean | null = null;
    if (phone) smsSent = await this.sendSms(r.ticket, phone, req.answer.title ?? '政策答复', req.answer.answer, by, via);
    return { ...r, smsSent };
  }

  /** Texts the answer and logs the outcome on the ticket (a note); never fails the answer itself. */
  private async sendSms(t: Ticket, phone: string, title: string, answer: string, by: Actor, via: string): Promise<boolean> {
    let ok = true;
    try {
      await this.d.sms.send({ to: phone, text: answerSms(title, answer), ref: `answer-sms:${t.id}` });
    } catch (err) {
      ok = false;
      this.d.log.warn({ err: String(err), ticket: t.number }, 'answer SMS not sent');
    }
    const text = ok ? `答复短信已发送至 ${maskContact(phone)}` : `答复短信发送失败(${maskContact(phone)})`;
    await this.d.tickets.apply(t.id, by, via, () => [{ type: 'note', text }]).catch((err) => this.d.log.warn({ err: String(err), ticket: t.number }, 'answer SMS note not kept'));
    return ok;
  }

  /**
   * The IVR's actions for the `answer` verb: kbAnswer finds a readable, confident entry for the
   * caller's words; kbAnswered records the caller's 1 (created + answered + closed).
   */
  ivrActions(): Record<string, IvrAction> {
    return {
      kbAnswer: async (args) => {
        const text = String(args.text ?? '').trim();
        if (!this.kb || !text) return null;
        const c = await this.d.tickets.classify(text);
        const hit = await this.confidentAnswer(text, { channel: 'phone', category: c.category, urgent: c.urgent || c.urgentCheck === true, readable: true });
        return hit ? { entryId: hit.entryId, title: hit.title, answer: hit.answer } : null;
      },
      kbAnswered: async (args, ctx) => {
        const r = await this.record(
          { channel: 'phone', content: String(args.question ?? ''), contact: ctx.caller, externalRef: ctx.callId, sourceKey: `ivr:${ctx.idempotencyKey}`, answer: { entryId: typeof args.entryId === 'string' ? args.entryId : null, answer: String(args.answer ?? ''), solved: true } },
          { id: 'ivr', role: 'system', name: '语音导航' },
          'ivr',
        );
        return { number: r.ticket.number, id: r.ticket.id };
      },
    };
  }

  /** Sets the timer after which an unconfirmed bot answer becomes a ticket (no reply → a ticket as before). */
  async scheduleNoReply(p: NoReplyPayload): Promise<void> {
    if (!this.d.jobs) return;
    const runAt = new Date(this.d.clock.now().getTime() + ANSWER_REPLY_WAIT_MS);
    await this.d.jobs.enqueue([{ kind: JOB.answerNoReply, key: `${JOB.answerNoReply}:${p.channel}:${p.contactId}:${p.ref}`, runAt, payload: { ...p } }]);
  }

  async miss(question: string, channel: string): Promise<void> {
    if (!this.kb) return;
    await this.kb.recordMiss(question.slice(0, 500), { channel, at: this.d.clock.now() }).catch((err) => this.d.log.warn({ err: String(err) }, 'knowledge miss not recorded'));
  }

  async recordUse(entryId: string, use: { channel: Channel | string; by: string | null; ticketId: string | null }): Promise<void> {
    if (!this.kb) return;
    await this.kb.recordUse(entryId, { ...use, at: this.d.clock.now() }).catch((err) => this.d.log.warn({ err: String(err), entry: entryId }, 'knowledge use not counted'));
  }
}

/** A mobile number an answer can be texted to. */
function smsTarget(contact: string | null): string | null {
  if (!contact) return null;
  const p = normalisePhone(contact);
  return /^1[3-9]\d{9}$/.test(p) ? p : null;
}
