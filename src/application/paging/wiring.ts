/**
 * The paging part of the composition root: builds the duty and paging services, registers their
 * jobs with the one runner, listens to ticket changes and call outcomes, and hands back the IVR
 * actions the paging flow calls and the inbound-SMS hook that claims replies to pages before the
 * inbox treats them as requests (src/composition gives both to the call gateway and the inbox).
 */
import type { Clock } from '../../domain/clock.js';
import { speaksForUnit } from '../../domain/duty/escalation.js';
import { normalisePhone } from '../../domain/phone.js';
import type { IvrAction } from '../ivr/ports.js';
import type { JobRunner } from '../jobs/runner.js';
import type { JobStore } from '../ports/jobs.js';
import type { SmsSender } from '../ports/messaging.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { AuditLog, DedupeStore, StateStore } from '../ports/misc.js';
import type { TicketStore } from '../ports/tickets.js';
import type { UnitStore } from '../ports/users.js';
import type { VoiceDialer } from '../ports/voice.js';
import type { TicketService } from '../tickets/service.js';
import { JOB } from '../ports/jobs.js';
import type { InboundSmsHook } from '../voice/sms-inbox.js';
import { DutyService, unitsWithContacts } from './duty-service.js';
import type { PagingStore } from './ports.js';
import { PagingService, TAKEN_OVER, type PagingDeps, type WechatNotifier } from './service.js';

export interface PagingParts {
  duty: DutyService;
  paging: PagingService;
  /** Resolves when the reactions to bus events started so far are done (tests). */
  idle(): Promise<void>;
  /** What the paging and arrival flows call on a keypress (pageAck, pagePass, pageArrived, pageNotArrived). */
  ivrActions: Record<string, IvrAction>;
  /** Replies to paging SMS, tried before the inbox makes requests of them. */
  smsHook: InboundSmsHook;
}

export interface PagingWiring {
  store: PagingStore;
  clock: Clock;
  log: PagingDeps['log'];
  bus: EventBus;
  audit: AuditLog;
  state: StateStore;
  dedupe: DedupeStore;
  jobs: JobStore;
  runner: JobRunner;
  tickets: TicketService;
  ticketStore: TicketStore;
  units: Pick<UnitStore, 'get'>;
  unitNames: () => Set<string>;
  isWorkday: (date: string) => boolean;
  voice: VoiceDialer;
  sms: SmsSender;
  wechat?: WechatNotifier | null;
  config: { hotlineDutyPhone: string; cityDutyPhone: string; arrivalCheckMin?: number };
  random?: () => number;
  metrics?: PagingDeps['metrics'];
}

const SYSTEM = { id: 'system', name: '系统' };

