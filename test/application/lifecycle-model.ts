/**
 * Issue 18, item 11: no ticket forgotten. Random sequences of intake (every channel), dispatch, 退单,
 * 延期, reply, 回访 outcomes, 重办, 并单, 接手 and a fake clock moving over up to 60 days, on the real
 * ticket service, paging, 督办 and 回访 services and the one job runner, on SQLite and PostgreSQL.
 * After every step, every open ticket:
 *   - has an owner: its unit, or a named officer who took it on (接手), or — waiting for dispatch —
 *     the hotline office's duty officer who is being paged or will be at a pending timer;
 *   - has a deadline still to come, or one passed and marked 督办 (or 通报);
 *   - has a pending timer (its own job, or for an overdue and supervised one the 督办 sweep);
 * and every overdue ticket's 督办 went to a person (an SMS to a phone).
 *
 * The job runner is driven as in production: the clock moves to each due job in turn. A page that
 * runs for 30 minutes is answered (somebody picks up): without that, a page nobody answers calls
 * every five minutes for the whole run, which is correct but only makes the test slow.
 */
import fc from 'fast-check';
import pino from 'pino';
import { SqlDedupeStore } from '../../adapters/db/misc-stores.js';
import { wireFollowup } from '../../src/application/followup/wiring.js';
import { deadlineCalendar } from '../../src/application/deadline-calendar.js';
import { AppError } from '../../src/domain/errors.js';
import { WorkCalendar } from '../../src/domain/sla/calendar.js';
import { DEFAULT_SLA_LIMITS } from '../../src/domain/sla/limits.js';
import type { Principal } from '../../src/domain/policy.js';
import type { Channel, Ticket, TicketState } from '../../src/domain/tickets/ticket.js';
import { dropSchema, newSchemaName } from '../helpers/db.js';
import { withSupervision } from '../helpers/supervision.js';
import { pagingHarness, PHONES, UNIT, type Harness } from './paging/harness.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const HORIZON = 60 * DAY;
const SWEEP_MINUTES = 360;
const UNITS = [UNIT, '润泉供水公司'];
const CHANNELS: Channel[] = ['phone', 'wechat', 'wechat-mp', 'sms', 'web', 'open311', 'platform:jxzwfw'];
const OP: Principal = { id: 'op-1', name: '话务员', role: 'operator', unit: null };
const unitUser = (unit: string): Principal => ({ id: `u-${unit}`, name: `${unit}经办人`, role: 'unit', unit });
const OPEN: TicketState[] = ['accepted', 'dispatched', 'returned', 'handling', 'replied', 'reviewing', 'answered'];

type Action =
  | { kind: 'intake'; channel: number; urgent: boolean; unit: number; category: number }
  | { kind: 'dispatch' | 'sign' | 'return' | 'extend' | 'decide' | 'reply' | 'reopen' | 'takeOver'; pick: number; flag: boolean; unit: number }
  | { kind: 'followUp'; pick: number; outcome: number; wrongUnit: boolean }
  | { kind: 'merge'; pick: number; into: number }
  /** 直接答复 on first contact (issue 24): a 咨询 answered from the knowledge base, or one already waiting answered. */
  | { kind: 'answer'; channel: number; solved: boolean; existing: boolean; pick: number }
  | { kind: 'advance'; minutes: number };

const pick = fc.nat({ max: 1000 });
const intake: fc.Arbitrary<Action> = fc.record({ kind: fc.constant('intake' as const), channel: fc.nat({ max: CHANNELS.length - 1 }), urgent: fc.boolean(), unit: fc.nat({ max: 2 }), category: fc.nat({ max: 3 }) });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: intake },
  ...(['dispatch', 'sign', 'return', 'extend', 'decide', 'reply', 'reopen', 'takeOver'] as const).map((kind) => ({
    weight: kind === 'sign' || kind === 'reply' || kind === 'dispatch' ? 3 : 1,
    arbitrary: fc.record({ kind: fc.constant(kind), pick, flag: fc.boolean(), unit: fc.nat({ max: 1 }) }),
  })),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('followUp' as const), pick, outcome: fc.nat({ max: 4 }), wrongUnit: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const), pick, into: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('answer' as const), channel: fc.nat({ max: CHANNELS.length - 1 }), solved: fc.boolean(), existing: fc.boolean(), pick }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.oneof(fc.integer({ min: 1, max: 45 }), fc.integer({ min: 60, max: 12 * 60 }), fc.integer({ min: 12 * 60, max: 4 * 24 * 60 })) }),
  },
);

