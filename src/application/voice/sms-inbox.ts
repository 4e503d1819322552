/**
 * SMS that reach the hotline number, from any provider. Other services hook in first (a 回访
 * answer, a paging reply); what nobody claims is either `查询 <工单号>` or a new request.
 */
import type { Clock } from '../../domain/clock.js';
import { normalisePhone } from '../../domain/phone.js';
import { parseTicketNumber } from '../../domain/tickets/number.js';
import { STATE_LABELS } from '../../domain/tickets/ticket.js';
import type { InboundSms, SmsSender } from '../ports/messaging.js';
import type { DedupeStore } from '../ports/misc.js';
import type { TicketService } from '../tickets/service.js';

/** Returns true when it took care of the message. */
export type InboundSmsHook = (sms: InboundSms) => Promise<boolean>;

export type InboundSmsOutcome =
  | { kind: 'duplicate' }
  | { kind: 'ignored' }
  | { kind: 'hooked' }
  | { kind: 'query'; number: string | null; found: boolean }
  | { kind: 'ticket'; number: string; created: boolean };

export interface SmsInboxDeps {
  tickets: Pick<TicketService, 'intake' | 'getByNumber'>;
  sms: SmsSender;
  dedupe: DedupeStore;
  clock: Clock;
}

const DEDUPE_SCOPE = 'sms-in';
const QUERY_RE = /^\s*查询\s*[:：]?\s*([0-9][0-9\-\s]*)\s*$/;

export class SmsInbox {
  private readonly hooks: InboundSmsHook[] = [];

  constructor(private readonly d: SmsInboxDeps) {}

  /** Registers a handler tried before the default ones; returns a function that removes it. */
  use(hook: InboundSmsHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
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

    const r = await this.d.tickets.intake(
      { channel: 'sms', content: text, contact: from, externalRef: sms.id, sourceKey: `sms:${key}` },
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
