/**
 * 协办, emergency 联动 and 现场处置 (the plan, 任务 5 and 6): one ticket, one lead unit (主办, the
 * ticket's `unit`) and any number of supporting units (协办), each signing and replying its own part
 * with its own deadlines; a 联动 for a 突发事件 adds the configured units as 协办 and pages them with
 * the lead; the units sent to the scene record who went, with what, and when they arrived.
 *
 * Pure: the events, the per-part fold and the checks the transition table calls.
 */
import { conflict, invalid } from '../errors.js';
import type { Attachment, Ticket } from './ticket.js';

/** 突发事件 of the plan: 自然灾害、事故灾难、公共卫生、社会安全. */
export const EMERGENCY_TYPES = ['自然灾害', '事故灾难', '公共卫生', '社会安全'] as const;
export type EmergencyType = (typeof EMERGENCY_TYPES)[number];
export const isEmergencyType = (s: unknown): s is EmergencyType => (EMERGENCY_TYPES as readonly unknown[]).includes(s);

/**
 * A part's state. `superseded`: the lead unit replied while the part was still open (主办已答复);
 * `removed`: the office took the unit off the ticket.
 */
export const PART_STATES = ['dispatched', 'signed', 'replied', 'superseded', 'removed'] as const;
export type AssistPartState = (typeof PART_STATES)[number];
export const PART_STATE_LABELS: Record<AssistPartState, string> = {
  dispatched: '待签收',
  signed: '办理中',
  replied: '已答复',
  superseded: '主办已答复',
  removed: '已撤销',
};

/** One 协办 unit's part of a ticket: the fold of its assist_* events. */
export interface AssistPart {
  unit: string;
  state: AssistPartState;
  addedAt: string;
  signDeadline: string;
  replyDeadline: string;
  signedAt: string | null;
  repliedAt: string | null;
  reply: string | null;
  attachments: Attachment[];
  /** 催办/督办 of this part's own deadlines */
  supervision: 'none' | '催办' | '督办';
  /** started by a 联动 */
  linkage: boolean;
  note: string | null;
}

/** Who was sent to the scene by one unit, and when they got there. */
export interface OnSiteRecord {
  unit: string;
  /** when the people left (as recorded by the unit); null when only the arrival was reported (SMS, key) so far */
  sentAt: string | null;
  people: string[];
  count: number;
  equipment: string[];
  note: string | null;
  arrivedAt: string | null;
  /** console, sms or call: how the arrival was reported */
  arrivedVia: string | null;
  photos: Attachment[];
}

export type AssistEventData =
  | { type: 'assist_added'; unit: string; signDeadline: string; replyDeadline: string; note?: string; linkage?: boolean }
  | { type: 'assist_removed'; unit: string; reason?: string }
  | { type: 'assist_signed'; unit: string }
  | { type: 'assist_replied'; unit: string; reply: string; attachments?: Attachment[] }
  | { type: 'assist_supervised'; unit: string; level: '催办' | '督办'; note?: string }
  /** 联动 started for a 突发事件: the units paged with the lead unit (added as 协办 by the events that follow). */
  | { type: 'linkage_started'; emergencyType: EmergencyType; units: string[]; note?: string }
  /** 现场处置: a unit sent people (names, count) and equipment to the scene at `sentAt`. */
  | { type: 'onsite_dispatched'; unit: string; sentAt: string; people: string[]; count: number; equipment: string[]; note?: string; attachments?: Attachment[] }
  /** They arrived at `arrivedAt` (reported on the console, by SMS 「到达 <code>」 or a key on the call). */
  | { type: 'onsite_arrived'; unit: string; arrivedAt: string; via: string; attachments?: Attachment[] };

export type AssistEventType = AssistEventData['type'];

export const ASSIST_EVENT_LABELS: Record<AssistEventType, string> = {
  assist_added: '增加协办',
  assist_removed: '撤销协办',
  assist_signed: '协办签收',
  assist_replied: '协办答复',
  assist_supervised: '协办督办',
  linkage_started: '应急联动',
  onsite_dispatched: '现场调派',
  onsite_arrived: '到达现场',
};

/** The parts still owed (not replied, not superseded, not removed). */
export const openParts = (t: Pick<Ticket, 'assists'>) => t.assists.filter((p) => p.state === 'dispatched' || p.state === 'signed');
/** The units on the ticket as 协办 now (removed ones are not). */
export const assistUnits = (t: Pick<Ticket, 'assists'>) => t.assists.filter((p) => p.state !== 'removed').map((p) => p.unit);
export const partOf = (t: Pick<Ticket, 'assists'>, unit: string | null | undefined) => (unit ? t.assists.find((p) => p.unit === unit && p.state !== 'removed') ?? null : null);