const CATEGORIES = ['求助', '咨询', '投诉', '建议'] as const;
const OUTCOMES = [
  { satisfaction: '满意' as const, solved: true },
  { satisfaction: '基本满意' as const, solved: true },
  { satisfaction: '不满意' as const, solved: false },
  { satisfaction: '满意' as const, solved: false },
  { satisfaction: '未回访' as const },
];

interface World {
  h: Harness;
  start: number;
  tickets: string[];
  /** how often a page for each ticket was answered by the model's stand-in people */
  answered: Map<string, number>;
}

async function world(t: { teardown(fn: () => unknown): void }, engine: 'sqlite' | 'pg'): Promise<World & { close(): Promise<void> }> {
  const schema = engine === 'pg' ? newSchemaName() : undefined;
  const url = engine === 'pg' ? process.env.SUBAN_TEST_PG_URL! : undefined;
  // Thursday 2026-11-26 09:00, Shanghai.
  const h = await pagingHarness(t, { url, schema, now: '2026-11-26T09:00:00+08:00' });
  const supervision = withSupervision(h, { sweepMinutes: SWEEP_MINUTES });
  await supervision.schedule();
  const calendar = deadlineCalendar(new WorkCalendar(), DEFAULT_SLA_LIMITS, { start: '08:30', end: '21:00' });
  wireFollowup({
    config: { callWindow: { start: '08:30', end: '21:00' }, cityDutyPhone: PHONES.city },
    tickets: h.tickets,
    ticketStore: h.ticketStore,
    jobs: h.jobs,
    state: h.state,
    dedupe: new SqlDedupeStore(h.db),
    sms: h.sms,
    voice: h.dialer,
    chat: null,
    calendar,
    clock: h.clock,
    bus: h.bus,
    audit: h.audit,
    log: pino({ level: 'silent' }),
    runner: h.runner,
  });
  h.runner.register('platform.reply', async () => {});
  const close = async () => {
    await h.close();
    if (schema) await dropSchema(url!, schema);
  };
  return { h, start: h.clock.now().getTime(), tickets: [], answered: new Map(), close };
}

const nth = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);

async function ticketsIn(w: World, states: TicketState[]): Promise<Ticket[]> {
  const out: Ticket[] = [];
  for (const id of w.tickets) {
    const tk = await w.h.ticketStore.get(id);
    if (tk && states.includes(tk.state)) out.push(tk);
  }
  return out;
}

/**
 * Somebody answers a page that has run for 30 minutes: the unit's people sign, the office's duty
 * officer takes it on (接手). An officer paged a third time for the same ticket (twice 督办ed for not
 * dispatching it) dispatches it instead: otherwise one such ticket costs a page cycle an hour for the
 * rest of the 60 days, which only makes the run slow.
 */
async function answerLongPages(w: World) {
  const now = w.h.clock.now().getTime();
  for (const p of await w.h.paging.store.list({ status: 'running' })) {
    if (now - p.startedAt.getTime() < 30 * MIN) continue;
    const n = (w.answered.get(p.ticketId) ?? 0) + 1;
    w.answered.set(p.ticketId, n);
    const tk = await w.h.ticketStore.get(p.ticketId);
    if (!p.unit && n >= 3 && tk && (tk.state === 'accepted' || tk.state === 'returned')) {
      await w.h.tickets.dispatch(OP, p.ticketId, UNITS[n % UNITS.length]);
      await w.h.idle();
    } else await answer(w, p.id, p.unit);
  }
}

async function answer(w: World, pageId: string, unit: string | null) {
  const who = unit ? { id: `duty-${unit}`, name: `${unit}值班员`, phone: PHONES.a, side: 'unit' as const } : { id: 'hotline-duty', name: '热线办值班员', phone: PHONES.hotline, side: 'office' as const };
  await w.h.paging.acknowledge(pageId, who, 'call');
  await w.h.idle();
}