export function createPaging(w: PagingWiring): PagingParts {
  const duty = new DutyService({ state: w.state, audit: w.audit, bus: w.bus, clock: w.clock, isWorkday: w.isWorkday, units: w.unitNames });
  const paging = new PagingService({
    store: w.store,
    duty,
    tickets: w.tickets,
    ticketStore: w.ticketStore,
    voice: w.voice,
    sms: w.sms,
    wechat: w.wechat ?? null,
    // The head (or deputy) set in the unit's contacts, over the directory's columns.
    units: unitsWithContacts(w.units, duty),
    audit: w.audit,
    bus: w.bus,
    state: w.state,
    dedupe: w.dedupe,
    clock: w.clock,
    config: w.config,
    log: w.log,
    wake: () => w.runner.wake(),
    random: w.random,
    metrics: w.metrics,
  });

  const inflight = new Set<Promise<unknown>>();
  const track = (what: string, p: Promise<unknown>) => {
    const q = p.catch((e: unknown) => w.log.error({ err: (e as Error).message, what }, 'paging reaction failed'));
    inflight.add(q);
    void q.finally(() => inflight.delete(q));
  };

  // The timers.
  w.runner.register(JOB.pageStep, async (job) => paging.runStep(job.payload));
  w.runner.register(JOB.pageStart, async (job) => {
    const t = await w.ticketStore.get(job.payload.ticketId);
    if (!t) return;
    await paging.stopIfUnneeded(t.id);
    if (t.state === 'dispatched' && t.unit) await paging.start(t.id, 'urgent', SYSTEM, job.key);
    else if (t.state === 'accepted' || t.state === 'returned') await paging.start(t.id, 'unassigned', SYSTEM, job.key);
  });
  w.runner.register(JOB.signDue, async (job) => {
    const t = await w.ticketStore.get(job.payload.ticketId);
    if (!t || t.state !== 'dispatched' || !t.unit) return;
    if (t.signDeadline && t.signDeadline > w.clock.now()) return;
    const chain = await duty.chain(t.unit);
    if (!t.urgent && !chain.pageOnSignOverdue) return;
    // An operator who cancelled this ticket's page, or an office duty officer who acknowledged it,
    // has taken it over by hand: the overdue signing shows on the board, nobody is called again.
    const [last] = await w.store.list({ ticketId: t.id, limit: 1 });
    if (last?.status === 'cancelled' || last?.endReason === TAKEN_OVER) return;
    await paging.start(t.id, 'sign_overdue', SYSTEM, job.key);
  });
  w.runner.register(JOB.urgentReport, async (job) => paging.reportResult(job.payload.ticketId, job.key));
  w.runner.register(JOB.pageArrivalCheck, async (job) => paging.runArrivalCheck(job.payload, job.key));

  // Ticket changes: stop pages nobody needs. Which pages and 市政府值班室 reports a change starts is
  // decided in one place only, the ticket timers (tickets/timers.ts), stored with the change itself;
  // that is also where mirrors of interconnect platforms are exempt (their platform pages and reports).
  w.bus.subscribe(TOPIC.ticket, (c) => {
    const ev = new Set(c.events);
    // A ticket created by this change has no page yet: no query on the intake path.
    if (ev.has('created') || !['signed', 'returned', 'closed', 'merged', 'dispatched', 'urgency_checked', 'updated'].some((e) => ev.has(e))) return;
    track('ticket change', paging.stopIfUnneeded(c.id));
  });

  // 联动 pages of 协办 units stop once their part is signed or removed, or the lead unit replied.
  w.bus.subscribe(TOPIC.ticket, (c) => {
    if (!c.events.some((e) => e === 'assist_signed' || e === 'assist_removed' || e === 'replied' || e === 'closed' || e === 'merged')) return;
    track('assist pages', paging.stopAssistPagesIfUnneeded(c.id));
  });

  w.bus.subscribe(TOPIC.callOutcome, (o) => track('call outcome', paging.handleCallOutcome(o)));

  // What the paging flow (ivr-flows/paging.yaml) calls on a keypress.
  const ivrActions: Record<string, IvrAction> = {};
  {
    const keypress = async (digit: string, ctx: { callId: string; at: Date }, found: { pageId: string } | null, ticketNumber: string) =>
      w.audit.append({ at: ctx.at, actorId: `call:${ctx.callId}`, kind: 'page.keypress', subject: found ? `page:${found.pageId}` : `ticket-number:${ticketNumber}`, data: { digit, callId: ctx.callId, ticketNumber } });
    ivrActions.pageAck = async (args, ctx) => {
      const number = String(args.ticketNumber ?? '');
      const found = await paging.attemptOfCall(ctx.callId, number);
      await keypress('1', ctx, found, number);
      if (!found) throw new Error(`no page for call ${ctx.callId}`);
      const a = found.attempt;
      const side = !a || speaksForUnit(a.target) ? 'unit' : 'office';
      const r = await paging.acknowledge(found.pageId, { id: `call:${a?.to ?? ctx.callId}`, name: a?.targetName ?? '值班人员', phone: a?.to ?? null, side }, 'call', { callId: ctx.callId });
      return { status: r.status, by: r.status === 'already' ? r.by : null, side };
    };
    // The 到场确认 call (ivr-flows/arrival.yaml): 1 arrived, 2 not yet.
    ivrActions.pageArrived = async (_args, ctx) => paging.arrivalKey(ctx.callId, true);
    ivrActions.pageNotArrived = async (_args, ctx) => paging.arrivalKey(ctx.callId, false);
    ivrActions.pagePass = async (args, ctx) => {
      const number = String(args.ticketNumber ?? '');
      const found = await paging.attemptOfCall(ctx.callId, number);
      await keypress('9', ctx, found, number);
      if (!found) throw new Error(`no page for call ${ctx.callId}`);
      const a = found.attempt;
      const moved = await paging.passOn(found.pageId, a ? { step: a.step, attempt: a.attempt } : null, { id: `call:${a?.to ?? ctx.callId}`, name: a?.targetName ?? undefined }, 'page.pass');
      return { moved: !!moved };
    };
  }

  // Replies to paging SMS come before the inbox makes requests of them.
  const smsHook: InboundSmsHook = async (sms) => {
    const r = await paging.handleInboundSms({ from: sms.from, text: sms.text, at: sms.at });
    if (r.reply) await w.sms.send({ to: normalisePhone(sms.from), text: r.reply, ref: `page-reply:${sms.provider}:${sms.id}` });
    return r.handled;
  };

  return {
    duty,
    paging,
    ivrActions,
    smsHook,
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}
