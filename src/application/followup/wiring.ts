/**
 * The follow-up service over the container's parts: job handlers on the runner and the bus
 * listeners; it hands back the inbound-SMS hook (src/composition gives it to the inbox) and the
 * service, whose ivrActions() the call gateway takes at construction.
 */
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import type { JobHandlers, JobStore } from '../ports/jobs.js';
import type { SmsSender } from '../ports/messaging.js';
import type { EventBus } from '../ports/events.js';
import type { AuditLog, DedupeStore, StateStore } from '../ports/misc.js';
import type { DeadlineCalendar } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import type { VoiceDialer } from '../ports/voice.js';
import type { TicketService } from '../tickets/service.js';
import { DEFAULT_FOLLOWUP_CONFIG, type FollowupChat, type FollowupConfig } from './ports.js';
import type { InboundSmsHook } from '../voice/sms-inbox.js';
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
  /** the WeChat transports' outbox (the 回访 question and ticket-update notices in the chat) */
  chat: FollowupChat | null;
  calendar: DeadlineCalendar;
  clock: Clock;
  bus: EventBus;
  audit: AuditLog;
  log: { warn(o: object, m: string): void; info(o: object, m: string): void };
  runner: JobHandlers & { wake(): void };
}

export interface FollowupHandle {
  service: FollowUpService;
  /** 回访 answers by SMS, tried before the inbox makes requests of them. */
  smsHook: InboundSmsHook;
}

export function wireFollowup(d: FollowupWiringDeps, overrides: Partial<FollowupConfig> = {}): FollowupHandle {
  const service = new FollowUpService({
    tickets: d.tickets,
    store: d.ticketStore,
    jobs: d.jobs,
    state: d.state,
    dedupe: d.dedupe,
    sms: d.sms,
    voice: () => d.voice,
    chat: () => d.chat,
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
  const smsHook: InboundSmsHook = async (sms) => {
    const r = await service.handleInboundSms({ from: sms.from, text: sms.text, at: sms.at });
    if (r.handled && r.reply) await d.sms.send({ to: sms.from, text: r.reply, ref: `followup-reply:${sms.provider}:${sms.id}` });
    return r.handled;
  };
  return { service, smsHook };
}

