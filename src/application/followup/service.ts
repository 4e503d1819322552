/**
 * 回访: after a unit's reply, ask the citizen whether they are satisfied and whether the matter
 * is solved. Automated calls first (up to `maxCalls`, spread over the day, only in calling hours),
 * then an SMS with reply codes, or a WeChat message for WeChat tickets; silence ends as 未回访,
 * which closes the ticket without counting as satisfied. Every step is a durable job keyed
 * `followup:<ticket>:<round>:...`, so closing the ticket cancels what is still pending.
 */
import type { Clock } from '../../domain/clock.js';
import { AppError, conflict, invalid, notFound } from '../../domain/errors.js';
import { normalisePhone, parsePhone } from '../../domain/phone.js';
import type { TicketEventData } from '../../domain/tickets/events.js';
import type { Actor, FollowUpResult, Ticket } from '../../domain/tickets/ticket.js';
import { maskContact } from '../../domain/phone.js';
import { callbackPhoneOf, markFollowupPending } from '../conversation/wiring.js';
import { parseFollowupReply } from '../conversation/intents.js';
import type { ChatChannel } from '../conversation/ports.js';
import type { ActionContext, IvrAction } from '../ivr/ports.js';
import type { JobHandlers, JobSpec, JobStore } from '../ports/jobs.js';
import type { SmsSender } from '../ports/messaging.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { AuditLog, DedupeStore, StateStore } from '../ports/misc.js';
import type { DeadlineCalendar } from '../ports/routing.js';
import type { TicketStore } from '../ports/tickets.js';
import type { CallOutcome, VoiceDialer } from '../ports/voice.js';
import type { TicketService } from '../tickets/service.js';
import { JOB } from '../ports/jobs.js';
import { FOLLOWUP_SCOPE, FOLLOWUP_SMS_SCOPE, type FollowupChat, type FollowupConfig, type FollowupDoc, type PendingSms } from './ports.js';
import { nextAttemptTime, slotOf, type AttemptPlan } from './schedule.js';
import * as texts from './texts.js';

export const FOLLOWUP_ACTOR: Actor = { id: 'followup', role: 'system', name: '回访系统' };

const CHAT_CHANNELS: readonly string[] = ['wechat', 'wechat-mp'];
const VALID: readonly string[] = ['满意', '基本满意', '不满意'];

export interface FollowupDeps {
  tickets: Pick<TicketService, 'apply' | 'followUpEvents' | 'getByNumber'>;
  store: Pick<TicketStore, 'get' | 'events'>;
  jobs: Pick<JobStore, 'enqueue' | 'cancelByPrefix'>;
  state: StateStore;
  /** Claims each call attempt before it is placed, so a crash cannot make the citizen's phone ring twice. */
  dedupe: DedupeStore;
  sms: SmsSender;
  /** Read at each call so a dialer wired after this service is still used; null = no automated calls. */
  voice: () => VoiceDialer | null;
  chat: () => FollowupChat | null;
  calendar: Pick<DeadlineCalendar, 'nextCallTime'>;
  clock: Clock;
  bus: EventBus;
  audit: AuditLog;
  log: { warn(o: object, m: string): void; info(o: object, m: string): void };
  /** Ask the job runner to look now (a step due at once). */
  wake?: () => void;
  config: FollowupConfig;
}

export interface InboundSmsAnswer {
  handled: boolean;
  /** Text to send back to the citizen, when there is one. */
  reply?: string;
}

/**
 * Awaiting 回访: replied (and approved where a review applies) and not yet followed up; or merged
 * (并单) into a ticket that was closed since (merge_result) and its own citizen not followed up yet.
 */
const awaiting = (t: Ticket | null): boolean => !!t && (t.state === 'replied' || t.state === 'answered' || (t.state === 'merged' && t.lastReply !== null)) && !t.followUp;

/** A number we can phone or text; WeChat contact ids are not. */
function phoneOf(t: Ticket): string | null {
  if (!t.contact || CHAT_CHANNELS.includes(t.channel)) return null;
  // The one normaliser: a mobile, a landline, a 400/800 or foreign number; not a short code.
  const p = parsePhone(t.contact);
  return p && p.national.replace(/^\+/, '').length >= 7 ? p.national : null;
}

