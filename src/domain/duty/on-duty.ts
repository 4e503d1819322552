/**
 * Who is on duty for a unit at an instant, and the cover over a period with its warnings.
 * Priority: an override beats leave, leave beats the rotation.
 */
import { handoffsBetween, shiftAt, type IsWorkday } from './rotation.js';
import { isReachablePhone, type DutyMember, type Roster } from './roster.js';

export type DutySource = 'override' | 'rotation' | 'substitute';

export interface OnDuty {
  member: DutyMember;
  source: DutySource;
  /** the override's reason, or why a substitute stands in */
  reason?: string;
  /** the rotation's person when someone else covers (leave, override) */
  replaces?: DutyMember;
}

const within = (t: number, s: { start: string; end: string }) => Date.parse(s.start) <= t && t < Date.parse(s.end);

export function whoIsOnDuty(roster: Roster, at: Date, isWorkday: IsWorkday): OnDuty | null {
  const t = at.getTime();
  const byId = new Map(roster.members.map((m) => [m.id, m]));
  const rot = roster.rotation;
  const shift = rot ? shiftAt(rot, at, isWorkday) : null;
  const scheduled = rot && shift ? byId.get(rot.order[shift.index % rot.order.length]) : undefined;
  // The last override entered wins where two overlap: it is the newer decision.
  const override = [...roster.overrides].reverse().find((o) => within(t, o));
  if (override) {
    const member = byId.get(override.person);
    if (member) return { member, source: 'override', reason: override.reason, ...(scheduled && scheduled.id !== member.id ? { replaces: scheduled } : {}) };
  }
  if (!rot || !shift || !scheduled) return null;
  const onLeave = (id: string) => roster.leave.some((l) => l.memberId === id && within(t, l));
  if (!onLeave(scheduled.id)) return { member: scheduled, source: 'rotation' };
  // The next in turn order who is not on leave stands in.
  for (let j = 1; j < rot.order.length; j++) {
    const m = byId.get(rot.order[(shift.index + j) % rot.order.length]);
    if (m && m.id !== scheduled.id && !onLeave(m.id)) return { member: m, source: 'substitute', reason: `${scheduled.name}请假`, replaces: scheduled };
  }
  return null;
}

export interface DutySegment {
  start: Date;
  end: Date;
  duty: OnDuty | null;
}

/** The cover from `from` to `to` as consecutive segments; a null duty is a gap. */
export function dutyTimeline(roster: Roster, from: Date, to: Date, isWorkday: IsWorkday): DutySegment[] {
  const f = from.getTime();
  const e = to.getTime();
  if (e <= f) return [];
  const cuts = new Set<number>([f, e]);
  if (roster.rotation) for (const h of handoffsBetween(roster.rotation, from, to, isWorkday)) cuts.add(h.getTime());
  for (const s of [...roster.leave, ...roster.overrides]) {
    for (const x of [Date.parse(s.start), Date.parse(s.end)]) if (x > f && x < e) cuts.add(x);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out: DutySegment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const duty = whoIsOnDuty(roster, new Date(points[i]), isWorkday);
    const prev = out.at(-1);
    if (prev && sameDuty(prev.duty, duty)) prev.end = new Date(points[i + 1]);
    else out.push({ start: new Date(points[i]), end: new Date(points[i + 1]), duty });
  }
  return out;
}

function sameDuty(a: OnDuty | null, b: OnDuty | null) {
  if (!a || !b) return a === b;
  return a.member.id === b.member.id && a.source === b.source && a.reason === b.reason;
}

export type DutyWarning =
  | { kind: 'gap'; start: Date; end: Date; message: string }
  | { kind: 'unreachable'; start: Date; end: Date; memberId: string; message: string }
  | { kind: 'no_phone'; memberId: string; message: string };

/** Gaps in cover and on-duty people nobody can call, over a period (the console shows these). */
export function dutyWarnings(roster: Roster, from: Date, to: Date, isWorkday: IsWorkday): DutyWarning[] {
  const out: DutyWarning[] = [];
  for (const m of roster.members) {
    if (!isReachablePhone(m.phone)) out.push({ kind: 'no_phone', memberId: m.id, message: `${m.name}没有可拨打的电话号码` });
  }
  for (const s of dutyTimeline(roster, from, to, isWorkday)) {
    if (!s.duty) out.push({ kind: 'gap', start: s.start, end: s.end, message: `${roster.unit}在该时段无人值班` });
    else if (!isReachablePhone(s.duty.member.phone)) out.push({ kind: 'unreachable', start: s.start, end: s.end, memberId: s.duty.member.id, message: `值班人员${s.duty.member.name}无法联系(没有电话号码)` });
  }
  return out;
}
