/**
 * The demo's history: about 60 days of sample tickets (deterministic, marked 演示数据) over every
 * channel, state, member unit and township, with 回访 results, a 重办 that keeps coming back and a
 * hotspot of today, so the board, its charts and the hotspot list show something on a first start.
 *
 * Built through the real TicketService and its events, each step at its own time (a fake clock set
 * per event), so 三率 and every other figure are computed from it exactly as from real work. History
 * sets no timers and tells no one: its deadlines are past, and nobody is paged, called or texted for
 * it (a store wrapper drops the timers, a silent bus takes the notifications). It runs once per
 * database (a marker in the state store) and each ticket has its own idempotency key, so a start that
 * stopped half-way continues where it stopped.
 */
import { FakeClock, type Clock } from '../../domain/clock.js';
import type { Principal } from '../../domain/policy.js';
import type { Category, Channel, FollowUpResult, GeoPoint, Ticket } from '../../domain/tickets/ticket.js';
import { DEMO_HOTSPOT_CENTRE, DEMO_TOWNSHIP_CENTRES, near } from './places.js';
import type { EventBus } from '../ports/events.js';
import type { StateStore } from '../ports/misc.js';
import type { ClassifierPort, DeadlineCalendar } from '../ports/routing.js';
import type { Decision, TicketStore } from '../ports/tickets.js';
import type { UserStore } from '../ports/users.js';
import { TicketService } from '../tickets/service.js';

export interface DemoHistoryDeps {
  ticketStore: TicketStore;
  classifier: ClassifierPort;
  calendar: DeadlineCalendar;
  clock: Clock;
  state: StateStore;
  users: Pick<UserStore, 'byName'>;
  unitNames: Set<string>;
  hotspots?: { scan(): Promise<unknown[]> };
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
  /** What the history is made of (adapters/fs-config/demo-data.ts reads config/); read only when seeding. */
  samples: () => DemoHistorySamples;
}

/** A labelled request the demo retells as a ticket. */
export interface DemoRequest {
  text: string;
  unit: string;
  category?: Category;
  urgent?: boolean;
}

export interface DemoHistorySamples {
  /** the member units of 附件1, in their order */
  units: readonly string[];
  townships: readonly string[];
  /** labelled requests of member units (config/routing-examples.jsonl) */
  examples: readonly DemoRequest[];
  /** labelled history, from which the townships' requests are taken (config/routing-history.jsonl) */
  history: readonly DemoRequest[];
}

export interface DemoHistoryOptions {
  days?: number;
  /** tickets on an ordinary weekday (weekends get half) */
  perDay?: number;
  /** days played side by side */
  parallel?: number;
}

export interface DemoHistoryResult {
  /** false: this database had its history already */
  seeded: boolean;
  tickets: number;
  ms: number;
}

const STATE_SCOPE = 'demo';
const STATE_KEY = 'history-v1';
/** Every demo ticket carries this note (and a `demo-history:` idempotency key). */
export const DEMO_NOTE = '演示数据 (demo data): 由 npm run demo 生成的样例工单';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}

type Example = DemoRequest;

/** Channels with their weights: the phone carries most of a hotline's work. */
const CHANNELS: [Channel, number][] = [
  ['phone', 42],
  ['wechat', 18],
  ['wechat-mp', 10],
  ['sms', 8],
  ['web', 6],
  ['open311', 6],
  ['platform:问政赣州', 6],
  ['platform:民声通道', 4],
];

/** How a ticket's life goes, when its age allows it to get that far. */
type Fate = 'satisfied' | 'basic' | 'unsatisfied' | 'unreached' | 'returned' | 'extension' | 'late' | 'manual';
const FATES: [Fate, number][] = [
  ['satisfied', 52],
  ['basic', 12],
  ['unsatisfied', 7],
  ['unreached', 6],
  ['returned', 6],
  ['extension', 5],
  ['late', 7],
  ['manual', 4],
];

const REPLIES = ['已安排人员到现场核实处理，问题已解决。', '经现场查看，已按相关规定处理，并向来电人作了解释。', '已联系相关责任人限期整改，整改情况已回复群众。', '已转交辖区工作人员跟进，现已处理完毕。', '经核实情况属实，已督促落实，后续将持续关注。'];