const iso = (d: Date) => d.toISOString();

export class FollowUpService {
  private readonly plan: AttemptPlan;

  /** The last queued attempt update per ticket (see updateAttempt). */
  private readonly updates = new Map<string, Promise<void>>();

  constructor(private readonly d: FollowupDeps) {
    this.plan = { window: d.config.callWindow, slotStarts: d.config.slotStarts, minGapMinutes: d.config.minGapMinutes };
  }

  /** Registers the job handlers on the runner. */
  register(runner: JobHandlers): void {
    runner.register(JOB.followupStart, (j) => this.onStart(j.payload));
    runner.register(JOB.followupCall, (j) => this.onCall(j.payload));
    runner.register(JOB.followupSms, (j) => this.onSms(j.payload));
    runner.register(JOB.followupChat, (j) => this.onChat(j.payload));
    runner.register(JOB.followupExpire, (j) => this.onExpire(j.payload));
    runner.register(JOB.followupReport, (j) => this.onReport(j.payload));
    runner.register(JOB.mergedGroup, (j) => this.onMergedGroup(j.payload));
    runner.register(JOB.mergedReopen, (j) => this.onMergedReopen(j.payload));
  }

  /**
   * Listens to call outcomes (kept on the attempt) and to 回访 recorded by other means (the round ends).
   * The 即办 report of a 回访 is a ticket timer (JOB.followupReport, tickets/timers.ts), not a reaction here.
   */
  subscribe(): () => void {
    const offCalls = this.d.bus.subscribe(TOPIC.callOutcome, (o) => {
      if (o.ref.startsWith('followup:')) void this.onCallOutcome(o).catch((err) => this.d.log.warn({ err: String(err), ref: o.ref }, 'follow-up call outcome not kept'));
    });
    const offTickets = this.d.bus.subscribe(TOPIC.ticket, (e) => {
      if (!e.events.includes('followed_up')) return;
      // Answered elsewhere (operator's manual call, the WeChat conversation): end our round too.
      void this.endRoundAnsweredElsewhere(e.id).catch((err) => this.d.log.warn({ err: String(err), ticket: e.id }, 'follow-up round not ended'));
    });
    return () => {
      offCalls();
      offTickets();
    };
  }

  /** The IVR actions the followup flow calls. */
  ivrActions(): Record<string, IvrAction> {
    return { recordFollowup: (args, ctx) => this.recordFromCall(args, ctx) };
  }

  /** The round's progress; a round answered by other means (manual call, WeChat) shows as done with the ticket's result. */
  async status(ticketId: string): Promise<FollowupDoc | null> {
    const doc = await this.d.state.get<FollowupDoc>(FOLLOWUP_SCOPE, ticketId, this.d.clock.now());
    if (!doc) return doc;
    // The callback number a WeChat citizen left is shown masked, like a caller's number to a unit.
    const shown = doc.phone ? { ...doc, phone: maskContact(doc.phone) } : doc;
    if (doc.stage === 'done') return shown;
    const t = await this.d.store.get(ticketId);
    if (awaiting(t)) return shown;
    return { ...shown, stage: 'done', result: t?.followUp ?? doc.result };
  }

  private raw(ticketId: string) {
    return this.d.state.get<FollowupDoc>(FOLLOWUP_SCOPE, ticketId, this.d.clock.now());
  }

  // ---- the steps ---------------------------------------------------------------------------