/** `|市公安局|市应急管理局|`: the column the unit inbox searches for its 协办 tickets. */
export const assistUnitsKey = (t: Pick<Ticket, 'assists'>): string | null => {
  const u = assistUnits(t);
  return u.length ? `|${u.join('|')}|` : null;
};

function need(t: Ticket, unit: string, states: AssistPartState[], action: string) {
  const p = partOf(t, unit);
  if (!p) throw conflict('not_assisting', `${unit} 不是工单 ${t.number} 的协办单位`);
  if (!states.includes(p.state)) {
    throw conflict('illegal_part_transition', `${unit} 的协办部分当前为「${PART_STATE_LABELS[p.state]}」,不能${action}`, { part: p.state, action });
  }
  return p;
}

/** The checks of a part's own lifecycle, beyond the ticket's state (called by assertTransition). */
export function assertAssist(t: Ticket, e: AssistEventData): void {
  switch (e.type) {
    case 'assist_added':
      if (!e.unit) throw invalid('unit_required', '请选择协办单位');
      if (e.unit === t.unit) throw conflict('assist_is_lead', `${e.unit} 是该工单的主办单位，不能同时协办`);
      if (partOf(t, e.unit)) throw conflict('already_assisting', `${e.unit} 已是工单 ${t.number} 的协办单位`);
      break;
    case 'assist_removed':
      if (!partOf(t, e.unit)) throw conflict('not_assisting', `${e.unit} 不是工单 ${t.number} 的协办单位`);
      break;
    case 'assist_signed':
      need(t, e.unit, ['dispatched'], '签收');
      break;
    case 'assist_replied':
      need(t, e.unit, ['signed'], '答复');
      if (!e.reply.trim()) throw invalid('reply_required', '答复内容不能为空');
      break;
    case 'assist_supervised':
      need(t, e.unit, ['dispatched', 'signed'], '督办');
      break;
    case 'linkage_started':
      if (!isEmergencyType(e.emergencyType)) throw invalid('bad_emergency_type', `突发事件类型应为 ${EMERGENCY_TYPES.join('、')} 之一`);
      break;
    case 'onsite_dispatched':
      if (e.unit !== t.unit && !partOf(t, e.unit)) throw conflict('not_on_ticket', `${e.unit} 不是工单 ${t.number} 的主办或协办单位`);
      if (!Number.isInteger(e.count) || e.count < 1 || e.count > 10_000) throw invalid('bad_count', '出动人数应为 1 以上的整数');
      {
        const rec = t.onSite.find((r) => r.unit === e.unit);
        if (rec?.arrivedAt && new Date(e.sentAt).getTime() > new Date(rec.arrivedAt).getTime()) throw invalid('arrival_before_dispatch', '出发时间不能晚于已登记的到达时间');
      }
      break;
    case 'onsite_arrived': {
      if (e.unit !== t.unit && !partOf(t, e.unit)) throw conflict('not_on_ticket', `${e.unit} 不是工单 ${t.number} 的主办或协办单位`);
      const rec = t.onSite.find((r) => r.unit === e.unit);
      if (rec?.arrivedAt) throw conflict('already_arrived', `${e.unit} 已登记到达现场`);
      if (rec?.sentAt && new Date(e.arrivedAt).getTime() < new Date(rec.sentAt).getTime()) throw invalid('arrival_before_dispatch', '到达时间不能早于出发时间');
      break;
    }
  }
}

const PART_EVENTS = new Set<string>(Object.keys(ASSIST_EVENT_LABELS));
export const isAssistEvent = (e: { type: string }): e is AssistEventData => PART_EVENTS.has(e.type);

