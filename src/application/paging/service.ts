/**
 * Paging: calls and messages the people of an escalation chain, one attempt per job, until
 * someone acknowledges. Every timer is a job (`page.step`, key page:<ticket>:<page>:<step>:<attempt>)
 * run by the one job runner; a page row records the attempt that is due, so a stale or repeated
 * job does nothing. A step holds the page lock while it sends, and an ack takes the same lock:
 * once an ack is stored no further page goes out.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import { conflict, invalid, notFound } from '../../domain/errors.js';
import { HUMAN_BUCKETS, noMetrics, type Counter, type Histogram, type MetricsPort } from '../ports/metrics.js';
import { nextPosition, nextStep, officeChain, waitAfterAttempt, waitAfterNotReached, type EscalationStep, type Position } from '../../domain/duty/escalation.js';
import { isReachablePhone } from '../../domain/duty/roster.js';
import { pageSmsText, pickAckCode } from '../../domain/duty/sms-ack.js';
import { maskContact, normalisePhone } from '../../domain/phone.js';
import { pageStillNeeded } from '../../domain/paging/page.js';
import type { Actor, Ticket } from '../../domain/tickets/ticket.js';
import { JOB, type JobSpec } from '../ports/jobs.js';
import type { SmsSender } from '../ports/messaging.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { AuditEntry, AuditLog, DedupeStore, StateStore } from '../ports/misc.js';
import type { TicketStore } from '../ports/tickets.js';
import type { UnitStore } from '../ports/users.js';
import type { CallOutcome, VoiceDialer } from '../ports/voice.js';
import type { TicketService } from '../tickets/service.js';
import { HOTLINE_ROSTER, type DutyService } from './duty-service.js';
import type { AckVia, Page, PageAttempt, PageLock, PageReason, PageVars, PagingStore } from './ports.js';
import { PageReplies, type InboundText, type InboundTextResult } from './replies.js';

/** How many 到场确认 calls one acknowledged page gets at most. */
export const ARRIVAL_CHECKS = 3;

/** A WeChat message to a duty person (the bot or the Official Account); optional. */
export interface WechatNotifier {
  send(to: string, text: string): Promise<{ id: string }>;
  /** false while the WeChat bot is not running (the step then goes by phone); absent: always */
  available?(): boolean;
}

export interface PagingDeps {
  store: PagingStore;
  duty: DutyService;
  tickets: Pick<TicketService, 'apply' | 'takeOverEvents'>;
  ticketStore: Pick<TicketStore, 'get' | 'getByNumber'>;
  voice: VoiceDialer;
  sms: SmsSender;
  wechat?: WechatNotifier | null;
  units: Pick<UnitStore, 'get'>;
  audit: AuditLog;
  bus: EventBus;
  state: StateStore;
  dedupe: DedupeStore;
  clock: Clock;
  config: { hotlineDutyPhone: string; cityDutyPhone: string; arrivalCheckMin?: number };
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };
  /** the job runner should look now (a step fell due) */
  wake?: () => void;
  random?: () => number;
  /** pages by outcome, time to acknowledge, running pages at their chain's last step */
  metrics?: MetricsPort;
}

/** How a page ends when an office duty officer acknowledged it: they have the matter, the unit has not signed. */
export const TAKEN_OVER = 'taken_over';

export interface Acker {
  id: string;
  name: string;
  phone?: string | null;
  /**
   * 'unit': the acknowledgement answers for the ticket's unit and signs the ticket (签收).
   * 'office': a duty officer of the hotline office or the city took the page on; paging stops,
   * the ticket records who has it, and the unit still has to sign: its 响应率 counts only its own.
   */
  side: 'unit' | 'office';
}

export type AckResult = { status: 'acked'; page: Page } | { status: 'already'; by: string; page: Page } | { status: 'closed'; page: Page };

interface Target {
  name: string;
  to: string | null;
  wechat?: string | null;
  why?: string;
}

const SUMMARY_CHARS = 40;

export function pageJobKey(p: Pick<Page, 'ticketId' | 'id'>, pos: Position): string {
  return `page:${p.ticketId}:${p.id}:${pos.step}:${pos.attempt}`;
}

export function parsePageRef(ref: string): { ticketId: string; pageId: string; step: number; attempt: number } | null {
  const m = /^page:([^:]+):([^:]+):(\d+):(\d+)$/.exec(ref);
  return m ? { ticketId: m[1], pageId: m[2], step: Number(m[3]), attempt: Number(m[4]) } : null;
}