  private async onStart(p: { ticketId: string; version: number }): Promise<void> {
    const t = await this.d.store.get(p.ticketId);
    if (!t || !awaiting(t)) return;
    const round = p.version;
    const now = this.d.clock.now();
    const prev = await this.raw(t.id);
    // A re-run of this job continues the round it began (every enqueue below is idempotent by key).
    if (prev && prev.round === round && prev.stage !== 'calling') return;
    const doc: FollowupDoc =
      prev && prev.round === round
        ? prev
        : { ticketId: t.id, number: t.number, round, stage: 'calling', startedAt: iso(now), attempts: [], sms: null, chat: null, answeredKey: null, finishedAt: null, result: null };
    await this.save(doc);

    if (t.noCallback) return this.finish(doc, { satisfaction: '未回访', reason: '群众要求不回访', via: 'system' }, 'system');
    if (CHAT_CHANNELS.includes(t.channel) && t.contact) return this.askInChat(doc, t, t.channel as ChatChannel, t.contact);
    if (!phoneOf(t)) return this.finish(doc, { satisfaction: '未回访', reason: '无可回访的联系方式', via: 'system' }, 'system');
    if (this.d.voice()) await this.enqueue([this.callJob(t.id, round, 1, this.d.calendar.nextCallTime(now))]);
    else await this.enqueue([this.smsJob(t.id, round, this.d.calendar.nextCallTime(now))]);
  }

  private async onCall(p: { ticketId: string; round: number; n: number }): Promise<void> {
    const { t, doc } = await this.current(p.ticketId, p.round);
    if (!t || !doc) return;
    const phone = doc.phone ?? phoneOf(t);
    if (!phone) return;
    const now = this.d.clock.now();
    const allowed = this.d.calendar.nextCallTime(now);
    if (allowed.getTime() !== now.getTime()) {
      // The runner was down or late: never call in quiet hours, try at the next allowed moment.
      await this.enqueue([{ ...this.callJob(t.id, p.round, p.n, allowed), key: `followup:${t.id}:${p.round}:call:${p.n}:${allowed.getTime()}` }]);
      return;
    }
    const voice = this.d.voice();
    // A re-run of this job after a crash finds its attempt saved: never dialled again, but the next
    // step may not have been set yet (the process died between the two), so it is set below; its
    // job key makes that a no-op when it was.
    if (doc.attempts.some((a) => a.n === p.n)) return this.setNextStep(t.id, p.round, p.n, doc, now, !!voice);
    const ref = `followup:${t.id}:${p.round}:call:${p.n}`;
    const attempt = { n: p.n, at: iso(now), slot: slotOf(now, this.plan), ref, callId: null as string | null, outcome: null as string | null, result: null as string | null };
    // At most once per attempt: claimed before dialling. A job re-run after a crash between the call and
    // saving it finds the claim, counts the attempt as made (outcome unknown) and moves on to the next one.
    const first = await this.d.dedupe.claim(JOB.followupCall, ref, now);
    if (!first) attempt.outcome = 'unknown';
    else if (!voice) attempt.outcome = 'no-dialer';
    // Saved before dialling: the call's outcome can come back before placeCall returns (a provider's
    // callback, the simulator at once) and must find its attempt.
    doc.attempts.push(attempt);
    await this.save(doc);
    if (first && voice) {
      try {
        const r = await voice.placeCall({ to: phone, flow: 'followup', vars: { ticketNumber: t.number, unitName: t.unit ?? '承办单位', replySummary: (t.lastReply ?? '').slice(0, 120) }, ref, detectMachine: true, timeoutSec: 40 });
        attempt.callId = r.callId;
        await this.updateAttempt(t.id, ref, (a) => void (a.callId ??= r.callId));
      } catch (err) {
        attempt.outcome = 'failed';
        await this.updateAttempt(t.id, ref, (a) => void (a.outcome ??= 'failed'));
        this.d.log.warn({ err: String(err), ticket: t.number, attempt: p.n }, 'follow-up call could not be placed');
      }
    }
    // The next step is set now, not on the outcome: an outcome lost in a restart must not stall the 回访.
    await this.setNextStep(t.id, p.round, p.n, doc, now, !!voice);
  }

  private async setNextStep(ticketId: string, round: number, n: number, doc: FollowupDoc, now: Date, canCall: boolean): Promise<void> {
    if (n < this.d.config.maxCalls && canCall) {
      const used = doc.attempts.map((a) => a.slot).filter((s) => s >= 0);
      await this.enqueue([this.callJob(ticketId, round, n + 1, nextAttemptTime(now, used, this.plan))]);
    } else {
      const at = this.d.calendar.nextCallTime(new Date(now.getTime() + this.d.config.smsAfterLastCallMinutes * 60_000));
      await this.enqueue([this.smsJob(ticketId, round, at)]);
    }
  }

