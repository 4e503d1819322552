/**
 * Rosters and escalation chains: kept as versioned documents (one per unit), every change audited.
 * Answers "who is on duty for unit X at T" for paging, the API and the console.
 */
import type { Clock } from '../../domain/clock.js';
import { conflict, invalid, notFound } from '../../domain/errors.js';
import { defaultChain, validateChain, type ChainInput, type EscalationChain } from '../../domain/duty/escalation.js';
import { leaderOf, validateContacts, type ContactsInput, type UnitContacts } from '../../domain/duty/contacts.js';
import { rosterIcal } from '../../domain/duty/ical.js';
import { dutyTimeline, dutyWarnings, whoIsOnDuty, type DutySegment, type DutyWarning, type OnDuty } from '../../domain/duty/on-duty.js';
import { rosterFromCsv, rosterFromYaml, rosterToCsv, rosterToYaml } from '../../domain/duty/roster-io.js';
import { validateRoster, type LeaveBlock, type Override, type Roster, type RosterInput } from '../../domain/duty/roster.js';
import type { IsWorkday } from '../../domain/duty/rotation.js';
import { TOPIC, type EventBus } from '../ports/events.js';
import type { AuditLog, StateStore } from '../ports/misc.js';
import type { UnitStore } from '../ports/users.js';

/** The hotline office's own duty roster: the `hotline_duty` target pages whoever is on it. */
export const HOTLINE_ROSTER = '12345热线办';

const ROSTERS = 'duty.roster';
const CHAINS = 'duty.chain';
const CONTACTS = 'duty.contacts';

/** One unit's duty cover over the coming days, for the coverage view and /readyz. */
export interface UnitCoverage {
  unit: string;
  hasRoster: boolean;
  /** a reachable duty person at every moment of the period */
  covered: boolean;
  /** hours of the period without a reachable duty person */
  uncoveredHours: number;
  /** the first moment without one, ISO */
  firstGapAt: string | null;
  head: boolean;
  deputy: boolean;
  officePhone: boolean;
}

export interface Editor {
  id: string;
  name?: string;
}

/** The latest audited change of a roster, chain or contacts document. */
export interface LastChange {
  at: string;
  /** duty.roster.save, duty.override.add, duty.chain.save, duty.contacts.save, … */
  kind: string;
  by: { id: string; name: string | null };
  version: number | null;
}

export interface DutyServiceDeps {
  state: StateStore;
  audit: AuditLog;
  bus?: EventBus;
  clock: Clock;
  isWorkday: IsWorkday;
  /** known unit names (附件1); the hotline office roster is always allowed */
  units: () => Set<string>;
}

export type RosterFormat = 'yaml' | 'csv';

export class DutyService {
  constructor(private readonly d: DutyServiceDeps) {}

  private checkUnit(unit: string) {
    if (unit !== HOTLINE_ROSTER && !this.d.units().has(unit)) throw invalid('unknown_unit', `未知的单位:${unit}`);
  }

  async roster(unit: string): Promise<Roster | null> {
    return this.d.state.get<Roster>(ROSTERS, unit, this.d.clock.now());
  }

  async rosters(): Promise<Roster[]> {
    return (await this.d.state.list<Roster>(ROSTERS, this.d.clock.now())).map((x) => x.doc).sort((a, b) => a.unit.localeCompare(b.unit, 'zh'));
  }

  private async mustRoster(unit: string): Promise<Roster> {
    const r = await this.roster(unit);
    if (!r) throw notFound('roster', unit);
    return r;
  }

  /** Replace a roster. With `expectedVersion`, a concurrent edit is refused instead of lost. */
  async saveRoster(unit: string, input: RosterInput, by: Editor, expectedVersion?: number, kind = 'duty.roster.save'): Promise<Roster> {
    this.checkUnit(unit);
    const now = this.d.clock.now();
    const before = await this.roster(unit);
    if (expectedVersion !== undefined && (before?.version ?? 0) !== expectedVersion) throw conflict('roster_changed', `值班表已被他人修改(当前版本 ${before?.version ?? 0}),请刷新后重试`);
    const roster = validateRoster(unit, input, (before?.version ?? 0) + 1, now);
    await this.d.state.put(ROSTERS, unit, roster, now);
    await this.d.audit.append({ at: now, actorId: by.id, kind, subject: `roster:${unit}`, data: { by: by.name ?? null, version: roster.version, before: before ?? null, after: roster } });
    this.d.bus?.publish(TOPIC.duty, { unit, version: roster.version });
    return roster;
  }