/** Move the clock to `target` the way the runner would: each due job runs at its time. */
async function advanceTo(w: World, target: number) {
  const { h } = w;
  for (let guard = 0; guard < 5000; guard++) {
    await answerLongPages(w);
    const next = await h.jobs.nextDue();
    if (!next || next.getTime() > target) break;
    if (next.getTime() > h.clock.now().getTime()) h.clock.set(next);
    await h.settle();
  }
  if (target > h.clock.now().getTime()) h.clock.set(new Date(target));
  await h.settle();
  await answerLongPages(w);
}

async function step(w: World, a: Action): Promise<string> {
  const { h } = w;
  const s = h.tickets;
  switch (a.kind) {
    case 'intake': {
      const channel = CHANNELS[a.channel];
      const unit = a.unit < UNITS.length ? UNITS[a.unit] : null;
      const by = channel === 'phone' || channel === 'web' ? { id: 'op-1', role: 'operator' as const, name: '话务员' } : { id: `citizen-${channel}`, role: 'citizen' as const };
      const r = await s.intake({ channel, content: `${a.urgent ? '燃气泄漏，有人晕倒' : '路灯不亮'} #${w.tickets.length}`, contact: `1390000${String(w.tickets.length).padStart(4, '0')}`, urgent: a.urgent, unit, category: CATEGORIES[a.category] }, by, channel);
      w.tickets.push(r.ticket.id);
      await h.idle();
      return `intake ${channel}${a.urgent ? ' 即办' : ''} → ${unit ?? 'queue'}`;
    }
    case 'dispatch': {
      const tk = nth(await ticketsIn(w, ['accepted', 'returned']), a.pick);
      if (!tk) return 'dispatch: none waiting';
      await s.dispatch(OP, tk.id, UNITS[a.unit]);
      return `dispatch ${tk.number} → ${UNITS[a.unit]}`;
    }
    case 'sign': {
      const tk = nth(await ticketsIn(w, ['dispatched']), a.pick);
      if (!tk) return 'sign: none';
      await s.sign(unitUser(tk.unit!), tk.id);
      return `sign ${tk.number}`;
    }
    case 'return': {
      const tk = nth(await ticketsIn(w, ['dispatched', 'handling']), a.pick);
      if (!tk) return 'return: none';
      await s.returnTicket(unitUser(tk.unit!), tk.id, '不属于本单位职责');
      return `return ${tk.number}`;
    }
    case 'extend': {
      const tk = nth((await ticketsIn(w, ['handling'])).filter((x) => x.pendingExtensionDays === 0), a.pick);
      if (!tk) return 'extend: none';
      await s.requestExtension(unitUser(tk.unit!), tk.id, 3, '需协调多个部门');
      return `extend ${tk.number}`;
    }
    case 'decide': {
      const tk = nth((await ticketsIn(w, ['handling', 'replied'])).filter((x) => x.pendingExtensionDays > 0), a.pick);
      if (!tk) return 'decide: none';
      await s.decideExtension(OP, tk.id, a.flag);
      return `decide ${tk.number} ${a.flag}`;
    }
    case 'reply': {
      const tk = nth(await ticketsIn(w, ['handling']), a.pick);
      if (!tk) return 'reply: none';
      await s.reply(unitUser(tk.unit!), tk.id, '已处理完毕');
      await h.idle();
      return `reply ${tk.number}`;
    }
    case 'followUp': {
      const tk = nth(await ticketsIn(w, ['replied', 'answered']), a.pick);
      if (!tk) return 'followUp: none';
      await s.recordFollowUp(OP, tk.id, { ...OUTCOMES[a.outcome], via: 'phone' }, a.wrongUnit);
      await h.idle();
      return `回访 ${tk.number} ${OUTCOMES[a.outcome].satisfaction}`;
    }
    case 'reopen': {
      const tk = nth(await ticketsIn(w, ['replied', 'closed']), a.pick);
      if (!tk) return 'reopen: none';
      await s.reopen(OP, tk.id, '群众反映仍未解决', a.flag);
      await h.idle();
      return `重办 ${tk.number}${a.flag ? ' → operator' : ''}`;
    }
    case 'merge': {
      const from = nth(await ticketsIn(w, ['accepted', 'dispatched', 'returned', 'handling']), a.pick);
      const into = nth((await ticketsIn(w, OPEN)).filter((x) => x.id !== from?.id), a.into);
      if (!from || !into) return 'merge: none';
      await s.merge(OP, from.id, into.id);
      await h.idle();
      return `并单 ${from.number} → ${into.number}`;
    }
    case 'answer': {
      if (a.existing) {
        const tk = nth((await ticketsIn(w, ['accepted'])).filter((x) => !x.urgent), a.pick);
        if (!tk) return 'answer: none waiting';
        await s.answer(OP, tk.id, { entryId: 'kb-1', answer: '可携带身份证到政务服务中心办理' });
        await h.idle();
        return `直接答复 ${tk.number}`;
      }
      const channel = CHANNELS[a.channel];
      const by = channel === 'phone' || channel === 'web' ? { id: 'op-1', role: 'operator' as const, name: '话务员' } : { id: `citizen-${channel}`, role: 'citizen' as const };
      const r = await s.intake({ channel, content: `社保卡怎么补办 #${w.tickets.length}`, contact: `1390000${String(w.tickets.length).padStart(4, '0')}`, category: '咨询', answer: { entryId: 'kb-1', answer: '可携带身份证到政务服务中心办理', solved: a.solved } }, by, channel);
      w.tickets.push(r.ticket.id);
      await h.idle();
      return `直接答复 intake ${channel}${a.solved ? ' 已解决' : ''}`;
    }
    case 'takeOver': {
      const p = nth(await h.paging.store.list({ status: 'running' }), a.pick);
      if (!p) return '接手: no page';
      await answer(w, p.id, p.unit);
      return `ack ${p.ticketNumber} (${p.unit ? 'unit' : '接手'})`;
    }
    case 'advance': {
      const target = Math.min(w.start + HORIZON, h.clock.now().getTime() + a.minutes * MIN);
      await advanceTo(w, target);
      return `advance ${a.minutes} min`;
    }
  }
}

