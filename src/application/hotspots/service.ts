/**
 * 研判预警: spikes of tickets on one matter or at one place within a window, and matters that keep
 * coming back unresolved (重办). Supervisors get an alert (bus topic `alert` and a stored list) and
 * may put the matter on the 联席会议 list or hand it to a leader (包案) with a deadline.
 *
 * "Same matter" is the duplicate detector's judgement (matterSignature/similarity over the
 * classifier result stored on each ticket) plus the operators' own 并单 links.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import { invalid, notFound } from '../../domain/errors.js';
import { matterSignature, similarity, type MatterSignature } from '../../domain/routing/similarity.js';
import { SAME_MATTER_THRESHOLD } from '../../domain/routing/similarity.js';
import type { Segmenter } from '../../domain/routing/segmenter.js';
import type { Classification } from '../../domain/routing/classifier.js';
import { canonicalPlace } from '../../domain/places/crossing.js';
import type { Actor, Ticket } from '../../domain/tickets/ticket.js';
import { JOB, type JobHandlers, type JobStore } from '../ports/jobs.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { StateStore } from '../ports/misc.js';
import type { TicketStore } from '../ports/tickets.js';
import { listAll } from '../tickets/list-all.js';
import { periodicJob, type PeriodicJob } from '../jobs/periodic.js';
import type { TicketService } from '../tickets/service.js';

export const ALERT_SCOPE = 'hotspot-alert';
export const JOINT_MEETING_SCOPE = 'joint-meeting';
export const LEADER_CASE_SCOPE = 'leader-case';

export interface HotspotConfig {
  windowHours: number;
  /** Tickets on one matter within the window that make a spike. */
  matterMinTickets: number;
  /** Tickets at one place (any matter) within the window that make a spike. */
  placeMinTickets: number;
  /** A ticket sent back for 重办 this many times is a recurring unresolved matter. */
  recurringReopens: number;
  similarityThreshold: number;
  scanMinutes: number;
  /** Upper bound of tickets compared pairwise in one scan. */
  maxTickets: number;
}

export const DEFAULT_HOTSPOT_CONFIG: HotspotConfig = { windowHours: 24, matterMinTickets: 5, placeMinTickets: 8, recurringReopens: 2, similarityThreshold: SAME_MATTER_THRESHOLD, scanMinutes: 30, maxTickets: 2000 };

export type AlertKind = 'matter' | 'place' | 'recurring';
export type AlertStatus = 'open' | 'joint_meeting' | 'assigned' | 'dismissed';

export interface HotspotAlert {
  id: string;
  kind: AlertKind;
  title: string;
  unit: string | null;
  place: string | null;
  keywords: string[];
  ticketIds: string[];
  numbers: string[];
  count: number;
  /** ISO instants */
  firstAt: string;
  lastAt: string;
  raisedAt: string;
  updatedAt: string;
  status: AlertStatus;
}

export interface JointMeetingItem {
  alertId: string | null;
  ticketIds: string[];
  title: string;
  note: string | null;
  addedBy: string;
  addedAt: string;
}

export interface LeaderCase {
  id: string;
  alertId: string | null;
  ticketIds: string[];
  title: string;
  leader: string;
  /** ISO instant */
  deadline: string;
  note: string | null;
  assignedBy: string;
  assignedAt: string;
}

export interface HotspotDeps {
  store: Pick<TicketStore, 'list' | 'classification' | 'get'>;
  tickets: Pick<TicketService, 'apply'>;
  jobs: Pick<JobStore, 'enqueue'>;
  state: StateStore;
  bus: EventBus;
  clock: Clock;
  log: { warn(o: object, m: string): void };
  /** Words of a ticket's text for its matter signature (jieba's base dictionary). */
  segmenter: Segmenter;
  config?: Partial<HotspotConfig>;
}

const HOUR = 3600_000;
const OPEN = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing'] as const;

export class HotspotService {
  readonly config: HotspotConfig;
  private readonly scans: PeriodicJob;