  async deleteRoster(unit: string, by: Editor): Promise<void> {
    const before = await this.mustRoster(unit);
    const now = this.d.clock.now();
    await this.d.state.delete(ROSTERS, unit);
    await this.d.audit.append({ at: now, actorId: by.id, kind: 'duty.roster.delete', subject: `roster:${unit}`, data: { by: by.name ?? null, before } });
    this.d.bus?.publish(TOPIC.duty, { unit, version: null });
  }

  async addOverride(unit: string, o: Omit<Override, 'id'>, by: Editor): Promise<Roster> {
    const r = await this.mustRoster(unit);
    const id = `override-${r.version + 1}-${r.overrides.length + 1}`;
    return this.saveRoster(unit, { ...r, overrides: [...r.overrides, { ...o, id }] }, by, r.version, 'duty.override.add');
  }

  async removeOverride(unit: string, id: string, by: Editor): Promise<Roster> {
    const r = await this.mustRoster(unit);
    if (!r.overrides.some((o) => o.id === id)) throw notFound('override', id);
    return this.saveRoster(unit, { ...r, overrides: r.overrides.filter((o) => o.id !== id) }, by, r.version, 'duty.override.remove');
  }

  async addLeave(unit: string, l: Omit<LeaveBlock, 'id'>, by: Editor): Promise<Roster> {
    const r = await this.mustRoster(unit);
    const id = `leave-${r.version + 1}-${r.leave.length + 1}`;
    return this.saveRoster(unit, { ...r, leave: [...r.leave, { ...l, id }] }, by, r.version, 'duty.leave.add');
  }

  async removeLeave(unit: string, id: string, by: Editor): Promise<Roster> {
    const r = await this.mustRoster(unit);
    if (!r.leave.some((l) => l.id === id)) throw notFound('leave', id);
    return this.saveRoster(unit, { ...r, leave: r.leave.filter((l) => l.id !== id) }, by, r.version, 'duty.leave.remove');
  }

  async onDuty(unit: string, at: Date): Promise<OnDuty | null> {
    const r = await this.roster(unit);
    return r ? whoIsOnDuty(r, at, this.d.isWorkday) : null;
  }

  async schedule(unit: string, from: Date, to: Date): Promise<{ segments: DutySegment[]; warnings: DutyWarning[] }> {
    if (to.getTime() - from.getTime() > 400 * 86_400_000) throw invalid('range_too_long', '查询区间不能超过 400 天');
    const r = await this.mustRoster(unit);
    return { segments: dutyTimeline(r, from, to, this.d.isWorkday), warnings: dutyWarnings(r, from, to, this.d.isWorkday) };
  }

  async exportRoster(unit: string, format: RosterFormat): Promise<string> {
    const r = await this.mustRoster(unit);
    return format === 'csv' ? rosterToCsv(r) : rosterToYaml(r);
  }

  async importRoster(unit: string, format: RosterFormat, text: string, by: Editor): Promise<Roster> {
    const input = format === 'csv' ? rosterFromCsv(text) : rosterFromYaml(text);
    if (input.unit && input.unit !== unit) throw invalid('unit_mismatch', `导入文件属于${input.unit},不是${unit}`);
    return this.saveRoster(unit, input, by, undefined, 'duty.roster.import');
  }

  async ical(unit: string, from: Date, to: Date): Promise<string> {
    const { segments } = await this.schedule(unit, from, to);
    return rosterIcal(unit, segments, this.d.clock.now());
  }

  // ---- standing contacts (head, deputy, office phone) ------------------------------------------

  async contacts(unit: string): Promise<UnitContacts | null> {
    return this.d.state.get<UnitContacts>(CONTACTS, unit, this.d.clock.now());
  }

  async allContacts(): Promise<UnitContacts[]> {
    return (await this.d.state.list<UnitContacts>(CONTACTS, this.d.clock.now())).map((x) => x.doc).sort((a, b) => a.unit.localeCompare(b.unit, 'zh'));
  }

  /** Replace a unit's contacts (audited, numbers masked in nothing: the audit is the office's). */
  async saveContacts(unit: string, input: ContactsInput, by: Editor, expectedVersion?: number): Promise<UnitContacts> {
    this.checkUnit(unit);
    const now = this.d.clock.now();
    const before = await this.contacts(unit);
    if (expectedVersion !== undefined && (before?.version ?? 0) !== expectedVersion) throw conflict('contacts_changed', `联系人已被他人修改(当前版本 ${before?.version ?? 0}),请刷新后重试`);
    const contacts = validateContacts(unit, input, (before?.version ?? 0) + 1, now);
    await this.d.state.put(CONTACTS, unit, contacts, now);
    await this.d.audit.append({ at: now, actorId: by.id, kind: 'duty.contacts.save', subject: `contacts:${unit}`, data: { by: by.name ?? null, version: contacts.version, before: before ?? null, after: contacts } });
    this.d.bus?.publish(TOPIC.duty, { unit, contacts: contacts.version });
    return contacts;
  }