/** The events of the tickets named in the violations, to read a failure without a replay. */
async function histories(w: World, v: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const tk of await ticketsIn(w, OPEN)) {
    if (!v.some((line) => line.startsWith(tk.number))) continue;
    const events = await w.h.ticketStore.events(tk.id);
    out.push(`${tk.number} events: ${events.map((e) => `${e.at.toISOString().slice(5, 16)} ${e.data.type}${e.data.type === 'supervised' ? `(${e.data.level})` : ''}`).join(', ')}`);
  }
  return out;
}

const supervised = (tk: Ticket) => tk.supervision === '督办' || tk.supervision === '通报';

/** The invariants; returns what is wrong, one line per ticket. */
async function violations(w: World): Promise<string[]> {
  const { h } = w;
  const now = h.clock.now().getTime();
  const pending = await h.jobs.list({ status: 'pending', limit: 100_000 });
  const sweepPending = pending.some((j) => j.kind === 'supervision.sweep');
  const running = await h.paging.store.list({ status: 'running' });
  const out: string[] = [];
  for (const tk of await ticketsIn(w, OPEN)) {
    const mine = pending.filter((j) => j.payload.ticketId === tk.id || j.key.includes(tk.id));
    const paged = running.some((p) => p.ticketId === tk.id);
    const bad = (why: string) => out.push(`${tk.number} (${tk.state}${tk.urgent ? ', 即办' : ''}, ${tk.unit ?? 'no unit'}, sign by ${tk.signDeadline?.toISOString()}, reply by ${tk.replyDeadline?.toISOString()}): ${why}`);
    let overdue = false;
    switch (tk.state) {
      case 'accepted':
      case 'returned': {
        if (tk.owner) {
          if (!tk.ownerDeadline) bad('owner without a deadline');
          else if (tk.ownerDeadline.getTime() <= now) {
            overdue = true;
            if (!supervised(tk)) bad('the officer who took it on is past the deadline and nobody supervised it');
          }
        } else if (!paged && !mine.some((j) => j.key.startsWith(`page:${tk.id}:`))) bad('waiting for dispatch: no officer, no page, no timer to page one');
        if (!paged && mine.length === 0) bad('no pending timer');
        break;
      }
      case 'dispatched':
      case 'handling': {
        if (!tk.unit) bad('no unit');
        const due = [tk.state === 'dispatched' ? tk.signDeadline : null, tk.replyDeadline].filter((d): d is Date => !!d);
        if (!tk.replyDeadline || (tk.state === 'dispatched' && !tk.signDeadline)) bad('no deadline');
        overdue = due.some((d) => d.getTime() <= now);
        if (overdue && !supervised(tk)) bad('overdue and not supervised');
        if (mine.length === 0 && !(overdue && supervised(tk) && sweepPending)) bad('no pending timer');
        break;
      }
      case 'replied':
        if (!tk.unit) bad('no unit');
        if (mine.length === 0 && !paged) bad('replied: no 回访 timer');
        break;
      case 'answered':
        // 直接答复: no unit to chase; the 回访 (its own timer) is what closes it or sends it to dispatch.
        if (mine.length === 0) bad('answered: no 回访 timer');
        break;
      case 'reviewing':
        break;
    }
    if (overdue) {
      const told = h.sms.sent.some((m) => !!m.to && m.text.includes(tk.number) && /【12345(督办|通报)】/.test(m.text));
      if (!told) bad('overdue: no 督办 reached a person');
    }
  }
  return out;
}

