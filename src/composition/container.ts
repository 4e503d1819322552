/**
 * The composition root: builds every store, service and provider from the configuration, in
 * order, each with what it needs through its constructor. With src/composition/voice.ts (the
 * telephony provider, the call gateway, the operator queue) and chat.ts (the running WeChat
 * transports), the only place that knows which adapter implements which port.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { loadLinkageConfig, type Config } from '../config.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { WorkCalendar, type CalendarCoverage } from '../domain/sla/calendar.js';
import { parseCalendarOverridesYaml } from '../domain/sla/local-overrides.js';
import { DEFAULT_SLA_LIMITS } from '../domain/sla/limits.js';
import { openDatabase, type Database } from '../../adapters/db/database.js';
import { SqlTicketStore } from '../../adapters/db/ticket-store.js';
import { SqlJobStore } from '../../adapters/db/job-store.js';
import { SqlAuditLog, SqlDedupeStore, SqlStateStore } from '../../adapters/db/misc-stores.js';
import { SqlLeaseStore } from '../../adapters/db/lease-store.js';
import { SqlUserStore } from '../../adapters/db/user-store.js';
import { SqlUnitStore } from '../../adapters/db/unit-store.js';
import { createWechatMp } from '../../adapters/wechat-mp/inbox.js';
import { resolveKpiConfig, type KpiConfig, type KpiConfigOverride } from '../domain/kpi/config.js';
import { LocalEventBus } from '../../adapters/bus/local-bus.js';
import { PgEventBus, busChannel } from '../../adapters/bus/pg-bus.js';
import { SimSmsSender } from '../../adapters/sim/sms.js';
import type { SmsSender } from '../application/ports/messaging.js';
import { AuthService } from '../application/auth.js';
import { TOPIC } from '../application/ports/events.js';
import { LoginThrottle } from '../application/login-throttle.js';
import { TicketService } from '../application/tickets/service.js';
import { AnswerService } from '../application/answers/service.js';
import { JOB } from '../application/ports/jobs.js';
import { createConversationEngine, type ConversationDeps } from '../application/conversation/wiring.js';
import type { ChatChannel } from '../application/conversation/ports.js';
import { JobRunner } from '../application/jobs/runner.js';
import { deadlineCalendar } from '../application/deadline-calendar.js';
import type { ClassifierPort, DeadlineCalendar } from '../application/ports/routing.js';
import type { EventBus } from '../application/ports/events.js';
import type { AuditLog, DedupeStore, LeaseStore, StateStore } from '../application/ports/misc.js';
import type { TicketStore } from '../application/ports/tickets.js';
import type { JobStore } from '../application/ports/jobs.js';
import type { Unit, UnitStore, UserStore } from '../application/ports/users.js';
import { loadClassifier, loadDutyList } from '../../adapters/fs-config/routing.js';
import { ClassifierPool } from '../../adapters/threads/classifier-pool.js';
import { loadPlatforms } from '../../adapters/fs-config/platforms.js';
import { localExportFolders } from '../../adapters/files/export-folders.js';
import { createUnitResolver } from '../domain/directory/unit-names.js';
import { loadUnitAliases } from '../../adapters/fs-config/unit-aliases.js';
import { loadUnits } from '../../adapters/fs-config/units.js';
import { flowDirectory } from '../../adapters/fs-config/flow-files.js';
import type { FlowFiles } from '../application/ports/flow-files.js';
import { loadCommonPasswords } from '../../adapters/fs-config/common-passwords.js';
import { plainSegmenter } from '../../adapters/jieba/segmenter.js';
import type { DutyList } from '../domain/routing/duty-list.js';
import type { Segmenter } from '../domain/routing/segmenter.js';
import { PlatformService } from '../application/platforms/service.js';
import type { VoiceDialer } from '../application/ports/voice.js';
import type { IvrAction } from '../application/ivr/ports.js';
import type { CallGateway } from '../application/voice/call-gateway.js';
import type { OperatorQueue } from '../application/voice/operator-queue.js';
import { SmsInbox } from '../application/voice/sms-inbox.js';
import { assessSpeech } from '../application/voice/speech-triage.js';
import type { SimVoiceProvider } from '../../adapters/sim/voice.js';
import { createVoice, twilioSmsSender, type FreeSwitchRecordings, type VoiceWiringOptions } from './voice.js';
import { ChatTransports } from './chat.js';
import { BlockedCallers } from '../application/voice/blocked-callers.js';
import { wireFollowup } from '../application/followup/wiring.js';
import type { FollowUpService } from '../application/followup/service.js';
import { SupervisionService } from '../application/supervision/service.js';
import { AssistService } from '../application/tickets/assist.js';
import { HotspotService } from '../application/hotspots/service.js';
import { GridService } from '../application/grid/service.js';
import { MediaService } from '../application/grid/media.js';
import { MayorDayService } from '../application/supervision/mayor-day.js';
import { SqlPagingStore } from '../../adapters/db/paging-store.js';
import { createPaging } from '../application/paging/wiring.js';
import { unitsWithContacts, type DutyService } from '../application/paging/duty-service.js';
import type { PagingService } from '../application/paging/service.js';
import { SqlKnowledgeStore } from '../../adapters/db/knowledge-store.js';
import { KnowledgeService } from '../application/knowledge/service.js';
import { knowledgeAnalyzer } from '../../adapters/fs-config/knowledge.js';
import { KpiRuleService } from '../application/supervision/kpi-rules.js';
import { defaultAssessmentRule } from '../domain/kpi/assessment.js';
import { AccountabilityService } from '../application/accountability/service.js';
import { PromMetrics } from '../../adapters/metrics/prom.js';
import { countingFailures, FAST_BUCKETS, providerErrors, type MetricsPort } from '../application/ports/metrics.js';

export interface Container {
  config: Config;
  log: Logger;
  clock: Clock;
  db: Database;
  bus: EventBus;
  ticketStore: TicketStore;
  jobs: JobStore;
  dedupe: DedupeStore;
  state: StateStore;
  /** Cross-instance leases: one WeChat contact's message is handled by one instance at a time. */
  leases: LeaseStore;
  audit: AuditLog;
  users: UserStore;
  units: UnitStore;
  unitNames: Set<string>;
  /** The units of config/units.json (附件1 and the reviewing departments), read once at start: what `suban seed` writes. */
  directoryUnits: readonly Unit[];
  /** Other spellings of unit names (config/unit-aliases.yaml), for imports that name units as exports do. */
  unitAliases: Readonly<Record<string, string>>;
  /** Words of a text with jieba's base dictionary (matter signatures, the first-contact to-do list). */
  segmenter: Segmenter;
  /** The 职责清单 in service, read once on first use (the Open311 services, the console's view of it). */
  dutyList(): DutyList;
  classifier: ClassifierPort;
  /** Resolves once the classifier's worker threads have loaded it (at once without workers). */
  classifierReady(): Promise<void>;
  /** /metrics: the registry the services record into (README "Metrics"). */
  metrics: PromMetrics;
  calendar: DeadlineCalendar;
  workCalendar: WorkCalendar;
  calendarCoverage(at: Date): CalendarCoverage;
  auth: AuthService;
  tickets: TicketService;
  /** 一次性答复 (issue 24): the desk, bots and IVR answer from the knowledge base. */
  answers: AnswerService;
  runner: JobRunner;
  /** The 14 outside platforms of 附件2: push/poll intake and reply-back (jobs platform.poll, platform.reply). */
  platforms: PlatformService;
  /** Outbound SMS (sim in the demo and tests). */
  sms: SmsSender;
  /** The simulated provider's outbox when SUBAN_SMS=sim, for the console and tests. */
  simSms: SimSmsSender | null;
  /** Outbound calls (paging, 回访) through SUBAN_VOICE; outcomes on the bus topic `call.outcome`. */
  voice: VoiceDialer;
  /** The call gateway: the provider, the IVR runner and flows, what callers said. */
  calls: CallGateway;
  /** The IVR flow files (SUBAN_FLOWS_DIR), read by the gateway's registry and the admin's flow view. */
  flowFiles: FlowFiles;
  /** Calls waiting for an operator, screen pops, call states. */
  operatorQueue: OperatorQueue;
  /** Harassing callers: listed ones leave a message instead of reaching the menu. */
  blockedCallers: BlockedCallers;
  /** The named IVR flow actions the call gateway took at construction (assessSpeech, pageAck, pagePass, recordFollowup ...). */
  ivrActions: Record<string, IvrAction>;
  /** Inbound SMS from any provider; paging's and follow-up's hooks first, then queries and requests. */
  smsInbox: SmsInbox;
  /** The simulated phone when SUBAN_VOICE=sim (demo console, CLI, tests). */
  simVoice: SimVoiceProvider | null;
  /** FreeSWITCH recordings' targets and store (SUBAN_VOICE=freeswitch), for the upload route. */
  freeswitchRecordings: FreeSwitchRecordings | null;
  /** Where media files live (recordings, WeChat images and voice): data/media unless the options say. */
  mediaDir: string;
  /** 回访 after each reply (jobs followup.*, IVR action recordFollowup, inbound-SMS hook). */
  followup: FollowUpService;
  /** The running WeChat transports: a bot attaches itself here when it starts (server.ts). */
  chat: ChatTransports;
  /** What a WeChat transport's conversation engine needs (the wechaty bot is built over it in server.ts). */
  conversation: ConversationDeps;
  /** 协办 parts, 应急联动 and 现场处置 (jobs assist.*; 联动 pages through paging). */
  assist: AssistService;
  /** 督办 sweep (job supervision.sweep; call schedule() once at start) and sla.reply_due. */
  supervision: SupervisionService;
  /** 研判预警 (job hotspots.scan; call schedule() once at start), 联席会议, 包案. */
  hotspots: HotspotService;
  /** 网格员: patrol reports, tickets handed to grid workers, their on-the-spot confirmation (job grid.confirm_due). */
  grid: GridService;
  /** 市融媒体中心: closed tickets the 热线办 chose for publication, masked. */
  media: MediaService;
  /** 市长热线日: dated agendas of matters the 联席会议 could not decide, and their decisions. */
  mayorDay: MayorDayService;
  /** Duty rosters and escalation chains (who is on duty for a unit at T). */
  duty: DutyService;
  /** Paging duty people (jobs page.*, sla.sign_due, IVR actions pageAck/pagePass, inbound-SMS hook). */
  paging: PagingService;
  /** Resolves when paging's reactions to bus events so far are done (tests). */
  pagingIdle(): Promise<void>;
  /** The rate formulas: the defaults of hotline-practice.md with SUBAN_KPI over them. */
  kpi: KpiConfig;
  /** 考核规则: versioned assessment rules (version 1 = SUBAN_KPI), the rule of each month. */
  kpiRules: KpiRuleService;
  /** 问责线索: 推诿, 虚假办结, copied replies, and the case file per unit and period. */
  accountability: AccountabilityService;
  /** Channels of interconnect platforms (附件2): their tickets are mirrors. */
  isMirrorChannel(channel: string): boolean;
  /** The Official Account webhook plugin and its customer-service notifier. */
  wechatMp: WechatMp;
  /** The policy knowledge base (知识库): the KnowledgeSearch port plus editing and review. */
  knowledge: KnowledgeService;
  close(): Promise<void>;
}

