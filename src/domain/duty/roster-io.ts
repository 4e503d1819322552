/**
 * Rosters in and out as YAML (the whole document) or CSV (one row per member, rotation, leave
 * block and override, for people who keep the roster in a spreadsheet).
 */
import { parseCsvText, toCsvText, undefuse } from '../csv.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { invalid } from '../errors.js';
import type { Roster, RosterInput } from './roster.js';

export function rosterToYaml(r: Roster): string {
  const doc = {
    unit: r.unit,
    members: r.members.map((m) => ({ id: m.id, name: m.name, phone: m.phone, ...(m.wechat ? { wechat: m.wechat } : {}) })),
    rotation: r.rotation,
    leave: r.leave,
    overrides: r.overrides,
  };
  return stringifyYaml(doc);
}

export function rosterFromYaml(text: string): RosterInput {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw invalid('bad_yaml', `值班表 YAML 无法解析:${e instanceof Error ? e.message : String(e)}`);
  }
  if (!doc || typeof doc !== 'object') throw invalid('bad_yaml', '值班表 YAML 应为一个对象');
  const d = doc as Record<string, unknown>;
  return {
    ...(typeof d.unit === 'string' ? { unit: d.unit } : {}),
    members: (d.members as RosterInput['members']) ?? [],
    rotation: (d.rotation as RosterInput['rotation']) ?? null,
    leave: (d.leave as RosterInput['leave']) ?? [],
    overrides: (d.overrides as RosterInput['overrides']) ?? [],
  };
}

export const CSV_COLUMNS = ['kind', 'id', 'member', 'name', 'phone', 'wechat', 'start', 'end', 'reason', 'period', 'handoff', 'holidays', 'order'] as const;
type Col = (typeof CSV_COLUMNS)[number];

export function rosterToCsv(r: Roster): string {
  const rows: Partial<Record<Col, string>>[] = [];
  for (const m of r.members) rows.push({ kind: 'member', id: m.id, name: m.name, phone: m.phone ?? '', wechat: m.wechat ?? '' });
  if (r.rotation) rows.push({ kind: 'rotation', start: r.rotation.start, period: r.rotation.period, handoff: r.rotation.handoff, holidays: r.rotation.holidays, order: r.rotation.order.join('|') });
  for (const l of r.leave) rows.push({ kind: 'leave', id: l.id, member: l.memberId, start: l.start, end: l.end, reason: l.reason ?? '' });
  for (const o of r.overrides) rows.push({ kind: 'override', id: o.id, member: o.person, start: o.start, end: o.end, reason: o.reason });
  // The one formula-safe CSV writer: a phone number such as +86… or a name starting with = stays text in a spreadsheet.
  return toCsvText([[...CSV_COLUMNS], ...rows.map((row) => CSV_COLUMNS.map((c) => row[c] ?? ''))]);
}

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks (the one CSV reader, src/domain/csv.ts). */
export function parseCsv(text: string): string[][] {
  return parseCsvText(text);
}

export function rosterFromCsv(text: string): RosterInput {
  const rows = parseCsv(text);
  if (!rows.length) throw invalid('bad_csv', 'CSV 为空');
  const header = rows[0].map((h) => h.trim().toLowerCase());
  if (!header.includes('kind')) throw invalid('bad_csv', `CSV 第一行应为表头:${CSV_COLUMNS.join(',')}`);
  const out: RosterInput = { members: [], rotation: null, leave: [], overrides: [] };
  rows.slice(1).forEach((cells, i) => {
    const get = (c: Col) => undefuse((cells[header.indexOf(c)] ?? '').trim());
    const line = i + 2;
    switch (get('kind')) {
      case 'member':
        out.members.push({ id: get('id'), name: get('name'), phone: get('phone') || null, wechat: get('wechat') || null });
        break;
      case 'rotation':
        if (out.rotation) throw invalid('bad_csv', `第${line}行:只能有一行 rotation`);
        out.rotation = { period: get('period') as 'daily', handoff: get('handoff'), start: get('start'), holidays: (get('holidays') || 'pass') as 'pass', order: get('order').split('|').map((x) => x.trim()).filter(Boolean) };
        break;
      case 'leave':
        out.leave.push({ id: get('id'), memberId: get('member'), start: get('start'), end: get('end'), ...(get('reason') ? { reason: get('reason') } : {}) });
        break;
      case 'override':
        out.overrides.push({ id: get('id'), person: get('member'), start: get('start'), end: get('end'), reason: get('reason') });
        break;
      default:
        throw invalid('bad_csv', `第${line}行:kind 应为 member、rotation、leave 或 override`);
    }
  });
  return out;
}