/** Apply an assist event to the (already copied) ticket `n`. */
export function applyAssist(n: Ticket, e: AssistEventData, at: Date): void {
  const iso = at.toISOString();
  const setPart = (unit: string, f: (p: AssistPart) => AssistPart) => {
    n.assists = n.assists.map((p) => (p.unit === unit && p.state !== 'removed' ? f(p) : p));
  };
  switch (e.type) {
    case 'assist_added':
      // A unit taken off and added again starts a new part; the old one stays in the history.
      n.assists = [
        ...n.assists,
        {
          unit: e.unit,
          state: 'dispatched',
          addedAt: iso,
          signDeadline: e.signDeadline,
          replyDeadline: e.replyDeadline,
          signedAt: null,
          repliedAt: null,
          reply: null,
          attachments: [],
          supervision: 'none',
          linkage: !!e.linkage,
          note: e.note ?? null,
        },
      ];
      break;
    case 'assist_removed':
      setPart(e.unit, (p) => ({ ...p, state: 'removed', note: e.reason ?? p.note }));
      break;
    case 'assist_signed':
      setPart(e.unit, (p) => ({ ...p, state: 'signed', signedAt: iso, supervision: 'none' }));
      break;
    case 'assist_replied':
      setPart(e.unit, (p) => ({ ...p, state: 'replied', repliedAt: iso, reply: e.reply, attachments: [...p.attachments, ...(e.attachments ?? [])], supervision: 'none' }));
      break;
    case 'assist_supervised':
      setPart(e.unit, (p) => ({ ...p, supervision: e.level }));
      break;
    case 'linkage_started':
      n.emergencyType = e.emergencyType;
      break;
    case 'onsite_dispatched': {
      // Recorded again (a correction, or the details after an arrival reported by SMS): the arrival stays.
      const photos = e.attachments ?? [];
      const prev = n.onSite.find((r) => r.unit === e.unit);
      const rec: OnSiteRecord = { unit: e.unit, sentAt: e.sentAt, people: [...e.people], count: e.count, equipment: [...e.equipment], note: e.note ?? null, arrivedAt: prev?.arrivedAt ?? null, arrivedVia: prev?.arrivedVia ?? null, photos: [...(prev?.photos ?? []), ...photos] };
      n.onSite = prev ? n.onSite.map((r) => (r.unit === e.unit ? rec : r)) : [...n.onSite, rec];
      if (photos.length) n.attachments = [...n.attachments, ...photos];
      break;
    }
    case 'onsite_arrived': {
      const photos = e.attachments ?? [];
      const prev = n.onSite.find((r) => r.unit === e.unit);
      const rec: OnSiteRecord = prev
        ? { ...prev, arrivedAt: e.arrivedAt, arrivedVia: e.via, photos: [...prev.photos, ...photos] }
        : { unit: e.unit, sentAt: null, people: [], count: 0, equipment: [], note: null, arrivedAt: e.arrivedAt, arrivedVia: e.via, photos };
      n.onSite = prev ? n.onSite.map((r) => (r.unit === e.unit ? rec : r)) : [...n.onSite, rec];
      if (photos.length) n.attachments = [...n.attachments, ...photos];
      break;
    }
  }
}

/** The lead unit replied: parts still open are marked 主办已答复 (the reply closes the matter). */
export function supersedeOpenParts(n: Ticket): void {
  if (!n.assists.some((p) => p.state === 'dispatched' || p.state === 'signed')) return;
  n.assists = n.assists.map((p) => (p.state === 'dispatched' || p.state === 'signed' ? { ...p, state: 'superseded' } : p));
}

/** The warning a lead reply gets while parts are open. */
export function openPartsWarning(t: Pick<Ticket, 'assists'>): string | null {
  const open = openParts(t);
  if (!open.length) return null;
  return `协办单位 ${open.map((p) => p.unit).join('、')} 尚未答复；主办单位答复后其协办部分将标记为「主办已答复」`;
}

/** The 联动 configuration (config/linkage.yaml). */
export interface LinkageConfig {
  /** units added as 协办 and paged, by default, for every 突发事件 */
  units: string[];
  /** per type, when it differs from the default */
  byType: Partial<Record<EmergencyType, string[]>>;
}

export const DEFAULT_LINKAGE: LinkageConfig = { units: ['市应急管理局', '市公安局', '市交通运输局', '市信访局'], byType: {} };

export const linkageUnits = (cfg: LinkageConfig, type: EmergencyType): string[] => cfg.byType[type] ?? cfg.units;

/** Validates a parsed linkage document against the unit directory; messages name the offending entry. */
export function parseLinkageConfig(doc: unknown, knownUnits: Set<string>): LinkageConfig {
  if (doc === null || doc === undefined) return DEFAULT_LINKAGE;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw invalid('bad_linkage_config', 'linkage: the file must be a mapping with `units` (and optionally `byType`)');
  const d = doc as { units?: unknown; byType?: unknown };
  const list = (v: unknown, where: string): string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid('bad_linkage_config', `linkage: ${where} must be a list of unit names`);
    const unknown = v.filter((x) => !knownUnits.has(x));
    if (unknown.length) throw invalid('bad_linkage_config', `linkage: ${where} names units not in config/units.json: ${unknown.join(', ')}`);
    return [...new Set(v as string[])];
  };
  const units = d.units === undefined ? DEFAULT_LINKAGE.units : list(d.units, 'units');
  const byType: LinkageConfig['byType'] = {};
  if (d.byType !== undefined) {
    if (typeof d.byType !== 'object' || d.byType === null || Array.isArray(d.byType)) throw invalid('bad_linkage_config', 'linkage: byType must be a mapping of 突发事件类型 to unit lists');
    for (const [k, v] of Object.entries(d.byType)) {
      if (!isEmergencyType(k)) throw invalid('bad_linkage_config', `linkage: byType.${k} is not one of ${EMERGENCY_TYPES.join('、')}`);
      byType[k] = list(v, `byType.${k}`);
    }
  }
  return { units, byType };
}
