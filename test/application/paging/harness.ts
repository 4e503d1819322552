/**
 * Paging on a real database (SQLite or PostgreSQL) with the real ticket service and job runner,
 * a fake clock, a fake dialer whose calls the test ends by hand, and recording SMS/WeChat senders.
 */
import pino from 'pino';
import { openDatabase, type Database } from '../../../adapters/db/database.js';
import { SqlTicketStore } from '../../../adapters/db/ticket-store.js';
import { SqlJobStore } from '../../../adapters/db/job-store.js';
import { SqlAuditLog, SqlDedupeStore, SqlStateStore } from '../../../adapters/db/misc-stores.js';
import { SqlUnitStore } from '../../../adapters/db/unit-store.js';
import { SqlPagingStore } from '../../../adapters/db/paging-store.js';
import { LocalEventBus } from '../../../adapters/bus/local-bus.js';
import { FakeClock } from '../../../src/domain/clock.js';
import { WorkCalendar } from '../../../src/domain/sla/calendar.js';
import { DEFAULT_SLA_LIMITS } from '../../../src/domain/sla/limits.js';
import { deadlineCalendar } from '../../../src/application/deadline-calendar.js';
import { TicketService } from '../../../src/application/tickets/service.js';
import { JobRunner } from '../../../src/application/jobs/runner.js';
import { loadUnits } from '../../../adapters/fs-config/units.js';
import { createPaging, type PagingParts } from '../../../src/application/paging/wiring.js';
import type { IvrAction } from '../../../src/application/ivr/ports.js';
import type { CallOutcome, OutboundCall } from '../../../src/application/ports/voice.js';
import { TOPIC } from '../../../src/application/ports/events.js';
import type { RosterInput } from '../../../src/domain/duty/roster.js';
import type { ChainInput } from '../../../src/domain/duty/escalation.js';
import type { Category } from '../../../src/domain/tickets/ticket.js';
import type { ClassifierPort } from '../../../src/application/ports/routing.js';
import type { MetricsPort } from '../../../src/application/ports/metrics.js';
import type { PagingStore } from '../../../src/application/paging/ports.js';

export interface PlacedCall extends OutboundCall {
  callId: string;
  at: Date;
}

/** A dialer whose calls stay "ringing" until the test says how they ended. */
export class FakeDialer {
  calls: PlacedCall[] = [];
  /** when set, placeCall waits for it (a provider slow to answer the API request) */
  gate: Promise<void> | null = null;
  fail: Error | null = null;
  log: string[] | null = null;
  private n = 0;
  private atGate: (() => void) | null = null;
  constructor(
    private readonly bus: LocalEventBus,
    private readonly clock: FakeClock,
    private readonly prefix = 'CA',
  ) {}
  /**
   * Holds the next calls at a gate: `reached` resolves when a call waits there (the step is in
   * flight, holding its page lock), `open` lets them through.
   */
  hold(): { reached: Promise<void>; open: () => void } {
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    const reached = new Promise<void>((r) => (this.atGate = r));
    return {
      reached,
      open: () => {
        this.gate = null;
        this.atGate = null;
        open();
      },
    };
  }
  async placeCall(c: OutboundCall) {
    if (this.gate) {
      this.atGate?.();
      await this.gate;
    }
    if (this.fail) throw this.fail;
    const callId = `${this.prefix}${++this.n}`;
    this.calls.push({ ...c, callId, at: this.clock.now() });
    this.log?.push(`call ${c.ref}`);
    return { callId };
  }
  end(call: PlacedCall, outcome: CallOutcome['outcome'], result: string | null = null) {
    this.bus.publish(TOPIC.callOutcome, { ref: call.ref, callId: call.callId, outcome, result, at: this.clock.now() } satisfies CallOutcome);
  }
}

/**
 * The next request for one page's lock: `asked` resolves when it is made (on SQLite the requester
 * is then queued behind the holder; on PostgreSQL it is about to wait for the row lock), and
 * `mark` is pushed to `log` when it gets the lock.
 */
export function nextLockRequest(store: PagingStore, pageId: string, log: string[], mark: string): { asked: Promise<void> } {
  const original = store.withLock;
  let asked!: () => void;
  const made = new Promise<void>((r) => (asked = r));
  store.withLock = function <T>(this: PagingStore, id: string, fn: Parameters<PagingStore['withLock']>[1]) {
    if (id !== pageId) return original.call(this, id, fn) as Promise<T>;
    store.withLock = original;
    asked();
    return original.call(this, id, (lock) => {
      log.push(mark);
      return fn(lock);
    }) as Promise<T>;
  };
  return { asked: made };
}

export class RecordingSender {
  sent: { to: string; text: string; ref?: string; at: Date }[] = [];
  constructor(private readonly clock: FakeClock) {}
  async send(m: { to: string; text: string; ref?: string }) {
    this.sent.push({ ...m, at: this.clock.now() });
    return { id: `SM${this.sent.length}` };
  }
}

export class RecordingWechat {
  sent: { to: string; text: string; at: Date }[] = [];
  constructor(private readonly clock: FakeClock) {}
  async send(to: string, text: string) {
    this.sent.push({ to, text, at: this.clock.now() });
    return { id: `WX${this.sent.length}` };
  }
}

/** The operator chooses unit and category in these tests: a fixed classifier spares loading jieba. */
const fixedClassifier: ClassifierPort = {
  classify: () => ({ unit: null, category: '求助', urgent: false, urgentReasons: [], urgentCheck: false, urgentCheckReasons: [], township: null, place: null, confidence: 0, evidence: [], suggestions: [], needsManualDispatch: true, keywords: [] }),
};

