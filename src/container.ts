/**
 * The composition root: builds every store, service and provider from the configuration.
 * The only place that knows which adapter implements which port.
 */
import { readFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { WorkCalendar, type CalendarCoverage } from './domain/sla/calendar.js';
import { parseCalendarOverridesYaml } from './domain/sla/local-overrides.js';
import { DEFAULT_SLA_LIMITS } from './domain/sla/limits.js';
import { openDatabase, type Database } from '../adapters/db/database.js';
import { SqlTicketStore } from '../adapters/db/ticket-store.js';
import { SqlJobStore } from '../adapters/db/job-store.js';
import { SqlAuditLog, SqlDedupeStore, SqlStateStore } from '../adapters/db/misc-stores.js';
import { SqlUserStore } from '../adapters/db/user-store.js';
import { SqlUnitStore } from '../adapters/db/unit-store.js';
import { LocalEventBus } from '../adapters/bus/local-bus.js';
import { SimSmsSender } from '../adapters/sim/sms.js';
import type { SmsSender } from './application/ports/messaging.js';
import { AuthService } from './application/auth.js';
import { TicketService } from './application/tickets/service.js';
import { JobRunner } from './application/jobs/runner.js';
import { deadlineCalendar } from './application/deadline-calendar.js';
import type { ClassifierPort, DeadlineCalendar } from './application/ports/routing.js';
import type { AuditLog, DedupeStore, EventBus, StateStore } from './application/ports/misc.js';
import type { TicketStore } from './application/ports/tickets.js';
import type { JobStore } from './application/ports/jobs.js';
import type { UnitStore, UserStore } from './application/ports/users.js';
import { loadClassifier } from './application/classifier.js';

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
  audit: AuditLog;
  users: UserStore;
  units: UnitStore;
  unitNames: Set<string>;
  classifier: ClassifierPort;
  calendar: DeadlineCalendar;
  workCalendar: WorkCalendar;
  calendarCoverage(at: Date): CalendarCoverage;
  auth: AuthService;
  tickets: TicketService;
  runner: JobRunner;
  /** Outbound SMS (sim in the demo and tests). */
  sms: SmsSender;
  /** The simulated provider's outbox when SUBAN_SMS=sim, for the console and tests. */
  simSms: SimSmsSender | null;
  close(): Promise<void>;
}

export interface ContainerOptions {
  clock?: Clock;
  /** PostgreSQL schema (tests isolate each run in its own). */
  pgSchema?: string;
  /** Reuse a classifier across containers in one process (tests): loading jieba takes ~0.3 s. */
  classifier?: ClassifierPort;
}

export async function createContainer(config: Config, log: Logger, opts: ContainerOptions = {}): Promise<Container> {
  const clock = opts.clock ?? systemClock;
  const db = await openDatabase({ url: config.databaseUrl, schema: opts.pgSchema, poolSize: config.dbPool });
  await db.migrate();
  const overrides = config.calendarFile && existsSync(config.calendarFile) ? parseCalendarOverridesYaml(readFileSync(config.calendarFile, 'utf8'), config.calendarFile) : undefined;
  if (config.calendarFile && !overrides) throw new Error(`SUBAN_CALENDAR_FILE ${config.calendarFile} does not exist`);
  const workCalendar = new WorkCalendar({ overrides, workingHours: config.workHours });
  const calendar = deadlineCalendar(workCalendar, DEFAULT_SLA_LIMITS, config.callWindow);
  const coverage = workCalendar.coverage(clock.now(), 60);
  if (!coverage.covered) log.warn({ uncovered: coverage.uncovered }, coverage.message);

  const bus = new LocalEventBus();
  const ticketStore = new SqlTicketStore(db);
  const jobs = new SqlJobStore(db);
  const units = new SqlUnitStore(db);
  const unitNames = new Set<string>();
  const refreshUnits = async () => {
    unitNames.clear();
    for (const u of await units.list()) if (u.active) unitNames.add(u.name);
  };
  await refreshUnits();
  const classifier = opts.classifier ?? loadClassifier(config.dutyList, config.classifyThreshold);
  const runner = new JobRunner(jobs, clock, log.child({ component: 'jobs' }), { worker: `${hostname()}:${process.pid}`, pollMs: config.jobPollMs });
  const audit = new SqlAuditLog(db);
  const users = new SqlUserStore(db);
  const simSms = config.sms === 'sim' ? new SimSmsSender(clock, bus) : null;
  const sms: SmsSender = simSms ?? unavailableSms('twilio');
  const tickets = new TicketService({ store: ticketStore, classifier, calendar, clock, bus, units: () => unitNames, onJobs: () => runner.wake() });

  return {
    config,
    log,
    clock,
    db,
    bus,
    ticketStore,
    jobs,
    dedupe: new SqlDedupeStore(db),
    state: new SqlStateStore(db),
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
    classifier,
    calendar,
    workCalendar,
    calendarCoverage: (at) => workCalendar.coverage(at, 60),
    auth: new AuthService(users, units, audit, clock, config.sessionHours),
    tickets,
    runner,
    sms,
    simSms,
    async close() {
      await runner.stop();
      await db.close();
    },
  };
}

/** Placeholder until a provider is wired: fails loudly rather than dropping a message. */
function unavailableSms(name: string): SmsSender {
  return { send: async () => Promise.reject(new Error(`SMS provider ${name} is not configured in this build`)) };
}