/** Today's hotspot: one matter at one place, reported again and again in the last hours. */
const HOTSPOT = [
  '红都大道与八一路交叉口的井盖丢了，晚上很危险，赶紧来盖上',
  '八一路和红都大道路口有个井盖不见了，电动车差点掉进去',
  '红都大道八一路交叉口井盖缺失，已经有人崴了脚',
  '反映红都大道与八一路交叉口井盖丢失，路口车多人多，请尽快处理',
  '红都大道和八一路路口那个下水道井盖没了，小孩放学经过太危险',
  '红都大道与八一路交叉口井盖又被偷了，希望尽快补上',
];

function weighted<T>(r: ReturnType<typeof rng>, xs: [T, number][]): T {
  const total = xs.reduce((s, [, w]) => s + w, 0);
  let x = r.next() * total;
  for (const [v, w] of xs) if ((x -= w) < 0) return v;
  return xs[xs.length - 1]![0];
}

/** Seeds the history once; later starts return at once. */
export async function seedDemoHistory(d: DemoHistoryDeps, o: DemoHistoryOptions = {}): Promise<DemoHistoryResult> {
  const started = performance.now();
  const now = d.clock.now();
  if (await d.state.get(STATE_SCOPE, STATE_KEY, now)) return { seeded: false, tickets: 0, ms: 0 };
  const days = o.days ?? 60;
  const perDay = o.perDay ?? 6;
  const units = d.samples();
  const examples = units.examples.filter((e) => d.unitNames.has(e.unit));
  const townshipRows = units.history.filter((e) => units.townships.includes(e.unit) && e.text.length <= 160);
  const byUnit = new Map<string, Example[]>();
  for (const e of [...examples, ...townshipRows]) byUnit.set(e.unit, [...(byUnit.get(e.unit) ?? []), e]);
  // Ordinary matters where a unit has them: a 即办 is the exception (about 3 in 100 below).
  for (const [u, es] of byUnit) if (es.some((e) => !e.urgent)) byUnit.set(u, es.filter((e) => !e.urgent));
  const urgentExamples = examples.filter((e) => e.urgent);
  // Every member unit and township in turn, so each has its share whatever the random draws.
  const owners = [...units.units, ...units.townships].filter((u) => d.unitNames.has(u) && (byUnit.get(u)?.length ?? 0) > 0);
  const places = units.townships.filter((t) => t !== '城市社区');

  const silent: EventBus = { publish: () => undefined, subscribe: () => () => undefined } as unknown as EventBus;
  const store = withoutTimers(d.ticketStore);
  const person = async (name: string, role: Principal['role'], fallback: string): Promise<Principal> => {
    const u = await d.users.byName(name);
    return u ? { id: u.id, name: u.displayName ?? u.name, role: u.role, unit: u.unit } : { id: `demo:${name}`, name: fallback, role, unit: null };
  };
  const operator = await person('operator', 'operator', '话务员');
  const supervisor = await person('supervisor', 'supervisor', '督办员');
  const demoUnitUsers = new Map<string, Principal>();
  for (const n of ['chengguan', 'water']) {
    const u = await d.users.byName(n);
    if (u?.unit) demoUnitUsers.set(u.unit, { id: u.id, name: u.displayName ?? u.name, role: 'unit', unit: u.unit });
  }
  const unitUser = (unit: string): Principal => demoUnitUsers.get(unit) ?? { id: `demo:${unit}`, name: `${unit}值班员`, role: 'unit', unit };
  const reviewer: Principal = { id: 'demo:市委办', name: '市委办审核员', role: 'unit', unit: '市委办' };
  const today = now.getTime();
  let count = 0;

  // The plan, drawn in one order: how many tickets each day has, and who owns each. Days are then
  // played side by side (the store commits concurrent writes together), each day in its own order
  // with its own clock and random numbers, so the day's ticket numbers come out the same every time.
  const plan = rng(20261207);
  const dayPlans: { day: number; base: number; first: number; n: number }[] = [];
  let total = 0;
  for (let day = days; day >= 0; day--) {
    const base = startOfShanghaiDay(today - day * DAY);
    const weekday = new Date(base + 12 * HOUR).getUTCDay();
    const n = weekday === 0 || weekday === 6 ? Math.ceil(perDay / 2) : perDay + plan.int(-2, 2);
    dayPlans.push({ day, base, first: total, n });
    total += n;
  }

  const playDay = async ({ day, base, first, n }: (typeof dayPlans)[number]) => {
    const r = rng(20261207 + day * 7919);
    const clock = new FakeClock(base);
    const tickets = new TicketService({ store, classifier: d.classifier, calendar: d.calendar, clock, bus: silent, units: () => d.unitNames });
    /** Steps run at their own instants, and stop at `now`: a young ticket is still open. */
    const at = (t: number) => {
      if (t >= today - 10 * 60_000) return false;
      clock.set(t);
      return true;
    };
    let k = 0;
    // Coordinates from their own numbers, so the draws of the tickets' lives stay as they were.
    const geo = rng(4_200_017 + day * 613);
    /** Open311 reports carry lat/long; about a third of WeChat reports share a location. */
    const locate = (channel: Channel, township: string | null): GeoPoint | null => {
      const centre = township ? DEMO_TOWNSHIP_CENTRES[township] : undefined;
      const a = geo.next();
      const b = geo.next();
      const shared = (channel === 'wechat' || channel === 'wechat-mp') && geo.chance(0.35);
      if (!centre || (channel !== 'open311' && !shared)) return null;
      const p = near(centre, a, b, township === '象湖镇' || township === '城市社区' ? 1.5 : 3);
      return { ...p, source: channel === 'open311' ? 'open311' : 'wechat' };
    };
    const intake = async (when: number, unit: string | null, e: Example, channel: Channel, township: string | null, manual = false, location: GeoPoint | null = locate(channel, township)) => {
      clock.set(when);
      const key = `${day}-${k++}`;
      const seq = first + k;
      const contact = channel === 'wechat' || channel === 'wechat-mp' ? `wxid_demo_${1000 + (seq % 800)}` : `139${String(10_000_000 + ((seq * 7919) % 90_000_000)).padStart(8, '0')}`;
      const res = await tickets.intake(
        {
          channel,
          content: e.text,
          contact,
          ...(e.category ? { category: e.category } : {}),
          ...(e.urgent ? { urgent: true } : {}),
          ...(manual ? {} : unit ? { unit, unitReason: '自动派单(演示)' } : {}),
          township,
          location,
          reviewer: channel === 'platform:民声通道' ? '市委办' : null,
          sourceKey: `demo-history:${key}`,
          notes: [DEMO_NOTE],
        },
        { id: operator.id, role: operator.role, name: operator.name, unit: null },
        channel === 'phone' ? 'console' : channel,
      );
      if (res.created) count++;
      return res;
    };

    /** Plays a ticket's life from intake, each step at its instant, as far as its age allows. */
    const live = async (ticket: Ticket, owner: string, created: number, fate: Fate): Promise<void> => {
      let t = created;
      const id = ticket.id;
      if (fate === 'manual' && !ticket.unit) {
        // Waited in the manual-dispatch queue; an operator dispatched it (today's still wait).
        if (!at((t += r.int(10, 90) * 60_000)) || day < 1) return;
        ticket = await tickets.dispatch(operator, id, owner);
      }
      let unit = ticket.unit;
      if (!unit) return;
      if (fate === 'returned') {
        if (!at((t += r.int(1, 4) * HOUR))) return;
        await tickets.returnTicket(unitUser(unit), id, '不属于本单位职责范围，请重新派单');
        const next = owners[(owners.indexOf(unit) + 7) % owners.length]!;
        if (!at((t += r.int(20, 120) * 60_000))) return;
        await tickets.dispatch(operator, id, next);
        unit = next;
      }
      // 签收: usually within hours; a late one is 督办ed.
      const late = fate === 'late';
      if (late) {
        if (!at((t += r.int(26, 40) * HOUR))) return;
        await tickets.supervise(supervisor, id, '督办', '超时未签收，请立即签收办理');
      }
      if (!at((t += late ? r.int(1, 3) * HOUR : r.int(15, 300) * 60_000))) return;
      await tickets.sign(unitUser(unit), id);
      if (fate === 'extension') {
        if (!at((t += r.int(1, 2) * DAY))) return;
        await tickets.requestExtension(unitUser(unit), id, 5, '需协调多个部门现场会商');
        if (!at((t += 3 * HOUR))) return;
        await tickets.decideExtension(supervisor, id, true, '同意延期');
      }
      if (!at((t += r.int(1, fate === 'extension' ? 8 : 5) * DAY + r.int(0, 6) * HOUR))) return;
      const replied = await tickets.reply(unitUser(unit), id, r.pick(REPLIES));
      if (replied.state === 'reviewing') {
        if (!at((t += r.int(2, 20) * HOUR))) return;
        await tickets.review(reviewer, id, true, '同意答复');
      }
      if (!at((t += r.int(20, 40) * HOUR))) return;
      const result: FollowUpResult =
        fate === 'unsatisfied'
          ? { satisfaction: '不满意', solved: false, via: 'phone', comment: '问题没有解决' }
          : fate === 'unreached'
            ? { satisfaction: '未回访', via: 'phone' }
            : { satisfaction: fate === 'basic' ? '基本满意' : '满意', solved: true, via: r.pick(['phone', 'phone', 'sms', 'wechat']) };
      await tickets.recordFollowUp(operator, id, result);
      if (fate !== 'unsatisfied') return;
      // 重办: a second round that ends well.
      if (!at((t += r.int(1, 4) * HOUR))) return;
      await tickets.sign(unitUser(unit), id);
      if (!at((t += r.int(1, 3) * DAY))) return;
      const again = await tickets.reply(unitUser(unit), id, '重办：已再次到现场处理，问题已解决。');
      if (again.state === 'reviewing') {
        if (!at((t += 2 * HOUR))) return;
        await tickets.review(reviewer, id, true, '同意答复');
      }
      if (!at((t += DAY))) return;
      await tickets.recordFollowUp(operator, id, { satisfaction: '满意', solved: true, via: 'phone' });
    };

    const whens = Array.from({ length: n }, () => base + 8 * HOUR + r.int(0, 12 * 60) * 60_000).sort((a, b) => a - b);
    for (let i = 0; i < n; i++) {
      const unit = owners[(first + i) % owners.length]!;
      const urgent = r.chance(0.03) && urgentExamples.length > 0;
      const e = urgent ? r.pick(urgentExamples) : r.pick(byUnit.get(unit)!);
      const owner = urgent ? e.unit : unit;
      const channel = weighted(r, CHANNELS);
      const township = units.townships.includes(owner) ? owner : r.pick(places);
      const fate = weighted(r, FATES);
      if (whens[i]! >= today - 10 * 60_000) break;
      const { ticket, created } = await intake(whens[i]!, owner, e, channel, township, fate === 'manual');
      if (created) await live(ticket, owner, whens[i]!, fate);
    }

    if (day === 20) {
      // A matter that keeps coming back: 重办 twice, still open.
      const when = base + 19 * HOUR;
      const { ticket, created } = await intake(when, '润泉供水公司', { text: '金都小区3栋自来水水压一直很低，高峰期楼上根本没水，反映过好几次了', unit: '润泉供水公司', category: '投诉' }, 'phone', '象湖镇');
      if (created) {
        let t = when;
        for (let round = 0; round < 2; round++) {
          if (!at((t += 2 * HOUR))) break;
          await tickets.sign(unitUser('润泉供水公司'), ticket.id);
          if (!at((t += 3 * DAY))) break;
          await tickets.reply(unitUser('润泉供水公司'), ticket.id, '已派人检查加压泵，水压已恢复正常。');
          if (!at((t += DAY))) break;
          await tickets.recordFollowUp(operator, ticket.id, { satisfaction: '不满意', solved: false, via: 'phone', comment: '还是没水' });
        }
      }
    }
    if (day === 0) {
      // Today's hotspot: the same manhole at the same crossing, six times in the last hours; the
      // last caller is the first one's neighbour on the same matter (并单 by the operator).
      let head: Ticket | null = null;
      for (let i = 0; i < HOTSPOT.length; i++) {
        const when = today - (6 - i) * 50 * 60_000 - 15 * 60_000;
        // The WeChat reporters shared their location: a few metres apart at the crossing.
        const pin = i % 2 ? { ...near(DEMO_HOTSPOT_CENTRE, geo.next(), geo.next(), 0.04), source: 'wechat' } : null;
        const { ticket, created } = await intake(when, '市城管局', { text: HOTSPOT[i]!, unit: '市城管局', category: '求助' }, i % 2 ? 'wechat' : 'phone', '象湖镇', false, pin);
        if (!created) continue;
        if (i === 0) {
          head = ticket;
          if (at(when + 20 * 60_000)) await tickets.sign(unitUser('市城管局'), ticket.id);
        }
        if (i === HOTSPOT.length - 1 && head && at(when + 5 * 60_000)) await tickets.merge(operator, ticket.id, head.id);
      }
      // The states a morning shows: a matter the classifier could not place (manual dispatch), a 退单
      // waiting for the operator, a reply waiting for the managing department's approval.
      const early = today - 3 * HOUR;
      await intake(early, null, { text: '你好，我想反映个情况，我也说不清楚该找哪个部门，你们帮忙看看', unit: '' }, 'phone', null, true);
      const ret = await intake(early + 10 * 60_000, '市住建局', { text: '小区物业把公共绿地改成了停车位，业主不同意', unit: '市住建局', category: '投诉' }, 'wechat', '象湖镇');
      if (ret.created && at(early + 70 * 60_000)) await tickets.returnTicket(unitUser('市住建局'), ret.ticket.id, '物业管理纠纷属街道社区职责，请改派');
      const rev = await intake(early + 20 * 60_000, '市城管局', { text: '南门路夜市油烟很大，对面居民晚上没法开窗', unit: '市城管局', category: '投诉' }, 'platform:民声通道', '象湖镇');
      if (rev.created && at(early + 40 * 60_000)) {
        await tickets.sign(unitUser('市城管局'), rev.ticket.id);
        if (at(early + 150 * 60_000)) await tickets.reply(unitUser('市城管局'), rev.ticket.id, '已约谈夜市摊主，要求加装油烟净化设备，城管中队每晚巡查。');
      }
    }
  };

  // A few days at a time: enough for the store to commit their writes together.
  const queue = [...dayPlans];
  await Promise.all(
    Array.from({ length: Math.min(o.parallel ?? 12, queue.length) }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) await playDay(p);
    }),
  );

  await d.state.put(STATE_SCOPE, STATE_KEY, { at: now.toISOString(), tickets: count }, now);
  // The hotspot alert now, not at the next half-hour scan.
  await d.hotspots?.scan().catch((err: unknown) => d.log?.warn({ err }, 'demo history: hotspot scan failed'));
  const ms = Math.round(performance.now() - started);
  d.log?.info({ tickets: count, ms }, 'demo history seeded');
  return { seeded: true, tickets: count, ms };
}

/** The store as the history sees it: the same tickets and events, no timers. */
function withoutTimers(store: TicketStore): TicketStore {
  const strip = (d: Decision): Decision => ({ ...d, jobs: [], cancelJobPrefixes: [], timers: undefined });
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'create') return ((input) => target.create({ ...input, decide: (n) => strip(input.decide(n)) })) satisfies TicketStore['create'];
      if (prop === 'mutate') return ((id, change, decide) => target.mutate(id, change, (t) => strip(decide(t)))) satisfies TicketStore['mutate'];
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** 00:00 in Asia/Shanghai (UTC+8, no daylight saving) of the day holding `ms`. */
function startOfShanghaiDay(ms: number): number {
  return Math.floor((ms + 8 * HOUR) / DAY) * DAY - 8 * HOUR;
}