  constructor(private readonly d: HotspotDeps) {
    this.config = { ...DEFAULT_HOTSPOT_CONFIG, ...d.config };
    this.scans = periodicJob({ kind: JOB.hotspotScan, keyPrefix: 'hotspots:scan', everyMs: this.config.scanMinutes * 60_000, jobs: d.jobs, clock: d.clock, run: () => this.scan() });
  }

  register(runner: JobHandlers): void {
    this.scans.register(runner);
  }

  /** Enqueue the next scan (one job per time slot). Call once at start. */
  schedule(): Promise<void> {
    return this.scans.schedule();
  }

  /** Looks for spikes and recurring matters now; returns the alerts raised (new) by this scan. */
  async scan(): Promise<HotspotAlert[]> {
    const now = this.d.clock.now();
    const recent = await listAll(this.d.store, { from: new Date(now.getTime() - this.config.windowHours * HOUR), to: new Date(now.getTime() + 1) }, this.config.maxTickets);
    const sigs = new Map<string, MatterSignature>();
    for (const t of recent) sigs.set(t.id, await this.signature(t));

    const groups: { kind: AlertKind; tickets: Ticket[] }[] = [];
    for (const cluster of this.matterClusters(recent, sigs)) if (cluster.length >= this.config.matterMinTickets) groups.push({ kind: 'matter', tickets: cluster });
    const byPlace = new Map<string, Ticket[]>();
    for (const t of recent) {
      const place = sigs.get(t.id)?.place;
      if (place) byPlace.set(place, [...(byPlace.get(place) ?? []), t]);
    }
    for (const ts of byPlace.values()) if (ts.length >= this.config.placeMinTickets) groups.push({ kind: 'place', tickets: ts });
    const open = await listAll(this.d.store, { state: [...OPEN] }, this.config.maxTickets);
    for (const t of open) if (t.reopenCount >= this.config.recurringReopens) groups.push({ kind: 'recurring', tickets: [t] });

    const existing = (await this.d.state.list<HotspotAlert>(ALERT_SCOPE, now)).map((r) => r.doc);
    const raised: HotspotAlert[] = [];
    for (const g of groups) {
      const sig = sigs.get(g.tickets[0].id) ?? (await this.signature(g.tickets[0]));
      const ids = g.tickets.map((t) => t.id);
      // The same spike seen again (grown or not) updates its alert instead of raising a new one.
      const same = existing.find((a) => a.kind === g.kind && a.status !== 'dismissed' && a.ticketIds.some((id) => ids.includes(id)));
      const sorted = [...g.tickets].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      const alert: HotspotAlert = {
        id: same?.id ?? `${g.kind}:${randomUUID()}`,
        kind: g.kind,
        title: '',
        unit: mostCommon(g.tickets.map((t) => t.unit)),
        place: g.kind === 'place' ? sig.place : mostCommon(g.tickets.map((t) => sigs.get(t.id)?.place ?? null)),
        keywords: topKeywords(g.tickets.map((t) => sigs.get(t.id)?.keywords ?? [])),
        ticketIds: [...new Set([...(same?.ticketIds ?? []), ...ids])],
        numbers: [...new Set([...(same?.numbers ?? []), ...sorted.map((t) => t.number)])],
        count: 0,
        firstAt: (same?.firstAt ?? sorted[0].createdAt.toISOString()),
        lastAt: sorted[sorted.length - 1].createdAt.toISOString(),
        raisedAt: same?.raisedAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
        status: same?.status ?? 'open',
      };
      alert.count = alert.ticketIds.length;
      alert.title = titleOf(alert, g.tickets[0], this.config.windowHours);
      await this.d.state.put(ALERT_SCOPE, alert.id, alert, now);
      if (!same) {
        existing.push(alert);
        raised.push(alert);
        this.d.bus.publish(TOPIC.alert, { type: 'hotspot', alert });
      }
    }
    return raised;
  }