export interface ContainerOptions {
  clock?: Clock;
  /** PostgreSQL schema (tests isolate each run in its own). */
  pgSchema?: string;
  /** Reuse a classifier across containers in one process (tests): loading jieba takes ~0.3 s. */
  classifier?: ClassifierPort;
  /** Voice/SMS provider hooks (tests point the twilio SDK at a loopback fake). */
  voice?: VoiceWiringOptions;
  /** Where media files live (default ./data/media; tests use a temporary directory). */
  mediaDir?: string;
}

export async function createContainer(config: Config, log: Logger, opts: ContainerOptions = {}): Promise<Container> {
  const clock = opts.clock ?? systemClock;
  const metrics = new PromMetrics();
  const providerFailures = providerErrors(metrics);
  // SUBAN_DB_SCHEMA for whole processes (serve, user add); tests in one process pass pgSchema.
  const pgSchema = opts.pgSchema ?? (config.dbSchema || undefined);
  const db = await openDatabase({ url: config.databaseUrl, schema: pgSchema, poolSize: config.dbPool, connectTimeoutMs: config.dbConnectTimeoutMs, queryTimeoutMs: config.dbQueryTimeoutMs });
  await db.migrate();
  const overrides = config.calendarFile && existsSync(config.calendarFile) ? parseCalendarOverridesYaml(readFileSync(config.calendarFile, 'utf8'), config.calendarFile) : undefined;
  if (config.calendarFile && !overrides) throw new Error(`SUBAN_CALENDAR_FILE ${config.calendarFile} does not exist`);
  const workCalendar = new WorkCalendar({ overrides, workingHours: config.workHours });
  const calendar = deadlineCalendar(workCalendar, DEFAULT_SLA_LIMITS, config.callWindow);
  const coverage = workCalendar.coverage(clock.now(), 60);
  // One short line (the full explanation is in /readyz and the README): a first start must not scroll the demo's passwords away.
  if (!coverage.covered) log.warn({ uncovered: coverage.uncovered }, `节假日数据未覆盖 ${coverage.uncovered.join('、')} 年，期限暂按周一至周五计算；见 SUBAN_CALENDAR_FILE (holiday calendar for ${coverage.uncovered.join(', ')} unknown)`);

  // One instance: in-process fan-out. PostgreSQL: LISTEN/NOTIFY so every instance's websockets see every event.
  const pgBus = db.pool ? new PgEventBus(db.pool, config.databaseUrl, pgSchema ? `-c search_path=${pgSchema}` : undefined, log.child({ component: 'bus' }), busChannel(pgSchema), { connectTimeoutMs: config.dbConnectTimeoutMs }) : null;
  if (pgBus) await pgBus.start();
  const bus: EventBus = pgBus ?? new LocalEventBus();
  const kpi = resolveKpiConfig(config.kpi as KpiConfigOverride);
  const ticketStore = new SqlTicketStore(db);
  const jobs = new SqlJobStore(db, clock);
  const units = new SqlUnitStore(db);
  const unitNames = new Set<string>();
  const refreshUnits = async () => {
    unitNames.clear();
    for (const u of await units.list()) if (u.active) unitNames.add(u.name);
  };
  await refreshUnits();
  const loadLocal = () => loadClassifier(config.dutyList, config.classifyThreshold, config.routingModel);
  const pool = opts.classifier || !config.classifyWorkers ? null : new ClassifierPool({ dutyList: config.dutyList, threshold: config.classifyThreshold, routingModel: config.routingModel }, config.classifyWorkers, log.child({ component: 'classifier' }), loadLocal);
  const classifier = timedClassifier(opts.classifier ?? pool ?? loadLocal(), metrics);
  const runner = new JobRunner(jobs, clock, log.child({ component: 'jobs' }), { worker: `${hostname()}:${process.pid}`, pollMs: config.jobPollMs, leaseMs: config.jobLeaseMs, metrics });
  const audit = new SqlAuditLog(db);
  const users = new SqlUserStore(db);
  const simSms = config.sms === 'sim' ? new SimSmsSender(clock, bus) : null;
  const sms: SmsSender = oncePerRef(countingFailures(simSms ?? twilioSmsSender(config, opts.voice), providerFailures, simSms ? 'sim' : 'twilio'), new SqlDedupeStore(db), clock);
  let platformsRef: PlatformService | null = null;
  const tickets = new TicketService({
    store: ticketStore,
    classifier,
    calendar,
    clock,
    bus,
    units: () => unitNames,
    // Look at the job table now only when a new timer is due before the next regular poll.
    onJobs: (earliest) => {
      if (earliest.getTime() <= clock.now().getTime() + config.jobPollMs) runner.wake();
    },
    isMirror: (t) => platformsRef?.ofChannel(t.channel)?.kind === 'interconnect',
    urgentCheckMs: config.urgentCheckMin * 60_000,
    gridConfirmMs: config.gridConfirmHours * 3600_000,
    answerFollowup: config.answerFollowup,
  });
  // Platform secrets and endpoint overrides come from the environment only (SUBAN_PLATFORM_<SLUG>_SECRET ...).
  // Merged-review platforms name their managing department as 附件2 writes it (市政府办公室); the
  // reviewer must be a directory unit (市政府办) whose users approve, or the service does not start.
  const directoryUnits = loadUnits();
  const directory = [...new Set([...directoryUnits.map((u) => u.name), ...unitNames])];
  const unitAliases = loadUnitAliases();
  const resolveUnit = createUnitResolver(directory, unitAliases);
  const platforms = new PlatformService({ fetch: countingFetch(providerFailures, 'platform', 'reply'), platforms: loadPlatforms({ env: config.platformEnv, units: new Set(directory), resolveUnit }), tickets, store: ticketStore, jobs, dedupe: new SqlDedupeStore(db), audit, clock, log: log.child({ component: 'platforms' }), units: () => unitNames, folders: localExportFolders });
  platforms.register(runner);
  platformsRef = platforms;
  await platforms.schedulePolls();
  const dedupe = new SqlDedupeStore(db);
  const state = new SqlStateStore(db);
  const blockedCallers = new BlockedCallers({ state, clock, bus, audit });
  // The running WeChat transports: the Official Account below, the wechaty bot when server.ts starts it.
  const chat = new ChatTransports(clock);
  const knowledge = new KnowledgeService({ store: new SqlKnowledgeStore(db), clock, analyzer: () => knowledgeAnalyzer(config.dutyList) });
  // 一次性答复: the desk, bots and IVR answer from the knowledge base (issue 24).
  const answers = new AnswerService({ tickets, sms, clock, log: log.child({ component: 'answers' }), jobs, wake: () => runner.wake(), knowledge });
  // The one cycle of the graph: a page or a 回访 places a call through the call gateway, and the
  // call's keypresses run paging's and follow-up's IVR actions, which the gateway takes at
  // construction. Paging and follow-up dial through this forward reference to the gateway, set
  // below before this function returns (nothing can place a call before then).
  let gateway: CallGateway | null = null;
  const dialer: VoiceDialer = { placeCall: (c) => (gateway ? gateway.placeCall(c) : Promise.reject(new Error('the call gateway is not built yet'))) };
  const paging = createPaging({ store: new SqlPagingStore(db), clock, log: log.child({ component: 'paging' }), bus, audit, state, dedupe, jobs, runner, tickets, ticketStore, units, unitNames: () => unitNames, isWorkday: (d) => workCalendar.isWorkday(d), voice: dialer, sms, wechat: chat.wechatPager(), config, metrics });
  const followup = wireFollowup({ config, tickets, ticketStore, jobs, state, dedupe, sms, voice: dialer, chat: chat.outbox, calendar, clock, bus, audit, log: log.child({ component: 'followup' }), runner });
  const ivrActions: Record<string, IvrAction> = { assessSpeech: assessSpeech(classifier), ...paging.ivrActions, ...answers.ivrActions(), ...followup.service.ivrActions() };
  const mediaDir = opts.mediaDir ?? resolve('data/media');
  const flowFiles = flowDirectory(config.flowsDir);
  const voice = createVoice({ config, log, clock, bus, state, tickets, ticketStore, classifier, workCalendar, sms, blocked: blockedCallers, actions: ivrActions, flowFiles, mediaDir, users, metrics }, opts.voice);
  gateway = voice.calls;
  // Paging's hook (duty acks) is tried before the 回访 answers.
  const smsInbox = new SmsInbox({ tickets, sms, dedupe, clock, hooks: [paging.smsHook, followup.smsHook], answers: { svc: answers, state } });
  const supervision = new SupervisionService({ tickets, store: ticketStore, jobs, state, dedupe, sms, units: unitsWithContacts(units, paging.duty), dutyPhone: async (u, at) => (await paging.duty.onDuty(u, at))?.member.phone ?? null, hotlineDutyPhone: config.hotlineDutyPhone, calendar, clock, bus, log: log.child({ component: 'supervision' }), wake: () => runner.wake() });
  supervision.register(runner);
  const assist = new AssistService({
    tickets,
    store: ticketStore,
    calendar,
    clock,
    units: () => unitNames,
    linkage: loadLinkageConfig(config.linkageFile, new Set(directory)),
    pager: paging.paging,
    sms,
    unitStore: unitsWithContacts(units, paging.duty),
    dutyPhone: async (u, at) => (await paging.duty.onDuty(u, at))?.member.phone ?? null,
    log: log.child({ component: 'assist' }),
  });
  assist.register(runner);
  const leases = new SqlLeaseStore(db);
  // WeChat: the Official Account webhook (routes only when WECHAT_MP_TOKEN is set) is built here; the
  // wechaty bot holds a long-lived session and starts in server.ts when WECHATY_PUPPET is set. Both
  // transports' conversations end in the same intake pipeline.
  const conversation: ConversationDeps = { tickets, state, leases, leaseTtlMs: config.conversationLeaseMs, bus, clock, calendar, log, answers };
  const wechatMp = createWechatMp({ ...conversation, metrics, config, dedupe, sms, log, jobs, runner });
  if (config.wechatMp.token) chat.attach('wechat-mp', wechatMp);
  // A bot's answer without 1 or 2: the question becomes a ticket as before, and the citizen hears its number.
  const noReplyEngine = createConversationEngine(conversation);
  runner.register(JOB.answerNoReply, async (j) => {
    const p = j.payload;
    if (p.channel === 'sms') {
      await smsInbox.answerNotConfirmed(p.contactId, p.ref);
      return;
    }
    const replies = await noReplyEngine.answerNotConfirmed(p.channel as ChatChannel, p.contactId, p.ref);
    for (const text of replies) await chat.outbox.send(p.channel as ChatChannel, p.contactId, text).catch((err) => log.warn({ err: String(err) }, 'no-reply ticket notice not sent'));
  });
  const hotspots = new HotspotService({ store: ticketStore, tickets, jobs, state, bus, clock, log: log.child({ component: 'hotspots' }), segmenter: plainSegmenter });
  hotspots.register(runner);
  const grid = new GridService({ tickets, store: ticketStore, users, units, clock });
  grid.register(runner);

  let dutyList: DutyList | undefined;
  const ctx: Container = {
    config,
    log,
    clock,
    db,
    bus,
    ticketStore,
    jobs,
    dedupe,
    state,
    leases,
    audit,
    users,
    units: {
      list: () => units.list(),
      get: (n) => units.get(n),
      upsert: async (u) => {
        await units.upsert(u);
        await refreshUnits();
      },
    },
    unitNames,
    directoryUnits,
    unitAliases,
    segmenter: plainSegmenter,
    dutyList: () => (dutyList ??= loadDutyList(config.dutyList)),
    classifier,
    calendar,
    workCalendar,
    calendarCoverage: (at) => workCalendar.coverage(at, 60),
    auth: new AuthService(users, units, audit, clock, config.sessionHours, loadCommonPasswords(), new LoginThrottle(state, clock, log.child({ component: 'auth' })), (e) => bus.publish(TOPIC.authRevoked, e)),
    tickets,
    answers,
    runner,
    platforms,
    sms,
    simSms,
    voice: voice.calls,
    calls: voice.calls,
    flowFiles,
    operatorQueue: voice.queue,
    blockedCallers,
    ivrActions,
    smsInbox,
    simVoice: voice.simVoice,
    freeswitchRecordings: voice.recordings,
    mediaDir,
    followup: followup.service,
    chat,
    conversation,
    supervision,
    assist,
    hotspots,
    grid,
    media: new MediaService({ tickets, store: ticketStore, clock }),
    mayorDay: new MayorDayService({ state, store: ticketStore, tickets, calendar, clock, units: () => unitNames }),
    duty: paging.duty,
    paging: paging.paging,
    pagingIdle: () => paging.idle(),
    async close() {
      blockedCallers.close();
      await voice.calls.stop();
      await runner.stop();
      await paging.idle();
      await pgBus?.close();
      await db.close();
      await pool?.close();
    },
    classifierReady: () => pool?.ready() ?? Promise.resolve(),
    metrics,
    wechatMp,
    knowledge,
    kpi,
    kpiRules: new KpiRuleService({ state, dedupe, audit, clock, base: defaultAssessmentRule(kpi) }),
    accountability: new AccountabilityService({ store: ticketStore, classifier, audit, clock }),
    isMirrorChannel: (channel) => platforms.ofChannel(channel)?.kind === 'interconnect',
  };
  return ctx;
}