  private async onCallOutcome(o: CallOutcome): Promise<void> {
    const [, ticketId, round] = o.ref.split(':');
    await this.updateAttempt(ticketId!, o.ref, (a, doc) => {
      if (String(doc.round) !== round) return;
      a.outcome = o.outcome;
      a.result = o.result ?? null;
      a.callId ??= o.callId;
    });
  }

  /**
   * Read-modify-write of one attempt, one at a time per ticket in this process: the dialling job and
   * the call's outcome update the same document, and neither may undo the other's field.
   */
  private updateAttempt(ticketId: string, ref: string, change: (a: FollowupDoc['attempts'][number], doc: FollowupDoc) => void): Promise<void> {
    const prev = this.updates.get(ticketId) ?? Promise.resolve();
    const next = prev.then(async () => {
      const doc = await this.raw(ticketId);
      const a = doc?.attempts.find((x) => x.ref === ref);
      if (!doc || !a) return;
      change(a, doc);
      await this.save(doc);
    });
    const settled = next.catch(() => undefined);
    this.updates.set(ticketId, settled);
    void settled.then(() => {
      if (this.updates.get(ticketId) === settled) this.updates.delete(ticketId);
    });
    return next;
  }

  private async onSms(p: { ticketId: string; round: number }): Promise<void> {
    const { t, doc } = await this.current(p.ticketId, p.round);
    if (!t || !doc) return;
    const phone = doc.phone ?? phoneOf(t);
    if (!phone) return;
    const now = this.d.clock.now();
    if (this.d.calendar.nextCallTime(now).getTime() !== now.getTime()) {
      const at = this.d.calendar.nextCallTime(now);
      await this.enqueue([{ ...this.smsJob(t.id, p.round, at), key: `followup:${t.id}:${p.round}:sms:${at.getTime()}` }]);
      return;
    }
    if (!doc.sms) {
      await this.d.sms.send({ to: phone, text: texts.followupQuestion(t), ref: `followup:${t.id}:${p.round}:sms` });
      const pending: PendingSms = { ticketId: t.id, number: t.number, round: p.round, sentAt: iso(now) };
      const until = new Date(now.getTime() + (this.d.config.answerHours + 24) * 3600_000);
      await this.d.state.put(FOLLOWUP_SMS_SCOPE, phone, pending, now, until);
      doc.sms = { to: phone, sentAt: iso(now) };
      doc.stage = 'sms';
      await this.save(doc);
    }
    await this.enqueue([this.expireJob(t.id, p.round, new Date(now.getTime() + this.d.config.answerHours * 3600_000))]);
  }

  private async askInChat(doc: FollowupDoc, t: Ticket, channel: ChatChannel, contactId: string): Promise<void> {
    const chat = this.d.chat();
    const now = this.d.clock.now();
    if (doc.chat || doc.phone) return; // asked already, or gone to the phone (job re-run)
    if (!chat) return this.fallBackToPhone(doc, t, '微信渠道未接入，无法发送回访');
    const windowH = this.d.config.chatWindowHours[channel];
    if (windowH !== undefined) {
      const last = (await chat.lastInboundAt?.(channel, contactId)) ?? t.createdAt;
      if (now.getTime() - last.getTime() > windowH * 3600_000) return this.fallBackToPhone(doc, t, `超出微信${windowH}小时会话时限，无法发送回访`);
    }
    try {
      await chat.send(channel, contactId, texts.followupQuestion(t));
    } catch (err) {
      // One failed send is not the end of the 回访: try again later (a durable job), then the phone.
      const failures = (doc.chatFailures ?? 0) + 1;
      doc.chatFailures = failures;
      await this.save(doc);
      this.d.log.warn({ err: String(err), ticket: t.number, attempt: failures }, 'WeChat follow-up question not sent');
      const waits = this.d.config.chatRetryMinutes;
      if (failures <= waits.length) {
        await this.enqueue([this.chatJob(t.id, doc.round, failures + 1, new Date(now.getTime() + waits[failures - 1]! * 60_000))]);
        return;
      }
      return this.fallBackToPhone(doc, t, `微信回访消息${failures}次发送失败`);
    }
    // The conversation engine records the citizen's 1/2/3 on the ticket itself (conversation/wiring.ts).
    await markFollowupPending({ state: this.d.state, clock: this.d.clock }, channel, contactId, t, (this.d.config.answerHours + 24) * 3600_000);
    doc.chat = { channel, contactId, sentAt: iso(now) };
    doc.stage = 'chat';
    await this.save(doc);
    await this.enqueue([this.expireJob(t.id, doc.round, new Date(now.getTime() + this.d.config.answerHours * 3600_000))]);
  }