export function pageVars(t: Ticket): PageVars {
  const text = t.content.replace(/\s+/g, ' ').trim();
  return {
    ticketNumber: t.number,
    category: t.category,
    place: t.place || t.township || '未注明',
    summary: text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS)}…` : text,
  };
}

/**
 * 现场处置 and 协办 for the 市政府值班室 report: who each unit sent, with what, when they left and
 * arrived (Shanghai time), and the 协办 units' answers. Empty when none was recorded.
 */
export function onSiteSummary(t: Pick<Ticket, 'onSite' | 'assists' | 'emergencyType'>): string {
  const hm = (iso: string | null) => {
    if (!iso) return '';
    const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
    return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  };
  const parts: string[] = [];
  if (t.emergencyType) parts.push(`突发事件（${t.emergencyType}）联动`);
  for (const r of t.onSite) {
    const who = r.count ? `${r.count}人${r.people.length ? `（${r.people.slice(0, 5).join('、')}${r.people.length > 5 ? '等' : ''}）` : ''}` : '人员';
    const kit = r.equipment.length ? `携${r.equipment.slice(0, 5).join('、')}` : '';
    parts.push(`${r.unit}出动${who}${kit}${r.sentAt ? `${hm(r.sentAt)}出发` : ''}${r.arrivedAt ? `${hm(r.arrivedAt)}到达现场` : '，未登记到达'}`);
  }
  const answered = t.assists.filter((a) => a.state === 'replied' && a.reply);
  for (const a of answered) parts.push(`协办${a.unit}：${a.reply!.replace(/\s+/g, ' ').slice(0, 40)}`);
  return parts.length ? `。现场处置：${parts.join('；')}` : '';
}

export class PagingService {
  private readonly random: () => number;
  private readonly replies: PageReplies;

  constructor(private readonly d: PagingDeps) {
    this.random = d.random ?? Math.random;
    const m = d.metrics ?? noMetrics;
    this.ended = m.counter('suban_pages_total', 'pages ended, by outcome (acknowledged, taken_over, cancelled, stopped)', ['outcome', 'reason']);
    this.ackTime = m.histogram('suban_page_ack_seconds', 'time from the start of a page to its acknowledgement', ['reason'], HUMAN_BUCKETS);
    // A page still unanswered at its chain's last step: the next thing is nobody (the alert's subject).
    m.gauge('suban_pages_running', 'pages still calling, by whether they reached the last step of their escalation chain', async () => {
      const running = await d.store.list({ status: 'running', limit: 1000 });
      const last = running.filter((p) => p.chain.length > 0 && p.step >= p.chain.length).length;
      return [{ labels: { last_step: 'true' }, value: last }, { labels: { last_step: 'false' }, value: running.length - last }];
    }, ['last_step']);
    this.replies = new PageReplies({ paging: this, store: d.store, state: d.state, audit: d.audit, clock: d.clock });
  }

  /**
   * An SMS that may answer a page. `handled: false` means it is not about paging (an unknown
   * number): the caller treats it as an ordinary message. `reply` is to be sent back.
   */
  handleInboundSms(m: { from: string; text: string; at?: Date }): Promise<InboundTextResult> {
    return this.replies.handle({ ...m, channel: 'sms' });
  }

  /** The same for a WeChat message; `from` is the WeChat id the page was sent to. */
  handleInboundWechat(m: { from: string; text: string; at?: Date }): Promise<InboundTextResult> {
    return this.replies.handle({ ...m, channel: 'wechat' } satisfies InboundText);
  }

  get store() {
    return this.d.store;
  }

  // ---- starting ----

  /**
   * Start paging for a ticket, copying the unit's chain onto the page. One running page per
   * ticket; `sourceKey` (the trigger's job key) makes a repeated trigger a no-op.
   */
  async start(ticketId: string, reason: PageReason, by: { id: string; name?: string }, sourceKey: string | null = null, assistUnit?: string): Promise<{ page: Page; created: boolean }> {
    const t = await this.d.ticketStore.get(ticketId);
    if (!t) throw notFound('ticket', ticketId);
    if (t.state === 'closed' || t.state === 'merged') throw conflict('ticket_closed', `工单 ${t.number} 已${t.state === 'closed' ? '办结' : '并单'},无需呼叫`);
    const now = this.d.clock.now();
    // A 联动 page of a 协办 unit pages that unit's chain, beside the lead unit's page.
    if (reason === 'assist' && !assistUnit) throw invalid('no_unit', '联动呼叫须指定协办单位');
    const unit = reason === 'unassigned' ? null : reason === 'assist' ? assistUnit! : t.unit;
    if (!unit && reason !== 'unassigned' && reason !== 'manual') throw invalid('no_unit', `工单 ${t.number} 尚未派单`);
    const chain = unit ? await this.d.duty.chain(unit) : officeChain(now);
    const page: Page = {
      id: randomUUID(),
      ticketId: t.id,
      ticketNumber: t.number,
      unit,
      reason: unit ? reason : reason === 'manual' ? 'manual' : 'unassigned',
      status: 'running',
      chain: chain.steps,
      vars: pageVars(t),
      step: 0,
      attempt: 0,
      next: { step: 1, attempt: 1, at: now },
      startedAt: now,
      startedBy: by.id,
      endedAt: null,
      endReason: null,
      ack: null,
    };
    const r = await this.d.store.create(page, sourceKey, this.stepJob(page, { step: 1, attempt: 1 }, now));
    if (r.created) {
      await this.audit({ at: now, actorId: by.id, kind: 'page.start', subject: `ticket:${t.id}`, data: { pageId: page.id, reason: page.reason, unit, chain: chain.steps, chainVersion: chain.version } });
      this.publish(r.page);
      this.d.wake?.();
    }
    return r;
  }

  private stepJob(p: Pick<Page, 'id' | 'ticketId'>, pos: Position, at: Date): JobSpec {
    return { kind: JOB.pageStep, key: pageJobKey(p, pos), runAt: at, payload: { pageId: p.id, ticketId: p.ticketId, step: pos.step, attempt: pos.attempt } };
  }

  // ---- one attempt (the page.step job) ----

  async runStep(payload: { pageId: string; step: number; attempt: number }): Promise<void> {
    const audits: AuditEntry[] = [];
    let changed: Page | null = null;
    await this.d.store.withLock(payload.pageId, async (lock) => {
      if (!lock) return;
      const page = lock.page;
      const pos = { step: payload.step, attempt: payload.attempt };
      // Stale: acknowledged, cancelled, passed on or escalated by hand since this job was set.
      if (page.status !== 'running' || page.next?.step !== pos.step || page.next?.attempt !== pos.attempt) return;
      const now = this.d.clock.now();
      const ticket = await this.d.ticketStore.get(page.ticketId);
      if (!ticket || !pageStillNeeded(page, ticket)) {
        changed = await this.finish(lock, 'stopped', ticket ? `ticket_${ticket.state}` : 'ticket_missing', now);
        audits.push({ at: now, actorId: 'system', kind: 'page.stop', subject: `ticket:${page.ticketId}`, data: { pageId: page.id, reason: changed.endReason } });
        return;
      }
      const step = page.chain[pos.step - 1];
      const target = await this.resolveTarget(page, step, now);
      const base: PageAttempt = {
        pageId: page.id,
        ticketId: page.ticketId,
        step: pos.step,
        attempt: pos.attempt,
        target: step.target,
        targetName: target.name,
        channel: step.channel,
        to: target.to,
        code: null,
        status: 'sending',
        providerId: null,
        outcome: null,
        result: null,
        error: null,
        at: now,
        endedAt: null,
      };
      if (!target.to) {
        // Nobody to call: the rest of this step is pointless, on to the next one at once (a
        // repeating office step tries again after its timeout).
        const at = new Date(now.getTime() + (step.repeat ? step.ackTimeoutSec * 1000 : 0));
        const next = nextStep(page.chain, pos);
        await lock.write(async (w) => {
          if (!(await w.insertAttempt({ ...base, status: 'unreachable', error: target.why ?? null, endedAt: now }))) return;
          await w.updatePage(page.id, { step: pos.step, attempt: pos.attempt, next: { ...next, at } });
          await w.enqueue([this.stepJob(page, next, at)]);
        });
        audits.push({ at: now, actorId: 'system', kind: 'page.unreachable', subject: `ticket:${page.ticketId}`, data: { pageId: page.id, ...pos, target: step.target, name: target.name, why: target.why } });
        this.d.log.warn({ pageId: page.id, ...pos, target: step.target, why: target.why }, 'page target unreachable');
        changed = { ...page, step: pos.step, attempt: pos.attempt, next: { ...next, at } };
        return;
      }
      const next = nextPosition(page.chain, pos);
      let channel = step.channel;
      let to = target.to;
      if (channel === 'wechat') {
        if (this.d.wechat && (this.d.wechat.available?.() ?? true) && target.wechat) to = target.wechat;
        else channel = 'sms';
      }
      const code = channel === 'call' ? null : await this.codeFor(page, to);
      const nextAt = new Date(now.getTime() + waitAfterAttempt(page.chain, pos) * 1000);
      // At most once across a crash. On PostgreSQL the attempt row commits with the page lock's transaction,
      // i.e. only after the send; this claim commits at once, so a run killed after sending never sends again.
      // A run killed after the claim but before the send records the attempt as interrupted and moves on.
      const first = await this.d.dedupe.claim('page.attempt', `${page.id}:${pos.step}:${pos.attempt}`, now);
      const made = await lock.write(async (w) => {
        const row = first ? { ...base, channel, to, code } : { ...base, channel, to, code, status: 'failed' as const, error: 'interrupted by a restart before sending', endedAt: now };
        if (!(await w.insertAttempt(row))) return false;
        await w.updatePage(page.id, { step: pos.step, attempt: pos.attempt, next: { ...next, at: nextAt } });
        await w.enqueue([this.stepJob(page, next, nextAt)]);
        return true;
      });
      // Made before by a run that died after sending: never twice.
      if (!made || !first) return;
      const ref = pageJobKey(page, pos);
      let providerId: string | null = null;
      let error: string | null = null;
      try {
        if (channel === 'call') providerId = (await this.d.voice.placeCall({ to, flow: 'paging', vars: { ...page.vars }, ref, detectMachine: true, timeoutSec: 30 })).callId;
        else if (channel === 'wechat') providerId = (await this.d.wechat!.send(to, this.messageText(page, code!))).id;
        else providerId = (await this.d.sms.send({ to, text: this.messageText(page, code!), ref })).id;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      let nextAtNow = nextAt;
      await lock.write(async (w) => {
        await w.updateAttempt(page.id, pos.step, pos.attempt, { status: error ? 'failed' : 'sent', providerId, error });
        if (error) {
          // A send that failed reached nobody: go on as after an unanswered call.
          nextAtNow = new Date(now.getTime() + waitAfterNotReached(page.chain, pos) * 1000);
          if (nextAtNow < nextAt) {
            await w.bringForward(pageJobKey(page, next), nextAtNow);
            await w.updatePage(page.id, { next: { ...next, at: nextAtNow } });
          } else nextAtNow = nextAt;
        }
      });
      audits.push({
        at: now,
        actorId: 'system',
        kind: 'page.attempt',
        subject: `ticket:${page.ticketId}`,
        data: { pageId: page.id, ...pos, target: step.target, name: target.name, channel, to, code, providerId, status: error ? 'failed' : 'sent', error },
      });
      if (error) this.d.log.warn({ pageId: page.id, ...pos, channel, to: maskContact(to), err: error }, 'page send failed');
      changed = { ...page, step: pos.step, attempt: pos.attempt, next: { ...next, at: nextAtNow } };
    });
    await this.flush(audits);
    if (changed) this.publish(changed);
    this.d.wake?.();
  }

  private messageText(page: Page, code: string): string {
    const v = page.vars;
    return pageSmsText(`工单${v.ticketNumber}（${v.category}，${v.place}）${v.summary}`, code, page.reason !== 'sign_overdue');
  }

  /** The same code for every message of one page to one person; otherwise one they don't hold yet. */
  private async codeFor(page: Page, to: string): Promise<string> {
    const mine = (await this.d.store.attempts(page.id)).find((a) => a.to === to && a.code);
    if (mine?.code) return mine.code;
    return pickAckCode(await this.d.store.openCodes(to), this.random);
  }

  private async resolveTarget(page: Page, step: EscalationStep, at: Date): Promise<Target> {
    switch (step.target) {
      case 'person':
        return { name: step.person!.name, to: step.person!.phone, wechat: step.person!.wechat ?? null };
      case 'duty': {
        if (!page.unit) return { name: '值班人员', to: null, why: '工单未派单' };
        const d = await this.d.duty.onDuty(page.unit, at);
        if (!d) {
          // No roster person now: the unit's office phone, when it registered one (then its head, then the hotline office).
          const office = (await this.d.duty.contacts(page.unit))?.officePhone;
          if (isReachablePhone(office)) return { name: `${page.unit}办公室`, to: normalisePhone(office) };
          return { name: `${page.unit}值班人员`, to: null, why: '该时段无人值班' };
        }
        const m = d.member;
        return isReachablePhone(m.phone) ? { name: m.name, to: normalisePhone(m.phone), wechat: m.wechat ?? null } : { name: m.name, to: null, wechat: m.wechat ?? null, why: '值班人员没有电话号码' };
      }
      case 'unit_head': {
        const u = page.unit ? await this.d.units.get(page.unit) : null;
        const name = u?.headName ? `${u.headName}(${page.unit}负责人)` : `${page.unit ?? ''}负责人`;
        return isReachablePhone(u?.headPhone) ? { name, to: normalisePhone(u!.headPhone!) } : { name, to: null, why: '单位负责人电话未登记' };
      }
      case 'hotline_duty': {
        const d = await this.d.duty.onDuty(HOTLINE_ROSTER, at);
        if (d && isReachablePhone(d.member.phone)) return { name: `${d.member.name}(热线办值班)`, to: normalisePhone(d.member.phone), wechat: d.member.wechat ?? null };
        const phone = this.d.config.hotlineDutyPhone;
        return isReachablePhone(phone) ? { name: '热线办值班室', to: normalisePhone(phone) } : { name: '热线办值班室', to: null, why: '未配置 SUBAN_HOTLINE_DUTY_PHONE' };
      }
      case 'city_duty': {
        const phone = this.d.config.cityDutyPhone;
        return isReachablePhone(phone) ? { name: '市政府值班室', to: normalisePhone(phone) } : { name: '市政府值班室', to: null, why: '未配置 SUBAN_CITY_DUTY_PHONE' };
      }
    }
  }

  private readonly ended: Counter<'outcome' | 'reason'>;
  private readonly ackTime: Histogram<'reason'>;

  private async finish(lock: PageLock, status: 'acked' | 'cancelled' | 'stopped', reason: string, now: Date, ack?: Page['ack']): Promise<Page> {
    const page = lock.page;
    await lock.write(async (w) => {
      await w.updatePage(page.id, { status, next: null, endedAt: now, endReason: reason, ...(ack ? { ack } : {}) });
      await w.cancelJobs(`page:${page.ticketId}:${page.id}:`);
    });
    this.ended.inc({ outcome: status === 'acked' ? reason : status, reason: page.reason });
    if (status === 'acked') this.ackTime.observe({ reason: page.reason }, Math.max(0, now.getTime() - page.startedAt.getTime()) / 1000);
    return { ...page, status, next: null, endedAt: now, endReason: reason, ack: ack ?? page.ack };
  }

  // ---- acknowledgement, pass, outcomes ----

  /**
   * Acknowledge a page: stops it at once and, when the acknowledgement answers for the unit, signs
   * the ticket (签收) with who, when and how.
   * A second acknowledgement changes nothing and learns who was first.
   */
  async acknowledge(pageId: string, who: Acker, via: AckVia, detail: Record<string, unknown> = {}): Promise<AckResult> {
    const now = this.d.clock.now();
    const r = await this.d.store.withLock(pageId, async (lock): Promise<AckResult> => {
      if (!lock) throw notFound('page', pageId);
      const page = lock.page;
      if (page.status === 'acked') return { status: 'already', by: page.ack?.by ?? '', page };
      if (page.status !== 'running') return { status: 'closed', page };
      const done = await this.finish(lock, 'acked', who.side === 'unit' ? 'acknowledged' : TAKEN_OVER, now, { at: now, by: who.name, byId: who.id, via });
      // 现场处置: the unit's person who acknowledged a 即办 (or 联动) page by phone or SMS is called back
      // later to confirm the arrival on the scene (key 1), unless it was recorded meanwhile.
      const checkMin = this.d.config.arrivalCheckMin ?? 0;
      if (checkMin > 0 && who.side === 'unit' && who.phone && page.unit && (page.reason === 'urgent' || page.reason === 'assist')) {
        const job = this.arrivalCheckJob(page, who.phone, 1, new Date(now.getTime() + checkMin * 60_000));
        await lock.write((w) => w.enqueue([job]));
      }
      return { status: 'acked', page: done };
    });
    await this.audit({ at: now, actorId: who.id, kind: r.status === 'acked' ? 'page.ack' : 'page.ack_repeat', subject: `ticket:${r.page.ticketId}`, data: { pageId, by: who.name, phone: who.phone ?? null, via, result: r.status, ...detail } });
    if (r.status !== 'acked') return r;
    this.publish(r.page);
    const page = r.page;
    const actor: Actor = { id: who.id, role: 'duty', name: who.name, unit: page.unit };
    try {
      await this.d.tickets.apply(page.ticketId, actor, via, (t, at) => {
        // 接手 of a ticket nobody dispatched yet: the officer owns it, with a deadline to dispatch it by.
        if (!page.unit) return this.d.tickets.takeOverEvents(t, { id: who.id, name: who.name, phone: who.phone ?? null }, at);
        // A 协办 unit's 联动 page: its own people sign its part, not the ticket.
        if (page.reason === 'assist') {
          const part = t.assists.find((x) => x.unit === page.unit && x.state === 'dispatched');
          if (!part) return [];
          return who.side === 'unit' ? [{ type: 'assist_signed', unit: part.unit }] : [{ type: 'note', text: `联动呼叫已由${who.name}确认接手，协办单位${part.unit}尚未签收` }];
        }
        if (t.state !== 'dispatched' || t.unit !== page.unit) return [];
        if (who.side === 'unit') return [{ type: 'signed' }];
        return [{ type: 'note', text: `即办呼叫已由${who.name}确认接手，${t.unit ?? '承办单位'}尚未签收` }];
      });
    } catch (e) {
      // The page is acknowledged either way; a ticket that cannot be signed now is left to the console.
      this.d.log.warn({ pageId, ticketId: page.ticketId, err: (e as Error).message }, 'acknowledged page could not sign the ticket');
      await this.audit({ at: now, actorId: who.id, kind: 'page.sign_failed', subject: `ticket:${page.ticketId}`, data: { pageId, error: (e as Error).message } });
    }
    return r;
  }

  /**
   * 现场处置: the people the paged unit sent are at the scene (SMS 「到达 <code>」, a key on the
   * arrival call). A page still running is acknowledged first (they would not be there otherwise).
   * Recorded on the ticket as that unit's arrival; a second report changes nothing.
   */
  async recordArrival(pageId: string, who: Acker, via: AckVia): Promise<{ status: 'arrived' | 'already' | 'no_unit' | 'failed'; text: string; page: Page }> {
    let page = await this.d.store.get(pageId);
    if (!page) throw notFound('page', pageId);
    if (!page.unit) return { status: 'no_unit', text: `工单${page.ticketNumber}尚未派单，无法登记到达，请先派单。`, page };
    if (page.status === 'running') page = (await this.acknowledge(pageId, who, via, { arrival: true })).page;
    const unit = page.unit!;
    const now = this.d.clock.now();
    const actor: Actor = { id: who.id, role: 'duty', name: who.name, unit };
    try {
      let already = false;
      await this.d.tickets.apply(page.ticketId, actor, via, (t) => {
        const rec = t.onSite.find((r) => r.unit === unit);
        if (rec?.arrivedAt) {
          already = true;
          return [];
        }
        return [{ type: 'onsite_arrived', unit, arrivedAt: now.toISOString(), via }];
      });
      await this.audit({ at: now, actorId: who.id, kind: 'page.arrived', subject: `ticket:${page.ticketId}`, data: { pageId, unit, by: who.name, via, already } });
      if (already) return { status: 'already', text: `工单${page.ticketNumber}已登记过${unit}到达现场。`, page };
      return { status: 'arrived', text: `已登记${unit}到达现场（工单${page.ticketNumber}）。请在系统中补录出动人员、装备并上传现场照片。`, page };
    } catch (e) {
      this.d.log.warn({ pageId, ticketId: page.ticketId, err: (e as Error).message }, 'arrival could not be recorded');
      return { status: 'failed', text: `工单${page.ticketNumber}无法登记到达：${(e as Error).message}`, page };
    }
  }

  private arrivalCheckJob(page: Pick<Page, 'id' | 'ticketId'>, to: string, n: number, at: Date): JobSpec {
    return { kind: JOB.pageArrivalCheck, key: `arrival:${page.ticketId}:${page.id}:${n}`, runAt: at, payload: { pageId: page.id, ticketId: page.ticketId, to, n } };
  }

  /** The 到场确认 call (job page.arrival_check): only while the unit's arrival is not recorded and the ticket is open. */
  async runArrivalCheck(p: { pageId: string; to: string; n: number }, key: string): Promise<void> {
    const page = await this.d.store.get(p.pageId);
    if (!page?.unit) return;
    const t = await this.d.ticketStore.get(page.ticketId);
    if (!t || t.state === 'closed' || t.state === 'merged' || t.onSite.some((r) => r.unit === page.unit && r.arrivedAt)) return;
    const now = this.d.clock.now();
    if (!(await this.d.dedupe.claim('page.arrival_call', key, now))) return;
    const { callId } = await this.d.voice.placeCall({ to: p.to, flow: 'arrival', vars: { ticketNumber: page.ticketNumber, unit: page.unit }, ref: key, detectMachine: true, timeoutSec: 30 });
    await this.d.state.put('page.arrival_call', callId, { pageId: page.id, to: p.to, n: p.n }, now, new Date(now.getTime() + 86_400_000));
    await this.audit({ at: now, actorId: 'system', kind: 'page.arrival_call', subject: `ticket:${page.ticketId}`, data: { pageId: page.id, unit: page.unit, to: p.to, n: p.n, callId } });
  }

  /** A key on the 到场确认 call: 1 records the arrival, 2 asks again later (up to ARRIVAL_CHECKS calls). */
  async arrivalKey(callId: string, arrived: boolean): Promise<{ status: string }> {
    const now = this.d.clock.now();
    const c = (await this.d.state.get('page.arrival_call', callId, now)) as { pageId: string; to: string; n: number } | null;
    if (!c) throw notFound('arrival_call', callId);
    const page = await this.d.store.get(c.pageId);
    if (!page) throw notFound('page', c.pageId);
    if (arrived) {
      const attempt = (await this.d.store.attempts(page.id)).find((a) => a.to === c.to);
      const r = await this.recordArrival(page.id, { id: `call:${c.to}`, name: attempt?.targetName ?? c.to, phone: c.to, side: 'unit' }, 'call');
      if (r.status === 'failed' || r.status === 'no_unit') throw new Error(r.text);
      return { status: r.status };
    }
    const checkMin = this.d.config.arrivalCheckMin ?? 0;
    if (checkMin > 0 && c.n < ARRIVAL_CHECKS) {
      await this.d.store.withLock(page.id, async (lock) => lock?.write((w) => w.enqueue([this.arrivalCheckJob(page, c.to, c.n + 1, new Date(now.getTime() + checkMin * 60_000))])));
      this.d.wake?.();
    }
    return { status: 'not_arrived' };
  }

  /** Stop the 联动 pages of 协办 units whose part no longer needs them (signed, removed, the lead replied). */
  async stopAssistPagesIfUnneeded(ticketId: string): Promise<void> {
    const running = (await this.d.store.list({ ticketId, status: 'running' })).filter((p) => p.reason === 'assist');
    if (!running.length) return;
    const now = this.d.clock.now();
    for (const p of running) {
      const stopped = await this.d.store.withLock(p.id, async (lock) => {
        if (!lock || lock.page.status !== 'running') return null;
        const t = await this.d.ticketStore.get(ticketId);
        if (t && pageStillNeeded(lock.page, t)) return null;
        return this.finish(lock, 'stopped', t ? 'part_done' : 'ticket_missing', now);
      });
      if (stopped) {
        await this.audit({ at: now, actorId: 'system', kind: 'page.stop', subject: `ticket:${ticketId}`, data: { pageId: stopped.id, reason: stopped.endReason, unit: stopped.unit } });
        this.publish(stopped);
      }
    }
  }

  /** Acknowledge the running page of a ticket (console button, WeChat). */
  async acknowledgeTicket(ticketId: string, who: Acker, via: AckVia): Promise<AckResult> {
    const running = await this.d.store.runningForTicket(ticketId);
    if (running) return this.acknowledge(running.id, who, via);
    const [last] = await this.d.store.list({ ticketId, limit: 1 });
    if (!last) throw notFound('page', ticketId);
    return this.acknowledge(last.id, who, via);
  }

  /** Skip the rest of the current step ("9" on the call, or escalation by hand). */
  async passOn(pageId: string, from: { step: number; attempt: number } | null, by: { id: string; name?: string }, kind: 'page.pass' | 'page.escalate'): Promise<Page | null> {
    const now = this.d.clock.now();
    const moved = await this.d.store.withLock(pageId, async (lock) => {
      if (!lock) throw notFound('page', pageId);
      const page = lock.page;
      if (page.status !== 'running') return null;
      // A "9" on an older call than the latest attempt must not skip a step nobody tried yet.
      if (from && (from.step !== page.step || from.attempt !== page.attempt)) return null;
      const cur = page.step ? { step: page.step, attempt: page.attempt } : { step: 1, attempt: 0 };
      const next = page.next && page.next.step > cur.step ? { step: page.next.step, attempt: page.next.attempt } : nextStep(page.chain, cur);
      await lock.write(async (w) => {
        await w.updatePage(page.id, { next: { ...next, at: now } });
        await w.enqueue([this.stepJob(page, next, now)]);
        await w.bringForward(pageJobKey(page, next), now);
        // the position the page no longer waits for: its job would find itself stale anyway
        if (page.next && (page.next.step !== next.step || page.next.attempt !== next.attempt)) await w.cancelJobs(pageJobKey(page, page.next));
      });
      return { ...page, next: { ...next, at: now } };
    });
    if (moved) {
      await this.audit({ at: now, actorId: by.id, kind, subject: `ticket:${moved.ticketId}`, data: { pageId, from: from ?? { step: moved.step, attempt: moved.attempt }, to: moved.next } });
      this.publish(moved);
      this.d.wake?.();
    }
    return moved;
  }

  async cancel(pageId: string, by: { id: string; name?: string }, note?: string): Promise<Page> {
    const now = this.d.clock.now();
    const page = await this.d.store.withLock(pageId, async (lock) => {
      if (!lock) throw notFound('page', pageId);
      if (lock.page.status !== 'running') throw conflict('page_not_running', '该呼叫已结束');
      return this.finish(lock, 'cancelled', note?.trim() || 'cancelled', now);
    });
    await this.audit({ at: now, actorId: by.id, kind: 'page.cancel', subject: `ticket:${page.ticketId}`, data: { pageId, by: by.name, note: note ?? null } });
    this.publish(page);
    return page;
  }

  /** Stop a running page the ticket no longer needs (signed in the console, returned, closed). */
  async stopIfUnneeded(ticketId: string): Promise<void> {
    const running = await this.d.store.runningForTicket(ticketId);
    if (!running) return;
    const now = this.d.clock.now();
    const stopped = await this.d.store.withLock(running.id, async (lock) => {
      if (!lock || lock.page.status !== 'running') return null;
      const t = await this.d.ticketStore.get(ticketId);
      if (t && pageStillNeeded(lock.page, t)) return null;
      const why = !t ? 'ticket_missing' : lock.page.reason === 'urgent' && !t.urgent ? 'urgency_cleared' : `ticket_${t.state}`;
      return this.finish(lock, 'stopped', why, now);
    });
    if (stopped) {
      await this.audit({ at: now, actorId: 'system', kind: 'page.stop', subject: `ticket:${ticketId}`, data: { pageId: stopped.id, reason: stopped.endReason } });
      this.publish(stopped);
    }
  }

  /** How a paging call ended (bus `call.outcome`): a call that reached nobody brings the next attempt forward. */
  async handleCallOutcome(o: CallOutcome): Promise<void> {
    const ref = parsePageRef(o.ref);
    if (!ref) return;
    // Across instances the bus carries JSON: the time may arrive as a string.
    const endedAt = new Date(o.at);
    if (!(await this.d.dedupe.claim('page.outcome', `${o.callId}:${o.outcome}`, endedAt, { ref: o.ref }))) return;
    const now = this.d.clock.now();
    const reached = o.result === 'acknowledged' || o.result === 'passed';
    let changed: Page | null = null;
    await this.d.store.withLock(ref.pageId, async (lock) => {
      if (!lock) return;
      const page = lock.page;
      await lock.write(async (w) => {
        await w.updateAttempt(page.id, ref.step, ref.attempt, { outcome: o.outcome, result: o.result ?? null, endedAt });
        if (reached || page.status !== 'running' || page.step !== ref.step || page.attempt !== ref.attempt || !page.next) return;
        const at = new Date(endedAt.getTime() + waitAfterNotReached(page.chain, ref) * 1000);
        if (at >= page.next.at) return;
        await w.bringForward(pageJobKey(page, page.next), at);
        await w.updatePage(page.id, { next: { ...page.next, at } });
        changed = { ...page, next: { ...page.next, at } };
      });
    });
    await this.audit({ at: now, actorId: 'system', kind: 'page.outcome', subject: `ticket:${ref.ticketId}`, data: { pageId: ref.pageId, step: ref.step, attempt: ref.attempt, callId: o.callId, outcome: o.outcome, result: o.result ?? null } });
    if (changed) {
      this.publish(changed);
      this.d.wake?.();
    }
  }

  /** The attempt a call belongs to: by its call id, else the ticket's running page's latest attempt. */
  async attemptOfCall(callId: string, ticketNumber?: string): Promise<{ pageId: string; attempt: PageAttempt | null } | null> {
    const byCall = await this.d.store.attemptByProvider(callId);
    if (byCall) return { pageId: byCall.pageId, attempt: byCall };
    if (!ticketNumber) return null;
    const t = await this.d.ticketStore.getByNumber(ticketNumber);
    const running = t ? await this.d.store.runningForTicket(t.id) : null;
    if (!running) return null;
    // The step may still hold the lock with the call id uncommitted: look again under the lock.
    const a = await this.d.store.withLock(running.id, async () => (await this.d.store.attempts(running.id)).find((x) => x.providerId === callId) ?? null);
    return { pageId: running.id, attempt: a };
  }

  // ---- the 即办 result report ----

  /** Tell the 市政府值班室 how a 即办 ticket was handled (job `page.report`). */
  async reportResult(ticketId: string, key: string): Promise<void> {
    const t = await this.d.ticketStore.get(ticketId);
    if (!t || !t.urgent) return;
    const now = this.d.clock.now();
    const to = this.d.config.cityDutyPhone;
    if (!isReachablePhone(to)) {
      await this.audit({ at: now, actorId: 'system', kind: 'page.report_skipped', subject: `ticket:${t.id}`, data: { why: '未配置 SUBAN_CITY_DUTY_PHONE' } });
      return;
    }
    if (!(await this.d.dedupe.claim(JOB.urgentReport, key, now))) return;
    const reply = (t.lastReply ?? '').replace(/\s+/g, ' ').trim();
    const text = `【12345即办】工单${t.number}（${t.category}，${t.place || t.township || '未注明'}）已由${t.unit ?? '承办单位'}处置反馈：${reply.length > 120 ? `${reply.slice(0, 120)}…` : reply}${onSiteSummary(t)}`;
    const r = await this.d.sms.send({ to: normalisePhone(to), text, ref: key });
    await this.audit({ at: now, actorId: 'system', kind: 'page.report', subject: `ticket:${t.id}`, data: { to, text, providerId: r.id } });
  }

  // ---- views ----

  async view(pageId: string): Promise<{ page: Page; attempts: PageAttempt[] }> {
    const page = await this.d.store.get(pageId);
    if (!page) throw notFound('page', pageId);
    return { page, attempts: await this.d.store.attempts(pageId) };
  }

  private async audit(e: AuditEntry) {
    try {
      await this.d.audit.append(e);
    } catch (err) {
      this.d.log.error({ err: (err as Error).message, kind: e.kind }, 'audit append failed');
    }
  }

  private async flush(entries: AuditEntry[]) {
    for (const e of entries) await this.audit(e);
  }

  private publish(p: Page) {
    this.d.bus.publish(TOPIC.page, { id: p.id, ticketId: p.ticketId, ticketNumber: p.ticketNumber, unit: p.unit, status: p.status, step: p.step, attempt: p.attempt, next: p.next, ack: p.ack });
  }
}