/** Runs the property on one engine; `numRuns` sequences, asserts the whole took under 60 s. */
export async function runLifecycleProperty(t: { ok(v: unknown, m: string): unknown; teardown(fn: () => unknown): void }, engine: 'sqlite' | 'pg', numRuns: number, maxSteps = 45) {
  const started = Date.now();
  await fc.assert(
    // A few requests first, so the lifecycle actions that follow have tickets to act on.
    fc.asyncProperty(fc.tuple(fc.array(intake, { minLength: 2, maxLength: 6 }), fc.array(action, { minLength: 15, maxLength: maxSteps })), async ([first, rest]) => {
      const actions = [...first, ...rest];
      const w = await world(t, engine);
      const log: string[] = [];
      try {
        for (const a of actions) {
          try {
            const t0 = Date.now();
            log.push(await step(w, a));
            if (process.env.SUBAN_PROPERTY_TRACE) console.error(`${Date.now() - t0} ms  ${log.at(-1)}  jobs done so far: ${(await w.h.jobs.list({ status: 'done', limit: 100_000 })).length}`);
          } catch (e) {
            // An action the lifecycle refuses (a 409 on a ticket that moved meanwhile) is not a finding.
            if (!(e instanceof AppError) || (e.kind !== 'conflict' && e.kind !== 'invalid')) throw e;
            log.push(`${a.kind}: refused (${e.code})`);
          }
          await h0(w);
          const v = await violations(w);
          if (v.length) v.push(...(await histories(w, v)));
          if (v.length) throw new Error(`after ${log.length} steps at ${w.h.clock.now().toISOString()}:\n  ${v.join('\n  ')}\nsteps:\n  ${log.join('\n  ')}`);
        }
        // The horizon: whatever happened, 60 days on nothing open is forgotten.
        await advanceTo(w, w.start + HORIZON);
        const v = await violations(w);
        if (v.length) throw new Error(`at the horizon:\n  ${v.join('\n  ')}\nsteps:\n  ${log.join('\n  ')}`);
      } finally {
        await w.close();
      }
    }),
    // Bounded: no new sequence starts after 45 s (a busy CI machine runs fewer, never for longer).
    { numRuns, seed: Number(process.env.SUBAN_PROPERTY_SEED ?? 20261207), endOnFailure: true, interruptAfterTimeLimit: 45_000, markInterruptAsFailure: false },
  );
  t.ok(Date.now() - started < 60_000, `${engine}: up to ${numRuns} runs in ${Math.round((Date.now() - started) / 1000)} s (bound 60 s)`);
}

/** Let the bus reactions of the last action finish (paging stops, follow-up starts). */
async function h0(w: World) {
  await w.h.idle();
  await w.h.settle();
}