  /** A retry of the WeChat question (see askInChat). */
  private async onChat(p: { ticketId: string; round: number; n: number }): Promise<void> {
    const { t, doc } = await this.current(p.ticketId, p.round);
    if (!t || !doc || !t.contact || !CHAT_CHANNELS.includes(t.channel)) return;
    if ((doc.chatFailures ?? 0) >= p.n) return; // this try ran already (job re-run)
    return this.askInChat(doc, t, t.channel as ChatChannel, t.contact);
  }

  /**
   * WeChat cannot carry the question: the 回访 goes to the phone number the citizen left in the
   * dialogue, as for a phone ticket (calls in calling hours, then SMS); without one it is 未回访.
   */
  private async fallBackToPhone(doc: FollowupDoc, t: Ticket, reason: string): Promise<void> {
    const phone = await callbackPhoneOf({ state: this.d.state, clock: this.d.clock }, t.id);
    if (!phone) return this.finish(doc, { satisfaction: '未回访', reason: `${reason}，群众未留回访电话`, via: 'system' }, 'system');
    const now = this.d.clock.now();
    doc.phone = phone;
    doc.fallbackReason = reason;
    await this.save(doc);
    this.d.log.info({ ticket: t.number, reason }, 'WeChat follow-up goes to the callback phone');
    const at = this.d.calendar.nextCallTime(now);
    if (this.d.voice()) await this.enqueue([this.callJob(t.id, doc.round, 1, at)]);
    else await this.enqueue([this.smsJob(t.id, doc.round, at)]);
  }

  private async onExpire(p: { ticketId: string; round: number }): Promise<void> {
    const { t, doc } = await this.current(p.ticketId, p.round);
    if (!t || !doc) return;
    const pending = doc.sms ? await this.d.state.get<PendingSms>(FOLLOWUP_SMS_SCOPE, doc.sms.to, this.d.clock.now()) : null;
    if (pending && pending.ticketId === t.id && pending.satisfaction) {
      // A rating without the second answer is still a valid 回访.
      return this.finish(doc, { satisfaction: pending.satisfaction, ...(pending.solved !== undefined ? { solved: pending.solved } : {}), reason: '短信回访（未答复是否解决）', ...(pending.comment ? { comment: pending.comment } : {}), via: 'sms' }, 'sms');
    }
    const tried = [doc.attempts.length ? `电话${doc.attempts.length}次未接通或未作答` : null, doc.sms ? '短信未回复' : null, doc.chat ? '微信未回复' : null].filter(Boolean).join('，');
    return this.finish(doc, { satisfaction: '未回访', reason: tried || '未能联系群众', via: 'system' }, 'system');
  }

  // ---- answers -----------------------------------------------------------------------------