  async alerts(f: { status?: AlertStatus } = {}): Promise<HotspotAlert[]> {
    const rows = (await this.d.state.list<HotspotAlert>(ALERT_SCOPE, this.d.clock.now())).map((r) => r.doc);
    return rows.filter((a) => !f.status || a.status === f.status).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async alert(id: string): Promise<HotspotAlert> {
    const a = await this.d.state.get<HotspotAlert>(ALERT_SCOPE, id, this.d.clock.now());
    if (!a) throw notFound('alert', id);
    return a;
  }

  async dismiss(id: string): Promise<HotspotAlert> {
    const a = await this.alert(id);
    const next = { ...a, status: 'dismissed' as const, updatedAt: this.d.clock.now().toISOString() };
    await this.d.state.put(ALERT_SCOPE, id, next, this.d.clock.now());
    return next;
  }

  /** 列入联席会议: a matter (an alert, or tickets chosen by hand) for the difficult-cases meeting. */
  async addToJointMeeting(by: Actor, input: { alertId?: string; ticketIds?: string[]; note?: string }): Promise<JointMeetingItem> {
    const { alert, ticketIds, title } = await this.subject(input);
    const now = this.d.clock.now();
    const item: JointMeetingItem = { alertId: alert?.id ?? null, ticketIds, title, note: input.note ?? null, addedBy: by.name ?? by.id, addedAt: now.toISOString() };
    await this.d.state.put(JOINT_MEETING_SCOPE, alert?.id ?? `tickets:${ticketIds.join(',')}`, item, now);
    if (alert) await this.d.state.put(ALERT_SCOPE, alert.id, { ...alert, status: 'joint_meeting', updatedAt: now.toISOString() }, now);
    await this.noteOn(ticketIds, by, `已列入疑难问题分析研判联席会议：${title}${input.note ? `（${input.note}）` : ''}`);
    return item;
  }

  /** 领导包案: a leader takes the matter with a deadline to resolve it. */
  async assignLeader(by: Actor, input: { alertId?: string; ticketIds?: string[]; leader: string; deadline: Date; note?: string }): Promise<LeaderCase> {
    if (!input.leader.trim()) throw invalid('leader_required', '请填写包案领导');
    const now = this.d.clock.now();
    if (!(input.deadline.getTime() > now.getTime())) throw invalid('bad_deadline', '化解期限须晚于当前时间');
    const { alert, ticketIds, title } = await this.subject(input);
    const c: LeaderCase = { id: randomUUID(), alertId: alert?.id ?? null, ticketIds, title, leader: input.leader.trim(), deadline: input.deadline.toISOString(), note: input.note ?? null, assignedBy: by.name ?? by.id, assignedAt: now.toISOString() };
    await this.d.state.put(LEADER_CASE_SCOPE, c.id, c, now);
    if (alert) await this.d.state.put(ALERT_SCOPE, alert.id, { ...alert, status: 'assigned', updatedAt: now.toISOString() }, now);
    await this.noteOn(ticketIds, by, `领导包案：${c.leader}，限${input.deadline.toISOString().slice(0, 10)}前化解${input.note ? `（${input.note}）` : ''}`);
    return c;
  }

  async jointMeeting(): Promise<JointMeetingItem[]> {
    return (await this.d.state.list<JointMeetingItem>(JOINT_MEETING_SCOPE, this.d.clock.now())).map((r) => r.doc);
  }

  /** 包案 with whether every ticket is settled and whether the deadline has passed without that. */
  async leaderCases(): Promise<(LeaderCase & { resolved: boolean; overdue: boolean })[]> {
    const now = this.d.clock.now();
    const out = [];
    for (const { doc } of await this.d.state.list<LeaderCase>(LEADER_CASE_SCOPE, now)) {
      const states = await Promise.all(doc.ticketIds.map(async (id) => (await this.d.store.get(id))?.state));
      const resolved = states.every((s) => s === 'closed' || s === 'merged');
      out.push({ ...doc, resolved, overdue: !resolved && Date.parse(doc.deadline) < now.getTime() });
    }
    return out;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private async subject(input: { alertId?: string; ticketIds?: string[] }): Promise<{ alert: HotspotAlert | null; ticketIds: string[]; title: string }> {
    if (input.alertId) {
      const alert = await this.alert(input.alertId);
      return { alert, ticketIds: alert.ticketIds, title: alert.title };
    }
    const ids = [...new Set(input.ticketIds ?? [])];
    if (!ids.length) throw invalid('subject_required', '请选择预警或工单');
    const tickets = await Promise.all(ids.map((id) => this.d.store.get(id)));
    const missing = ids.find((_, i) => !tickets[i]);
    if (missing) throw notFound('ticket', missing);
    return { alert: null, ticketIds: ids, title: tickets.map((t) => t!.number).join('、') };
  }

  private async noteOn(ticketIds: string[], by: Actor, text: string) {
    for (const id of ticketIds) {
      try {
        await this.d.tickets.apply(id, by, 'console', () => [{ type: 'note', text }]);
      } catch (err) {
        this.d.log.warn({ err: String(err), ticket: id }, 'hotspot note not added');
      }
    }
  }

  private async signature(t: Ticket): Promise<MatterSignature> {
    const stored = (await this.d.store.classification(t.id)) as Partial<Classification> | null;
    const c = {
      ...(stored ?? {}),
      // The ticket's own unit and place win: an operator may have corrected the classifier.
      unit: t.unit ?? stored?.unit ?? null,
      // A crossing is one place, whichever of its roads the classifier picked.
      place: canonicalPlace(t.place ?? stored?.place ?? null, t.content),
      township: t.township ?? stored?.township ?? null,
      keywords: Array.isArray(stored?.keywords) ? stored.keywords : [],
    } as Classification;
    return matterSignature(t.content, c, this.d.segmenter);
  }

  /** Union of 并单 links and pairs the duplicate detector calls the same matter. */
  private matterClusters(tickets: Ticket[], sigs: Map<string, MatterSignature>): Ticket[][] {
    const index = new Map(tickets.map((t, i) => [t.id, i]));
    const parent = tickets.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    const union = (a: number, b: number) => {
      parent[find(a)] = find(b);
    };
    tickets.forEach((t, i) => {
      const j = t.mergedInto ? index.get(t.mergedInto) : undefined;
      if (j !== undefined) union(i, j);
    });
    for (let i = 0; i < tickets.length; i++) {
      for (let j = i + 1; j < tickets.length; j++) {
        if (find(i) === find(j)) continue;
        if (similarity(sigs.get(tickets[i].id)!, sigs.get(tickets[j].id)!) >= this.config.similarityThreshold) union(i, j);
      }
    }
    const out = new Map<number, Ticket[]>();
    tickets.forEach((t, i) => out.set(find(i), [...(out.get(find(i)) ?? []), t]));
    return [...out.values()];
  }
}

function mostCommon(xs: (string | null)[]): string | null {
  const n = new Map<string, number>();
  for (const x of xs) if (x) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

function topKeywords(lists: string[][]): string[] {
  const n = new Map<string, number>();
  for (const l of lists) for (const w of new Set(l)) n.set(w, (n.get(w) ?? 0) + 1);
  return [...n.entries()]
    .filter(([, c]) => c >= Math.max(2, Math.ceil(lists.length / 2)))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([w]) => w);
}

function titleOf(a: HotspotAlert, first: Ticket, windowHours: number): string {
  const about = a.keywords.slice(0, 3).join('、') || first.content.slice(0, 16);
  if (a.kind === 'recurring') return `反复重办：工单${first.number}（${first.content.slice(0, 20)}）已重办${first.reopenCount}次`;
  if (a.kind === 'place') return `${a.place}：${windowHours}小时内${a.count}件诉求`;
  return `${a.place ? `${a.place} ` : ''}${about}：${windowHours}小时内${a.count}件同类诉求`;
}
