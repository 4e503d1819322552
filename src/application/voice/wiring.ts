/**
 * The voice part of the composition root: picks the provider by SUBAN_VOICE and builds the
 * voice service, the SMS inbox and the Twilio client. Like src/container.ts, this is the one
 * place of the voice feature that knows which adapter implements which port.
 */
import type { BlockedCallers } from './blocked-callers.js';
import type { UserStore } from '../ports/users.js';
import { assessSpeech } from './speech-triage.js';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../../config.js';
import type { Clock } from '../../domain/clock.js';
import { FreeSwitchVoiceProvider } from '../../../adapters/freeswitch/voice.js';
import { SimVoiceProvider } from '../../../adapters/sim/voice.js';
import { createTwilioClient, TwilioSmsSender, TwilioVoiceProvider, type TwilioClient } from '../../../adapters/twilio/client.js';
import type { CallSessionStore, IvrAction } from '../ivr/ports.js';
import type { SmsSender } from '../ports/messaging.js';
import type { MetricsPort } from '../ports/metrics.js';
import type { EventBus } from '../ports/events.js';
import type { DedupeStore, StateStore } from '../ports/misc.js';
import type { ClassifierPort } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import type { TicketService } from '../tickets/service.js';
import { SmsInbox } from './sms-inbox.js';
import { VoiceService, type VoiceLogger } from './voice-service.js';

export interface VoiceWiringOptions {
  /** the twilio SDK's own `httpClient` option: tests send its requests to a loopback fake */
  twilioHttpClient?: RequestClient;
  /** where call state lives; default the shared StateStore (a benchmark times the flow without it) */
  sessions?: CallSessionStore;
}

export interface VoiceParts {
  voiceService: VoiceService;
  /** flow actions by name; paging and follow-up add theirs (pageAck, pagePass, recordFollowup) */
  ivrActions: Record<string, IvrAction>;
  smsInbox: SmsInbox;
  /** the simulated provider when SUBAN_VOICE=sim (demo console, CLI, tests) */
  simVoice: SimVoiceProvider | null;
  freeswitch: FreeSwitchVoiceProvider | null;
}

const clients = new WeakMap<Config, TwilioClient>();

/** One SDK client per configuration, shared by the SMS sender and the voice provider. */
export function twilioClientFor(config: Config, opts: VoiceWiringOptions = {}): TwilioClient {
  let c = clients.get(config);
  if (!c) clients.set(config, (c = createTwilioClient(config.twilio, opts.twilioHttpClient)));
  return c;
}

export function twilioSmsSender(config: Config, opts: VoiceWiringOptions = {}): SmsSender {
  return new TwilioSmsSender(twilioClientFor(config, opts), config.twilio.from);
}

export function createVoice(
  p: {
    config: Config;
    log: VoiceLogger & { child?: (b: object) => VoiceLogger };
    clock: Clock;
    bus: EventBus;
    state: StateStore;
    dedupe: DedupeStore;
    tickets: TicketService;
    ticketStore: TicketStore;
    classifier: ClassifierPort;
    workCalendar: { isWorkingTime(at: Date): boolean };
    sms: SmsSender;
    blocked?: BlockedCallers;
    users?: Pick<UserStore, 'byName'>;
    metrics?: MetricsPort;
  },
  opts: VoiceWiringOptions = {},
): VoiceParts {
  const log = p.log.child?.({ component: 'voice' }) ?? p.log;
  const ivrActions: Record<string, IvrAction> = { assessSpeech: assessSpeech(p.classifier) };
  const voiceService = new VoiceService({
    flowsDir: p.config.flowsDir,
    bus: p.bus,
    clock: p.clock,
    state: p.state,
    tickets: p.tickets,
    ticketStore: p.ticketStore,
    classifier: p.classifier,
    workCalendar: p.workCalendar,
    sms: p.sms,
    log,
    actions: ivrActions,
    ...(p.blocked ? { blocked: p.blocked } : {}),
    ...(p.users ? { operators: p.users } : {}),
    ...(opts.sessions ? { sessions: opts.sessions } : {}),
    ...(p.metrics ? { metrics: p.metrics } : {}),
  });
  const smsInbox = new SmsInbox({ tickets: p.tickets, sms: p.sms, dedupe: p.dedupe, clock: p.clock });
  let simVoice: SimVoiceProvider | null = null;
  let freeswitch: FreeSwitchVoiceProvider | null = null;
  const { config } = p;
  if (config.voice === 'sim') {
    simVoice = new SimVoiceProvider(voiceService, { clock: p.clock, log, from: '12345' });
    voiceService.setProvider(simVoice);
  } else if (config.voice === 'twilio') {
    voiceService.setProvider(new TwilioVoiceProvider({ client: twilioClientFor(config, opts), from: config.twilio.from, publicUrl: config.publicUrl, state: p.state, clock: p.clock }));
  } else {
    const fs = config.freeswitch;
    freeswitch = new FreeSwitchVoiceProvider(voiceService, {
      esl: { host: fs.host, port: fs.port, password: fs.password },
      outbound: { host: '127.0.0.1', port: fs.outboundPort },
      tts: { engine: 'tts_commandline', voice: 'zh-CN' },
      asr: fs.asr,
      callerId: config.twilio.from || undefined,
      clock: p.clock,
      log,
    });
    voiceService.setProvider(freeswitch);
  }
  return { voiceService, ivrActions, smsInbox, simVoice, freeswitch };
}

