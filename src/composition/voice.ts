/**
 * The voice part of the composition root: picks the provider by SUBAN_VOICE and builds the
 * operator queue and the call gateway over it. The one place of the voice feature that knows
 * which adapter implements which port (application/voice imports none).
 */
import { join } from 'node:path';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { FreeSwitchVoiceProvider } from '../../adapters/freeswitch/voice.js';
import { RecordingTargets, recordingSettings, type RecordingSettings } from '../../adapters/freeswitch/recordings.js';
import { SimVoiceProvider } from '../../adapters/sim/voice.js';
import { createTwilioClient, TwilioSmsSender, TwilioVoiceProvider, type TwilioClient } from '../../adapters/twilio/client.js';
import type { CallSessionStore, IvrAction } from '../application/ivr/ports.js';
import type { VoiceLogger, VoiceProviderFactory } from '../application/ports/calls.js';
import type { EventBus } from '../application/ports/events.js';
import type { SmsSender } from '../application/ports/messaging.js';
import type { MetricsPort } from '../application/ports/metrics.js';
import type { StateStore } from '../application/ports/misc.js';
import type { ClassifierPort } from '../application/ports/routing.js';
import type { TicketStore } from '../application/ports/tickets.js';
import type { UserStore } from '../application/ports/users.js';
import type { TicketService } from '../application/tickets/service.js';
import type { BlockedCallers } from '../application/voice/blocked-callers.js';
import { CallGateway } from '../application/voice/call-gateway.js';
import { OperatorQueue } from '../application/voice/operator-queue.js';
import type { FlowFiles } from '../application/ports/flow-files.js';

export interface VoiceWiringOptions {
  /** the twilio SDK's own `httpClient` option: tests send its requests to a loopback fake */
  twilioHttpClient?: RequestClient;
  /** where call state lives; default the shared StateStore (a benchmark times the flow without it) */
  sessions?: CallSessionStore;
}

/** FreeSWITCH recordings (docs/freeswitch.md): both ends of the signed upload URL come from one RecordingTargets. */
export interface FreeSwitchRecordings {
  settings: RecordingSettings | null;
  targets: RecordingTargets | null;
  /** upload mode: `<media>/recordings`; shared mode: SUBAN_FS_RECORDINGS_DIR */
  storeDir: string;
}

export interface VoiceParts {
  calls: CallGateway;
  queue: OperatorQueue;
  /** the simulated provider when SUBAN_VOICE=sim (demo console, CLI, tests) */
  simVoice: SimVoiceProvider | null;
  /** where FreeSWITCH recordings go (SUBAN_VOICE=freeswitch) */
  recordings: FreeSwitchRecordings | null;
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

export function freeswitchRecordingsOf(config: Config, mediaDir: string, clock: Clock): FreeSwitchRecordings {
  const settings = recordingSettings(config.freeswitch.recordings);
  const storeDir = settings?.mode === 'upload' ? join(mediaDir, 'recordings') : config.freeswitch.recordings.dir;
  return { settings, targets: settings ? new RecordingTargets(settings, clock) : null, storeDir };
}

export function createVoice(
  p: {
    config: Config;
    log: VoiceLogger & { child?: (b: object) => VoiceLogger };
    clock: Clock;
    bus: EventBus;
    state: StateStore;
    tickets: TicketService;
    ticketStore: TicketStore;
    classifier: ClassifierPort;
    workCalendar: { isWorkingTime(at: Date): boolean };
    sms: SmsSender;
    blocked: BlockedCallers;
    /** every flow action, complete (assessSpeech, pageAck, recordFollowup, answers' ...) */
    actions: Record<string, IvrAction>;
    /** the IVR flow files (SUBAN_FLOWS_DIR) */
    flowFiles: FlowFiles;
    /** the app's media root (`data/media`): FreeSWITCH uploads go to its `recordings/` */
    mediaDir: string;
    users?: Pick<UserStore, 'byName'>;
    metrics?: MetricsPort;
  },
  opts: VoiceWiringOptions = {},
): VoiceParts {
  const log = p.log.child?.({ component: 'voice' }) ?? p.log;
  const { config } = p;
  const queue = new OperatorQueue({ bus: p.bus, clock: p.clock, ticketStore: p.ticketStore, classifier: p.classifier, log, ...(p.users ? { operators: p.users } : {}), ...(p.metrics ? { metrics: p.metrics } : {}) });
  const built: { sim: SimVoiceProvider | null } = { sim: null };
  const recordings = config.voice === 'freeswitch' ? freeswitchRecordingsOf(config, p.mediaDir, p.clock) : null;
  let provider: VoiceProviderFactory;
  if (config.voice === 'sim') {
    provider = (calls) => (built.sim = new SimVoiceProvider(calls, { clock: p.clock, log, from: '12345' }));
  } else if (config.voice === 'twilio') {
    provider = () => new TwilioVoiceProvider({ client: twilioClientFor(config, opts), from: config.twilio.from, publicUrl: config.publicUrl, state: p.state, clock: p.clock });
  } else {
    const fs = config.freeswitch;
    provider = (calls) =>
      new FreeSwitchVoiceProvider(calls, {
        esl: { host: fs.host, port: fs.port, password: fs.password },
        outbound: { host: '127.0.0.1', port: fs.outboundPort },
        tts: { engine: 'tts_commandline', voice: 'zh-CN' },
        asr: fs.asr,
        callerId: config.twilio.from || undefined,
        ...(recordings?.targets ? { recordings: recordings.targets, ...(recordings.storeDir ? { recordingsStoreDir: recordings.storeDir } : {}) } : {}),
        clock: p.clock,
        log,
      });
  }
  const calls = new CallGateway({
    flowFiles: p.flowFiles,
    bus: p.bus,
    clock: p.clock,
    state: p.state,
    tickets: p.tickets,
    workCalendar: p.workCalendar,
    sms: p.sms,
    log,
    actions: p.actions,
    blocked: p.blocked,
    queue,
    provider,
    ...(opts.sessions ? { sessions: opts.sessions } : {}),
    ...(p.metrics ? { metrics: p.metrics } : {}),
  });
  return { calls, queue, simVoice: built.sim, recordings };
}
