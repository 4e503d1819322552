/**
 * What the IVR flows may ask of the rest of Suban, implemented over the application services:
 * tickets from calls, status look-ups, the working-hours calendar, the block list and SMS.
 */
import { normalisePhone } from '../../domain/phone.js';
import { parseTicketNumber } from '../../domain/tickets/number.js';
import { CATEGORIES, STATE_LABELS, type Actor, type Attachment, type Category } from '../../domain/tickets/ticket.js';
import type { ActionContext, CreateTicketArgs, IvrAction, IvrServices, TicketLookup } from '../ivr/ports.js';
import type { SmsSender } from '../ports/messaging.js';
import type { TicketService } from '../tickets/service.js';
import type { BlockedCallers } from './blocked-callers.js';

export const IVR_ACTOR: Actor = { id: 'ivr', role: 'system', name: '语音导航' };

/** What the caller said, as far as any provider could tell (speech results, transcripts, the simulator). */
export interface CallerTexts {
  textsOf(callId: string, recordingUrl?: string): string[];
}

export interface IvrServiceDeps {
  tickets: Pick<TicketService, 'intake' | 'getByNumber'>;
  workCalendar: { isWorkingTime(at: Date): boolean };
  sms: SmsSender;
  /** further actions by name; other services add theirs at wiring time (pageAck, recordFollowup...) */
  actions: Record<string, IvrAction>;
  texts?: CallerTexts;
  blocked: Pick<BlockedCallers, 'isBlocked'>;
}

/** Menu keys of hotline.yaml that say what kind of request the caller has. */
const MENU_CATEGORY: Record<string, Category> = { '2': '咨询', '3': '投诉' };

export function createIvrServices(d: IvrServiceDeps): IvrServices {
  return {
    async createTicket(args: CreateTicketArgs, ctx: ActionContext) {
      const recordingUrl = typeof args.recordingUrl === 'string' && args.recordingUrl ? args.recordingUrl : undefined;
      const said = d.texts?.textsOf(args.callId, recordingUrl) ?? [];
      const content = said.length ? said.join(' ') : `电话留言${recordingUrl ? '（见录音）' : '（未录到语音，请回拨来电人）'}。语音导航：${args.ivrPath || '无'}`;
      const attachments: Attachment[] = recordingUrl ? [{ kind: 'recording', url: recordingUrl, note: `通话 ${args.callId}` }] : [];
      const category = pickCategory(args);
      const r = await d.tickets.intake(
        {
          channel: 'phone',
          content,
          contact: normalisePhone(args.caller),
          attachments,
          urgent: args.urgent === true || (args.urgent as unknown) === 'true',
          ...(category ? { category } : {}),
          externalRef: args.callId,
          // A crash between creating the ticket and saving the call state re-runs this step with the same key.
          sourceKey: `ivr:${ctx.idempotencyKey}`,
        },
        IVR_ACTOR,
        'phone',
      );
      return { number: r.ticket.number, id: r.ticket.id };
    },

    async lookupTicket(raw: string, ctx: ActionContext): Promise<TicketLookup> {
      const number = parseTicketNumber(raw);
      if (!number) return { found: false };
      const t = await d.tickets.getByNumber(number);
      if (!t) return { found: false };
      const stateLabel = STATE_LABELS[t.state];
      // Anyone can key in a number: the reply text is only read back to the caller who filed it.
      const own = !!t.contact && normalisePhone(t.contact) === normalisePhone(ctx.caller);
      const summary = own && t.lastReply && (t.state === 'replied' || t.state === 'closed') ? `办理结果：${t.lastReply.slice(0, 80)}` : '';
      return { found: true, stateLabel, summary };
    },

    isWorkingTime: (at: Date) => d.workCalendar.isWorkingTime(at),

    isCallerBlocked: (caller: string) => d.blocked.isBlocked(caller),

    async sendSms(to: string, text: string, ctx: ActionContext) {
      await d.sms.send({ to: normalisePhone(to), text, ref: `ivr:${ctx.idempotencyKey}` });
    },

    actions: d.actions,
  };
}

function pickCategory(args: CreateTicketArgs): Category | undefined {
  if (typeof args.category === 'string' && (CATEGORIES as readonly string[]).includes(args.category)) return args.category as Category;
  return typeof args.menu === 'string' ? MENU_CATEGORY[args.menu] : undefined;
}