  /** An SMS to the hotline number: the answer to a 回访 question when one is waiting for this phone. */
  async handleInboundSms(m: { from: string; text: string; at?: Date }): Promise<InboundSmsAnswer> {
    const phone = normalisePhone(m.from);
    const now = this.d.clock.now();
    const pending = await this.d.state.get<PendingSms>(FOLLOWUP_SMS_SCOPE, phone, now);
    if (!pending) return { handled: false };
    const { t, doc } = await this.current(pending.ticketId, pending.round);
    if (!t || !doc) {
      await this.d.state.delete(FOLLOWUP_SMS_SCOPE, phone);
      return { handled: false };
    }
    const text = m.text.trim();
    const merged: PendingSms = { ...pending };
    // A bare 1/2 after the rating answers the second question (已解决/未解决).
    if (merged.satisfaction && merged.solved === undefined && /^[12]$/.test(text.replace(/[\s。.]/g, ''))) {
      merged.solved = text.startsWith('1');
    } else {
      const r = parseFollowupReply(text);
      if (!r) {
        // Long texts are probably a new request, which the SMS intake should take instead.
        return text.length <= 8 ? { handled: true, reply: texts.unrecognised(t.number) } : { handled: false };
      }
      if (r.satisfaction) merged.satisfaction = r.satisfaction;
      if (r.solved !== undefined) merged.solved = r.solved;
      if (r.comment) merged.comment = [merged.comment, r.comment].filter(Boolean).join('；');
    }
    if (merged.satisfaction && merged.solved !== undefined) {
      const result: FollowUpResult = { satisfaction: merged.satisfaction, solved: merged.solved, reason: `群众短信答复：${text}`, ...(merged.comment ? { comment: merged.comment } : {}), via: 'sms' };
      await this.finish(doc, result, 'sms');
      return { handled: true, reply: texts.thanks(t.number, result) };
    }
    await this.d.state.put(FOLLOWUP_SMS_SCOPE, phone, merged, now, new Date(now.getTime() + (this.d.config.answerHours + 24) * 3600_000));
    return { handled: true, reply: merged.satisfaction ? texts.askSolved(t.number) : texts.askSatisfaction(t.number) };
  }

  /** The followup flow's `recordFollowup` action: the citizen answered the automated call. */
  private async recordFromCall(args: Record<string, unknown>, ctx: ActionContext): Promise<{ ok: true }> {
    const number = String(args.ticketNumber ?? '');
    const satisfaction = String(args.satisfaction ?? '');
    if (!VALID.includes(satisfaction)) throw invalid('bad_satisfaction', `无效的满意度：${satisfaction}`);
    const solved = args.solved === true || args.solved === 'true' ? true : args.solved === false || args.solved === 'false' ? false : undefined;
    const recording = typeof args.reasonRecordingUrl === 'string' && args.reasonRecordingUrl ? args.reasonRecordingUrl : null;
    const t = await this.d.tickets.getByNumber(number);
    if (!t) throw notFound('ticket', number);
    const doc = await this.raw(t.id);
    if (doc?.answeredKey === ctx.idempotencyKey) return { ok: true }; // the same answer, retried
    if (!doc || doc.stage === 'done' || !awaiting(t)) throw conflict('followup_not_awaited', `工单 ${number} 当前不在回访中`);
    const result: FollowUpResult = { satisfaction: satisfaction as '满意', ...(solved !== undefined ? { solved } : {}), ...(recording ? { reason: '见回访录音' } : {}), via: 'phone' };
    const extra: TicketEventData[] = recording ? [{ type: 'attachment_added', attachment: { kind: 'recording', url: recording, note: `回访录音（通话 ${ctx.callId}）` } }] : [];
    doc.answeredKey = ctx.idempotencyKey;
    await this.finish(doc, result, 'phone', extra, true);
    return { ok: true };
  }

  /** Only cancels: the doc is written by the path that recorded the answer (no race on it). */
  private async endRoundAnsweredElsewhere(ticketId: string): Promise<void> {
    const doc = await this.d.state.get<FollowupDoc>(FOLLOWUP_SCOPE, ticketId, this.d.clock.now());
    if (doc) await this.d.jobs.cancelByPrefix(`followup:${ticketId}:${doc.round}:`, this.d.clock.now());
  }

  // ---- 即办 result report (job JOB.followupReport, set by the ticket timers with the 回访) --------