export const PHONES = { a: '13800000001', b: '13800000002', c: '13800000003', head: '13900000001', hotline: '12345000001', city: '12345000002' };
export const UNIT = '市城管局';

export const ROSTER: RosterInput = {
  members: [
    { id: 'a', name: '张伟', phone: PHONES.a, wechat: 'wx_zhangwei' },
    { id: 'b', name: '李娜', phone: PHONES.b },
    { id: 'c', name: '王强', phone: PHONES.c },
  ],
  rotation: { period: 'daily', handoff: '08:30', start: '2026-11-20', order: ['a', 'b', 'c'], holidays: 'pass' },
  leave: [],
  overrides: [],
};

export interface HarnessOptions {
  url?: string;
  schema?: string;
  now?: string;
  /** skip seeding (a second instance on the same database) */
  seeded?: boolean;
  roster?: RosterInput | null;
  chain?: ChainInput;
  worker?: string;
  /** jobs claimed per round (small: instances interleave) */
  batch?: number;
  /** where paging and the job runner record their metrics */
  metrics?: MetricsPort;
}

export type Harness = Awaited<ReturnType<typeof pagingHarness>>;

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function pagingHarness(t: Teardown, opts: HarnessOptions = {}) {
  const db: Database = await openDatabase({ url: opts.url ?? 'sqlite::memory:', schema: opts.schema, poolSize: 6 });
  await db.migrate();
  // 2026-11-26 is a Thursday; 02:00 Shanghai is the middle of the night.
  const clock = new FakeClock(opts.now ?? '2026-11-26T02:00:00+08:00');
  const bus = new LocalEventBus();
  const log = pino({ level: 'silent' });
  const ticketStore = new SqlTicketStore(db);
  const jobs = new SqlJobStore(db, clock);
  const audit = new SqlAuditLog(db);
  const state = new SqlStateStore(db);
  const dedupe = new SqlDedupeStore(db);
  const units = new SqlUnitStore(db);
  if (!opts.seeded) {
    const list = loadUnits().map((u) => (u.name === UNIT ? { ...u, headName: '赵局长', headPhone: PHONES.head } : u));
    await units.upsert(list);
  }
  const unitNames = new Set((await units.list()).map((u) => u.name));
  const workCalendar = new WorkCalendar();
  const calendar = deadlineCalendar(workCalendar, DEFAULT_SLA_LIMITS, { start: '08:30', end: '21:00' });
  const runner = new JobRunner(jobs, clock, log, { worker: opts.worker ?? 'test', pollMs: 1000, batch: opts.batch ?? 50, ...(opts.metrics ? { metrics: opts.metrics } : {}) });
  const tickets = new TicketService({ store: ticketStore, classifier: fixedClassifier, calendar, clock, bus, units: () => unitNames });
  const dialer = new FakeDialer(bus, clock, opts.worker ? `CA-${opts.worker}-` : 'CA');
  const sms = new RecordingSender(clock);
  const wechat = new RecordingWechat(clock);
  const ivrActions: Record<string, IvrAction> = {};
  const parts: PagingParts = createPaging({
    store: new SqlPagingStore(db),
    clock,
    log,
    bus,
    audit,
    state,
    dedupe,
    jobs,
    runner,
    tickets,
    ticketStore,
    units,
    unitNames: () => unitNames,
    isWorkday: (d) => workCalendar.isWorkday(d),
    voice: dialer,
    sms,
    wechat,
    config: { hotlineDutyPhone: PHONES.hotline, cityDutyPhone: PHONES.city },
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    random: (() => {
      let x = 0.123;
      return () => (x = (x * 9301 + 0.4927) % 1);
    })(),
  });
  Object.assign(ivrActions, parts.ivrActions);
  const admin = { id: 'admin-1', name: '管理员' };
  if (!opts.seeded && opts.roster !== null) await parts.duty.saveRoster(UNIT, opts.roster ?? ROSTER, admin);
  if (!opts.seeded && opts.chain) await parts.duty.saveChain(UNIT, opts.chain, admin);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await runner.stop();
    await parts.idle();
    await db.close();
  };
  t.teardown(close);

  /** Run every due job and the reactions they cause, until quiet. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      const n = await runner.runDue();
      await parts.idle();
      if (n === 0) break;
    }
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  const ticket = async (o: { urgent?: boolean; unit?: string | null; category?: Category; content?: string } = {}) => {
    const r = await tickets.intake(
      { channel: 'phone', content: o.content ?? '红都大道路面塌陷，有车辆被困，请立即处理', place: '象湖镇红都大道', category: o.category ?? '求助', urgent: o.urgent ?? true, unit: o.unit === undefined ? UNIT : o.unit ?? undefined },
      { id: 'op-1', role: 'operator', name: '话务员' },
      'console',
    );
    return r.ticket;
  };
  const press = async (call: PlacedCall, digit: '1' | '9') => {
    const name = digit === '1' ? 'pageAck' : 'pagePass';
    return ivrActions[name]!({ ticketNumber: String(call.vars.ticketNumber) }, { callId: call.callId, caller: '12345', flow: 'paging', step: digit === '1' ? 'ack' : 'pass', idempotencyKey: `${call.callId}:${digit}`, at: clock.now(), ivrPath: '' });
  };
  const end = async (call: PlacedCall, outcome: CallOutcome['outcome'], result: string | null = null) => {
    dialer.end(call, outcome, result);
    await parts.idle();
  };
  return { db, clock, bus, jobs, audit, state, ticketStore, tickets, runner, dialer, sms, wechat, ivrActions, duty: parts.duty, paging: parts.paging, idle: parts.idle, settle, advance, ticket, press, end, close, admin };
}
