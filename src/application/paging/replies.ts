/**
 * Replies from paged people by SMS or WeChat: `1234`, ` ack 1234 `, `确认1234`, or a bare `确认`
 * for their latest page. A number we never paged changes nothing (the message is not ours).
 */
import type { Clock } from '../../domain/clock.js';
import { parseAckReply } from '../../domain/duty/sms-ack.js';
import { speaksForUnit } from '../../domain/duty/escalation.js';
import { normalisePhone } from '../../domain/phone.js';
import type { AuditLog, StateStore } from '../ports/misc.js';
import type { PagingStore } from './ports.js';
import type { PagingService } from './service.js';

export interface InboundText {
  from: string;
  text: string;
  at?: Date;
  channel?: 'sms' | 'wechat';
}

export interface InboundTextResult {
  handled: boolean;
  /** what to answer the sender, if anything */
  reply?: string;
  pageId?: string;
}

/** How far back a reply may refer to a page. */
const LOOKBACK_MS = 7 * 86_400_000;
/** One error reply per sender per window: a typo gets help, a loop between robots does not. */
const ERROR_REPLY_WINDOW_MS = 10 * 60_000;

export class PageReplies {
  constructor(
    private readonly d: { paging: PagingService; store: PagingStore; state: StateStore; audit: AuditLog; clock: Clock },
  ) {}

  async handle(msg: InboundText): Promise<InboundTextResult> {
    const channel = msg.channel ?? 'sms';
    const from = channel === 'sms' ? normalisePhone(msg.from) : msg.from.trim();
    const now = msg.at ?? this.d.clock.now();
    const parsed = parseAckReply(msg.text);
    // An arrival may answer a page that reached its sender by a call (no code): every attempt counts.
    const sent = parsed.kind === 'arrived' && !parsed.code ? await this.d.store.attemptsTo(from, new Date(now.getTime() - LOOKBACK_MS)) : await this.d.store.messagesTo(from, new Date(now.getTime() - LOOKBACK_MS));
    if (!sent.length) return { handled: false };
    const open = sent.filter((a) => a.pageStatus === 'running');
    const audit = (result: string, extra: Record<string, unknown> = {}) =>
      this.d.audit.append({ at: now, actorId: `${channel}:${from}`, kind: `page.${channel}_in`, subject: extra.ticketId ? `ticket:${extra.ticketId}` : `contact:${from}`, data: { from, text: msg.text, result, ...extra } });

    if (parsed.kind === 'arrived') {
      // 现场处置: the arrival of the people a page sent, on that page's ticket (acknowledged or still running).
      const match = parsed.code ? sent.find((a) => a.code === parsed.code) : (sent.find((a) => a.pageStatus === 'acked') ?? open[0] ?? sent[0]);
      if (!match) {
        await audit('wrong_arrival_code', { code: parsed.code });
        return { handled: true, reply: await this.errorReply(from, now, `确认码 ${parsed.code ?? ''} 无效，未能登记到达。`) };
      }
      const side = speaksForUnit(match.target) ? 'unit' : 'office';
      const r = await this.d.paging.recordArrival(match.pageId, { id: `${channel}:${from}`, name: match.targetName ?? from, phone: channel === 'sms' ? from : null, side }, channel);
      await audit(r.status, { ticketId: match.ticketId, pageId: match.pageId, code: match.code, arrival: true });
      return { handled: true, reply: `【12345即办】${r.text}`, pageId: match.pageId };
    }
    if (parsed.kind === 'other') {
      await audit('not_understood');
      if (!open.length) return { handled: false };
      return { handled: true, reply: await this.errorReply(from, now, `未识别的回复。确认接单请回复 ${open[0].code}`) };
    }
    const match = parsed.kind === 'code' ? sent.find((a) => a.code === parsed.code) : (open[0] ?? sent[0]);
    if (!match) {
      await audit('wrong_code', { code: parsed.kind === 'code' ? parsed.code : null });
      const hint = open.length ? `请回复 ${open[0].code} 确认接单` : '您没有待确认的即办工单';
      return { handled: true, reply: await this.errorReply(from, now, `确认码 ${parsed.kind === 'code' ? parsed.code : ''} 无效。${hint}`) };
    }
    const side = speaksForUnit(match.target) ? 'unit' : 'office';
    const r = await this.d.paging.acknowledge(match.pageId, { id: `${channel}:${from}`, name: match.targetName ?? from, phone: channel === 'sms' ? from : null, side }, channel, { code: match.code, text: msg.text });
    await audit(r.status, { ticketId: match.ticketId, pageId: match.pageId, code: match.code });
    const number = r.page.ticketNumber;
    if (r.status === 'already') return { handled: true, reply: `【12345即办】工单${number}已由${r.by}确认`, pageId: match.pageId };
    if (r.status === 'closed') return { handled: true, reply: `【12345即办】工单${number}的呼叫已结束，无需确认`, pageId: match.pageId };
    if (side === 'office') return { handled: true, reply: `【12345即办】工单${number}已由您接手，${r.page.unit ?? '承办单位'}尚未签收，请尽快联系其处置。`, pageId: match.pageId };
    return { handled: true, reply: `【12345即办】已确认接单，工单${number}已签收，请立即处置并及时反馈。`, pageId: match.pageId };
  }

  /** The error reply, or nothing when this sender already got one within the window. */
  private async errorReply(from: string, now: Date, text: string): Promise<string | undefined> {
    const key = from;
    if (await this.d.state.get('page.reply_error', key, now)) return undefined;
    await this.d.state.put('page.reply_error', key, { at: now.toISOString() }, now, new Date(now.getTime() + ERROR_REPLY_WINDOW_MS));
    return `【12345即办】${text}`;
  }
}
