/**
 * The block list for harassing callers (恶意骚扰电话). A blocked caller is never cut off: the
 * hotline flow's `callerBlocked` branch sends them to leave a message, which still becomes a
 * ticket for review, so a citizen wrongly listed loses nothing.
 *
 * Every new call asks whether its caller is listed, so the list is answered from memory: a
 * snapshot loaded from the StateStore, replaced when any instance changes the list (bus topic
 * below) and at the latest `refreshMs` after it was loaded (a missed bus message, an entry
 * that expired).
 */
import type { Clock } from '../../domain/clock.js';
import { AppError, invalid } from '../../domain/errors.js';
import { isPhoneNumber, maskContact, normalisePhone } from '../../domain/phone.js';
import type { Actor } from '../../domain/tickets/ticket.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { AuditLog, StateStore } from '../ports/misc.js';

export const BLOCKED_CALLERS_SCOPE = 'blocked-callers';
/** Published after every change; every instance reloads its snapshot. */

export interface BlockEntry {
  phone: string;
  masked: string;
  reason: string;
  /** who decided, for the review */
  by: { id: string; name: string } | null;
  at: string;
  /** null: until someone lifts it */
  until: string | null;
}

export interface BlockedCallersDeps {
  state: StateStore;
  clock: Clock;
  bus: EventBus;
  audit?: AuditLog;
  /** The snapshot is reloaded at the latest this long after loading (default 30 s). */
  refreshMs?: number;
}

const MAX_DAYS = 365;

export class BlockedCallers {
  private snapshot: Map<string, BlockEntry> | null = null;
  private loadedAt = 0;
  private loading: Promise<Map<string, BlockEntry>> | null = null;
  private readonly refreshMs: number;
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly d: BlockedCallersDeps) {
    this.refreshMs = d.refreshMs ?? 30_000;
    const invalidate = () => this.invalidate();
    this.unsubscribe = [d.bus.subscribe(TOPIC.blockedCallers, invalidate), d.bus.onMissedEvents(invalidate)];
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  async isBlocked(caller: string): Promise<boolean> {
    const now = this.d.clock.now().getTime();
    const snap = this.snapshot && now - this.loadedAt < this.refreshMs ? this.snapshot : await this.load();
    const e = snap.get(normalisePhone(caller));
    return !!e && (e.until === null || Date.parse(e.until) > now);
  }

  /** The entries in force, oldest first. */
  async list(): Promise<BlockEntry[]> {
    return (await this.d.state.list<BlockEntry>(BLOCKED_CALLERS_SCOPE, this.d.clock.now())).map((r) => ({ ...r.doc, phone: r.key }));
  }

  async block(input: { phone: string; reason: string; days?: number | null }, by: Actor): Promise<BlockEntry> {
    const phone = normalisePhone(input.phone.trim());
    if (!isPhoneNumber(phone)) throw invalid('bad_phone', '电话号码格式不正确');
    const reason = input.reason.trim();
    if (!reason) throw invalid('reason_required', '请填写列入黑名单的原因');
    const days = input.days ?? null;
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)) throw invalid('bad_days', `期限应为 1–${MAX_DAYS} 天`);
    const now = this.d.clock.now();
    const until = days === null ? null : new Date(now.getTime() + days * 24 * 3600_000);
    const entry: BlockEntry = { phone, masked: maskContact(phone), reason, by: { id: by.id, name: by.name ?? by.id }, at: now.toISOString(), until: until?.toISOString() ?? null };
    await this.d.state.put(BLOCKED_CALLERS_SCOPE, phone, entry, now, until);
    await this.changed('caller.blocked', phone, by, { reason, until: entry.until });
    return entry;
  }

  async unblock(rawPhone: string, by: Actor): Promise<void> {
    const phone = normalisePhone(rawPhone.trim());
    const now = this.d.clock.now();
    if (!(await this.d.state.get(BLOCKED_CALLERS_SCOPE, phone, now))) throw new AppError('not_found', 'not_blocked', `${maskContact(phone)} 不在黑名单中`);
    await this.d.state.delete(BLOCKED_CALLERS_SCOPE, phone);
    await this.changed('caller.unblocked', phone, by, {});
  }

  private async changed(kind: string, phone: string, by: Actor, data: Record<string, unknown>): Promise<void> {
    this.invalidate();
    await this.d.audit?.append({ at: this.d.clock.now(), actorId: by.id, kind, subject: `caller:${phone}`, data: { ...data, masked: maskContact(phone) } });
    this.d.bus.publish(TOPIC.blockedCallers, { at: this.d.clock.now().toISOString() });
  }

  private invalidate(): void {
    this.snapshot = null;
    this.loading = null;
  }

  private load(): Promise<Map<string, BlockEntry>> {
    if (this.loading) return this.loading;
    const p = this.list().then(
      (entries) => {
        const snap = new Map(entries.map((e) => [e.phone, e]));
        // A change while this load was running invalidated it: keep the newer state for the next reader.
        if (this.loading === p) {
          this.snapshot = snap;
          this.loadedAt = this.d.clock.now().getTime();
          this.loading = null;
        }
        return snap;
      },
      (err: unknown) => {
        if (this.loading === p) this.loading = null;
        throw err;
      },
    );
    this.loading = p;
    return p;
  }
}
