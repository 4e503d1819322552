/**
 * The follow-up service over the container's parts: job handlers on the runner, the
 * `recordFollowup` IVR action, the inbound-SMS hook and the bus listeners.
 */
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import type { ChatChannel } from '../conversation/ports.js';
import type { IvrAction } from '../ivr/ports.js';
import type { Job, JobStore } from '../ports/jobs.js';
import type { InboundSms, SmsSender } from '../ports/messaging.js';
import type { AuditLog, DedupeStore, EventBus, StateStore } from '../ports/misc.js';
import type { DeadlineCalendar } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import type { VoiceDialer } from '../ports/voice.js';
import type { TicketService } from '../tickets/service.js';
import { DEFAULT_FOLLOWUP_CONFIG, type FollowupChat, type FollowupConfig } from './ports.js';
import { FollowUpService } from './service.js';

export interface FollowupWiringDeps {
  config: Pick<Config, 'callWindow' | 'cityDutyPhone'>;
  tickets: TicketService;
  ticketStore: TicketStore;
  jobs: JobStore;
  state: StateStore;
  dedupe: DedupeStore;
  sms: SmsSender;
  voice: VoiceDialer | null;
  ivrActions?: Record<string, IvrAction>;
  smsInbox?: { use(hook: (sms: InboundSms) => Promise<boolean>): unknown };
  calendar: DeadlineCalendar;
  clock: Clock;
  bus: EventBus;
  audit: AuditLog;
  log: { warn(o: object, m: string): void; info(o: object, m: string): void };
  runner: { register(kind: string, h: (job: Job) => Promise<void>): unknown; wake(): void };
}

export interface FollowupHandle {
  service: FollowUpService;
  /** The WeChat transports call this once they can send (see followupChatOverMp). */
  setChat(chat: FollowupChat | null): void;
}

export function wireFollowup(d: FollowupWiringDeps, overrides: Partial<FollowupConfig> = {}): FollowupHandle {
  let chat: FollowupChat | null = null;
  const service = new FollowUpService({
    tickets: d.tickets,
    store: d.ticketStore,
    jobs: d.jobs,
    state: d.state,
    dedupe: d.dedupe,
    sms: d.sms,
    voice: () => d.voice,
    chat: () => chat,
    calendar: d.calendar,
    clock: d.clock,
    bus: d.bus,
    audit: d.audit,
    log: d.log,
    wake: () => d.runner.wake(),
    config: { ...DEFAULT_FOLLOWUP_CONFIG, callWindow: d.config.callWindow, cityDutyPhone: d.config.cityDutyPhone, ...overrides },
  });
  service.register(d.runner);
  service.subscribe();
  if (d.ivrActions) Object.assign(d.ivrActions, service.ivrActions());
  d.smsInbox?.use(async (sms) => {
    const r = await service.handleInboundSms({ from: sms.from, text: sms.text, at: sms.at });
    if (r.handled && r.reply) await d.sms.send({ to: sms.from, text: r.reply, ref: `followup-reply:${sms.provider}:${sms.id}` });
    return r.handled;
  });
  return { service, setChat: (c) => (chat = c) };
}