  /**
   * Every unit's duty cover for [from, from + days): whether a reachable duty person is there at
   * every moment, and which standing contacts are set; the hotline office first, then the directory.
   */
  async coverage(from: Date, days = 7): Promise<UnitCoverage[]> {
    const to = new Date(from.getTime() + days * 86_400_000);
    const rosters = new Map((await this.rosters()).map((r) => [r.unit, r]));
    const contacts = new Map((await this.allContacts()).map((c) => [c.unit, c]));
    const out: UnitCoverage[] = [];
    for (const unit of [HOTLINE_ROSTER, ...[...this.d.units()].sort((a, b) => a.localeCompare(b, 'zh'))]) {
      const r = rosters.get(unit);
      const c = contacts.get(unit);
      let uncovered = days * 24;
      let firstGapAt: string | null = from.toISOString();
      if (r) {
        const gaps = dutyWarnings(r, from, to, this.d.isWorkday).filter((w): w is Extract<DutyWarning, { start: Date }> => w.kind === 'gap' || w.kind === 'unreachable');
        uncovered = Math.round((gaps.reduce((n, g) => n + (g.end.getTime() - g.start.getTime()), 0) / 3_600_000) * 10) / 10;
        firstGapAt = gaps.length ? new Date(Math.min(...gaps.map((g) => g.start.getTime()))).toISOString() : null;
      }
      out.push({ unit, hasRoster: !!r, covered: uncovered === 0, uncoveredHours: uncovered, firstGapAt, head: !!c?.head, deputy: !!c?.deputy, officePhone: !!c?.officePhone });
    }
    return out;
  }

  /**
   * Who changed a unit's roster, escalation chain and contacts last, and when (the audit's latest
   * entry of each; null when never changed).
   */
  async lastChanges(unit: string): Promise<Record<'roster' | 'chain' | 'contacts', LastChange | null>> {
    const last = async (subject: string): Promise<LastChange | null> => {
      const e = (await this.d.audit.list(subject)).at(-1);
      if (!e) return null;
      const data = (e.data ?? {}) as { by?: string | null; version?: number };
      return { at: e.at.toISOString(), kind: e.kind, by: { id: e.actorId, name: data.by ?? null }, version: data.version ?? null };
    };
    return { roster: await last(`roster:${unit}`), chain: await last(`chain:${unit}`), contacts: await last(`contacts:${unit}`) };
  }

  /** The unit's chain, or the default one when it has none. */
  async chain(unit: string): Promise<EscalationChain> {
    return (await this.d.state.get<EscalationChain>(CHAINS, unit, this.d.clock.now())) ?? defaultChain(unit, this.d.clock.now());
  }

  /** Set a unit's chain. With `expectedVersion`, a concurrent edit is refused instead of lost. */
  async saveChain(unit: string, input: ChainInput, by: Editor, expectedVersion?: number): Promise<EscalationChain> {
    this.checkUnit(unit);
    const now = this.d.clock.now();
    const before = await this.d.state.get<EscalationChain>(CHAINS, unit, now);
    if (expectedVersion !== undefined && (before?.version ?? 0) !== expectedVersion) throw conflict('chain_changed', `升级链已被他人修改(当前版本 ${before?.version ?? 0}),请刷新后重试`);
    const chain = validateChain(unit, input, (before?.version ?? 0) + 1, now);
    await this.d.state.put(CHAINS, unit, chain, now);
    await this.d.audit.append({ at: now, actorId: by.id, kind: 'duty.chain.save', subject: `chain:${unit}`, data: { by: by.name ?? null, version: chain.version, before: before ?? null, after: chain } });
    return chain;
  }
}

/**
 * The unit directory as paging and 督办 read it: the head is the one set in the contacts (the
 * head, else the deputy), falling back to the directory's own columns.
 */
export function unitsWithContacts(units: Pick<UnitStore, 'get'>, duty: Pick<DutyService, 'contacts'>): Pick<UnitStore, 'get'> {
  return {
    async get(name) {
      const u = await units.get(name);
      if (!u) return u;
      const leader = leaderOf(await duty.contacts(name));
      return leader ? { ...u, headName: leader.role === '负责人' ? leader.name : `${leader.name}(分管)`, headPhone: leader.phone } : u;
    },
  };
}