export type WechatMp = ReturnType<typeof createWechatMp>;

const SMS_OUT_SCOPE = 'sms-out';

/**
 * An SMS with a ref goes out at most once per ref, across instances and restarts: a step re-run
 * after a crash (an IVR turn, an intake acknowledgement) must not text a citizen twice. Every ref
 * names one intended message (the senders build them from webhook ids and job keys). A failed
 * send gives its ref back, so a retry may send it.
 */
function oncePerRef(sms: SmsSender, dedupe: DedupeStore, clock: Clock): SmsSender {
  return {
    async send(msg) {
      if (!msg.ref) return sms.send(msg);
      if (!(await dedupe.claim(SMS_OUT_SCOPE, msg.ref, clock.now(), { state: 'sending' }))) {
        const prev = (await dedupe.get(SMS_OUT_SCOPE, msg.ref)) as { state?: string; id?: string } | undefined;
        if (prev?.state !== 'failed') return { id: prev?.id ?? `duplicate:${msg.ref}` };
        await dedupe.set(SMS_OUT_SCOPE, msg.ref, { state: 'sending' }, clock.now());
      }
      try {
        const r = await sms.send(msg);
        await dedupe.set(SMS_OUT_SCOPE, msg.ref, { state: 'sent', id: r.id }, clock.now());
        return r;
      } catch (e) {
        await dedupe.set(SMS_OUT_SCOPE, msg.ref, { state: 'failed' }, clock.now()).catch(() => undefined);
        throw e;
      }
    },
  };
}

/** The classifier with its latency recorded (suban_classify_seconds), the worker's queue included. */
function timedClassifier(c: ClassifierPort, m: MetricsPort): ClassifierPort {
  const h = m.histogram('suban_classify_seconds', 'time to classify a text (rules and model), on the worker thread or in-process', [], FAST_BUCKETS);
  const now = () => performance.now();
  return new Proxy(c, {
    get(t, key) {
      const v = Reflect.get(t, key, t);
      if (key !== 'classify') return typeof v === 'function' ? v.bind(t) : v;
      return (text: string) => {
        const t0 = now();
        const done = () => h.observe({}, (now() - t0) / 1000);
        const r = t.classify(text);
        if (r instanceof Promise) return r.finally(done);
        done();
        return r;
      };
    },
  });
}

/** fetch for the platforms' reply pushes: a network failure or a non-2xx answer is counted. */
function countingFetch(errors: ReturnType<typeof providerErrors>, provider: string, operation: string): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    try {
      const res = await fetch(input, init);
      if (!res.ok) errors.inc({ provider, operation });
      return res;
    } catch (e) {
      errors.inc({ provider, operation });
      throw e;
    }
  }) as typeof fetch;
}
