/**
 * A unit's duty roster (快速处置队伍值班表): who is reachable for 即办 items at any hour.
 * Plain data; times are ISO instants, dates and clock times are Asia/Shanghai.
 */
import { invalid } from '../errors.js';
import { isValidDate } from '../sla/dates.js';
import { isPhoneNumber } from '../phone.js';

export interface DutyMember {
  /** stable within the roster (rotation order, leave and overrides refer to it) */
  id: string;
  name: string;
  /** mainland mobile or landline; null = cannot be called or texted */
  phone: string | null;
  /** WeChat id for WeChat pages, when the unit uses them */
  wechat?: string | null;
}

export type HolidayRule = 'pass' | 'hold';

export interface Rotation {
  period: 'daily' | 'weekly';
  /** local clock time of the handoff, 'HH:MM' */
  handoff: string;
  /** the date on which order[0] takes over at `handoff`; weekly shifts start on this weekday */
  start: string;
  /** member ids in turn order */
  order: string[];
  /**
   * On a non-working day (holiday, weekend without 调休): `pass` hands over as on any day;
   * `hold` keeps the person on duty until the next handoff that falls on a working day.
   */
  holidays: HolidayRule;
}

export interface LeaveBlock {
  id: string;
  memberId: string;
  start: string;
  end: string;
  reason?: string;
}

export interface Override {
  id: string;
  start: string;
  end: string;
  /** member id of the person who takes the duty */
  person: string;
  reason: string;
}

export interface Roster {
  unit: string;
  members: DutyMember[];
  rotation: Rotation | null;
  leave: LeaveBlock[];
  overrides: Override[];
  version: number;
  updatedAt: string;
}

/** What an editor sends: everything but the bookkeeping. */
export type RosterInput = Omit<Roster, 'version' | 'updatedAt' | 'unit'> & { unit?: string };

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function handoffMinutes(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw invalid('bad_handoff', `交接班时间应为 HH:MM:${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function isReachablePhone(phone: string | null | undefined): phone is string {
  return isPhoneNumber(phone);
}

function instant(s: string, what: string): number {
  const t = Date.parse(s);
  if (typeof s !== 'string' || Number.isNaN(t)) throw invalid('bad_time', `${what} 不是有效时间:${String(s)}`);
  return t;
}

/** Checks an edited roster and returns it normalised (trimmed names, phones without spaces). */
export function validateRoster(unit: string, input: RosterInput, version: number, at: Date): Roster {
  const ids = new Set<string>();
  const members = (input.members ?? []).map((m, i) => {
    const id = String(m.id ?? '').trim();
    if (!id) throw invalid('bad_member', '值班人员缺少编号', { field: `members.${i}.id` });
    if (ids.has(id)) throw invalid('duplicate_member', `值班人员编号重复:${id}`, { field: `members.${i}.id` });
    ids.add(id);
    const name = String(m.name ?? '').trim();
    if (!name) throw invalid('bad_member', `值班人员 ${id} 缺少姓名`, { field: `members.${i}.name` });
    const phone = m.phone ? String(m.phone).replace(/[\s-]/g, '') : null;
    if (phone && !isPhoneNumber(phone)) throw invalid('bad_phone', `值班人员 ${name} 的电话号码无效:${m.phone}`, { field: `members.${i}.phone` });
    return { id, name, phone, wechat: m.wechat ? String(m.wechat).trim() : null };
  });
  const known = (id: string, what: string, field?: string) => {
    if (!ids.has(id)) throw invalid('unknown_member', `${what}引用了不存在的值班人员:${id}`, field ? { field } : undefined);
  };
  let rotation: Rotation | null = null;
  if (input.rotation) {
    const r = input.rotation;
    if (r.period !== 'daily' && r.period !== 'weekly') throw invalid('bad_rotation', '轮班周期应为 daily 或 weekly', { field: 'rotation.period' });
    if (!HHMM.test(r.handoff ?? '')) throw invalid('bad_handoff', `交接班时间应为 HH:MM:${r.handoff}`, { field: 'rotation.handoff' });
    if (!isValidDate(r.start)) throw invalid('bad_rotation', `轮班起始日期应为 YYYY-MM-DD:${r.start}`, { field: 'rotation.start' });
    if (r.holidays !== 'pass' && r.holidays !== 'hold') throw invalid('bad_rotation', '节假日规则应为 pass(照常轮换)或 hold(顺延)', { field: 'rotation.holidays' });
    if (!r.order?.length) throw invalid('bad_rotation', '轮班顺序不能为空', { field: 'rotation.order' });
    for (const id of r.order) known(id, '轮班顺序', 'rotation.order');
    rotation = { period: r.period, handoff: r.handoff, start: r.start, order: [...r.order], holidays: r.holidays };
  }
  const span = (s: string, e: string, what: string, field: string) => {
    if (instant(e, what) <= instant(s, what)) throw invalid('bad_period', `${what}的结束时间必须晚于开始时间`, { field: `${field}.end` });
    return { start: new Date(s).toISOString(), end: new Date(e).toISOString() };
  };
  const leave = (input.leave ?? []).map((l, i) => {
    known(l.memberId, '请假', `leave.${i}.memberId`);
    return { id: l.id || `leave-${i + 1}`, memberId: l.memberId, ...span(l.start, l.end, '请假', `leave.${i}`), ...(l.reason ? { reason: l.reason } : {}) };
  });
  const overrides = (input.overrides ?? []).map((o, i) => {
    known(o.person, '调班', `overrides.${i}.person`);
    if (!o.reason?.trim()) throw invalid('reason_required', '调班必须填写原因', { field: `overrides.${i}.reason` });
    return { id: o.id || `override-${i + 1}`, person: o.person, ...span(o.start, o.end, '调班', `overrides.${i}`), reason: o.reason.trim() };
  });
  return { unit, members, rotation, leave, overrides, version, updatedAt: at.toISOString() };
}