  private async onReport(p: { ticketId: string; version: number }): Promise<void> {
    const t = await this.d.store.get(p.ticketId);
    if (!t) return;
    // The last 回访 on record, also when it sent the ticket back for 重办 (the ticket no longer shows it).
    const last = (await this.d.store.events(t.id)).filter((e) => e.data.type === 'followed_up').at(-1);
    const result = last?.data.type === 'followed_up' ? last.data.result : null;
    if (!result) return;
    const phone = this.d.config.cityDutyPhone;
    const now = this.d.clock.now();
    const text = texts.urgentReport(t, result);
    if (phone) await this.d.sms.send({ to: normalisePhone(phone), text, ref: `followup-report:${t.id}:${p.version}` });
    else this.d.log.warn({ ticket: t.number }, '即办 result archived but not reported: SUBAN_CITY_DUTY_PHONE is empty');
    await this.d.audit.append({ at: now, actorId: FOLLOWUP_ACTOR.id, kind: 'urgent.result_report', subject: t.id, data: { number: t.number, reportedTo: phone || null, text } });
    await this.d.tickets.apply(t.id, FOLLOWUP_ACTOR, 'system', () => [{ type: 'note', text: phone ? texts.URGENT_ARCHIVED_NOTE : texts.URGENT_ARCHIVED_NO_PHONE_NOTE }]);
  }

  // ---- 并单: the group's result and 回访 for every citizen ------------------------------------

  /**
   * The ticket closed: every ticket merged into it (and into those, for merges of merges) gets the
   * result on its own record, its citizen is told, and its own 回访 starts. Idempotent per closing.
   */
  private async onMergedGroup(p: { ticketId: string; version: number }): Promise<void> {
    const target = await this.d.store.get(p.ticketId);
    if (!target || target.state !== 'closed') return;
    const seen = new Set<string>([target.id]);
    let parents = [target.id];
    while (parents.length) {
      const next: string[] = [];
      for (const parent of parents) {
        for (const e of await this.d.store.events(parent)) {
          if (e.data.type !== 'merge_received' || seen.has(e.data.from)) continue;
          seen.add(e.data.from);
          if (await this.resultToMerged(e.data.from, target)) next.push(e.data.from);
        }
      }
      parents = next;
    }
  }

  private async resultToMerged(mergedId: string, target: Ticket): Promise<boolean> {
    let m = await this.d.store.get(mergedId);
    if (!m || m.state !== 'merged') return false;
    const done = (await this.d.store.events(m.id)).some((e) => e.data.type === 'merge_result' && e.data.into === target.id && e.data.intoVersion === target.version);
    if (!done) {
      const result: TicketEventData = { type: 'merge_result', into: target.id, intoNumber: target.number, intoVersion: target.version, reply: target.lastReply ?? '已办结' };
      m = await this.d.tickets.apply(m.id, FOLLOWUP_ACTOR, 'system', () => [result]);
    }
    const now = this.d.clock.now();
    if (await this.d.dedupe.claim('followup.merged_notice', `${m.id}:${target.id}:${target.version}`, now)) {
      // Telling the result must not hold up the 回访, which asks again with the reply in it.
      await this.tellMergedResult(m, target).catch((err) => this.d.log.warn({ err: String(err), ticket: m!.number }, '并单 result not sent to the citizen'));
    }
    if (awaiting(m)) await this.enqueue([{ kind: JOB.followupStart, key: `followup:${m.id}:${m.version}`, runAt: this.d.calendar.nextCallTime(now), payload: { ticketId: m.id, version: m.version } }]);
    return true;
  }

  private async tellMergedResult(m: Ticket, target: Ticket): Promise<void> {
    const text = texts.mergedResult(m, target);
    const phone = phoneOf(m);
    if (phone) return void (await this.d.sms.send({ to: phone, text, ref: `merged-result:${m.id}:${target.version}` }));
    if (!m.contact || !CHAT_CHANNELS.includes(m.channel)) return; // platforms and Open311 read the status themselves
    try {
      const chat = this.d.chat();
      if (!chat) throw new Error('no WeChat transport');
      await chat.send(m.channel as ChatChannel, m.contact, text);
    } catch (err) {
      const callback = await callbackPhoneOf({ state: this.d.state, clock: this.d.clock }, m.id);
      if (!callback) throw err;
      await this.d.sms.send({ to: callback, text, ref: `merged-result:${m.id}:${target.version}` });
    }
  }

  /** A merged ticket's citizen is not satisfied or the matter is not solved: the group's ticket goes back to the unit. */
  private async onMergedReopen(p: { ticketId: string; version: number }): Promise<void> {
    const m = await this.d.store.get(p.ticketId);
    if (!m || m.state !== 'merged' || !m.mergedInto || !m.followUp) return;
    const r = m.followUp;
    if (!(r.satisfaction === '不满意' || r.solved === false)) return;
    const why = `并单群众回访${r.satisfaction === '不满意' ? '不满意' : '反映未解决'}（工单${m.number}）${r.comment ? `：${r.comment}` : ''}`;
    try {
      await this.d.tickets.apply(m.mergedInto, FOLLOWUP_ACTOR, 'system', (t) => (t.state === 'closed' ? [{ type: 'reopened', reason: why, toOperator: false }] : [{ type: 'note', text: why }]));
    } catch (err) {
      if (!(err instanceof AppError) || err.kind !== 'conflict') throw err;
      this.d.log.info({ ticket: m.number, code: err.code }, '并单 reopen not applied');
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** The ticket and its round doc when this round is still the one waiting for the citizen. */
  private async current(ticketId: string, round: number): Promise<{ t: Ticket | null; doc: FollowupDoc | null }> {
    const t = await this.d.store.get(ticketId);
    const doc = await this.raw(ticketId);
    if (!t || !awaiting(t) || !doc || doc.round !== round || doc.stage === 'done') return { t: null, doc: null };
    return { t, doc };
  }

  /**
   * Record the result on the ticket (closing it, or 重办) and end the round. A ticket followed up
   * meanwhile by other means (an operator's manual call, WeChat) keeps that result.
   */
  private async finish(doc: FollowupDoc, result: FollowUpResult, via: string, extra: TicketEventData[] = [], rethrow = false): Promise<void> {
    const now = this.d.clock.now();
    try {
      await this.d.tickets.apply(doc.ticketId, FOLLOWUP_ACTOR, via, (t) => {
        if (!awaiting(t)) throw conflict('followup_not_awaited', `工单 ${t.number} 已不在回访中`);
        return [...extra, ...this.d.tickets.followUpEvents(result, false, t.state)];
      });
    } catch (err) {
      if (rethrow || !(err instanceof AppError) || err.kind !== 'conflict') throw err;
      this.d.log.info({ ticket: doc.number, code: err.code }, 'follow-up result not recorded: the ticket moved on');
    }
    doc.stage = 'done';
    doc.finishedAt = iso(now);
    doc.result = result;
    await this.save(doc);
    if (doc.sms) {
      const p = await this.d.state.get<PendingSms>(FOLLOWUP_SMS_SCOPE, doc.sms.to, now);
      if (p?.ticketId === doc.ticketId) await this.d.state.delete(FOLLOWUP_SMS_SCOPE, doc.sms.to);
    }
    await this.d.jobs.cancelByPrefix(`followup:${doc.ticketId}:${doc.round}:`, now);
  }

  private save(doc: FollowupDoc) {
    const now = this.d.clock.now();
    // Kept 90 days for the console and audits; the result itself is on the ticket for good.
    return this.d.state.put(FOLLOWUP_SCOPE, doc.ticketId, doc, now, new Date(now.getTime() + 90 * 86400_000));
  }

  private async enqueue(jobs: JobSpec[]) {
    await this.d.jobs.enqueue(jobs);
    this.d.wake?.();
  }

  private callJob(ticketId: string, round: number, n: number, runAt: Date): JobSpec {
    return { kind: JOB.followupCall, key: `followup:${ticketId}:${round}:call:${n}`, runAt, payload: { ticketId, round, n } };
  }

  private smsJob(ticketId: string, round: number, runAt: Date): JobSpec {
    return { kind: JOB.followupSms, key: `followup:${ticketId}:${round}:sms`, runAt, payload: { ticketId, round } };
  }

  private chatJob(ticketId: string, round: number, n: number, runAt: Date): JobSpec {
    return { kind: JOB.followupChat, key: `followup:${ticketId}:${round}:chat:${n}`, runAt, payload: { ticketId, round, n } };
  }

  private expireJob(ticketId: string, round: number, runAt: Date): JobSpec {
    return { kind: JOB.followupExpire, key: `followup:${ticketId}:${round}:expire`, runAt, payload: { ticketId, round } };
  }
}
