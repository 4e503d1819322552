/**
 * One platform case (a JSON object pushed to us, or a row of an export file) → our terms, by the
 * platform's mapping file. Pure: no I/O, so every platform's mapping is testable on its own.
 */
import { CATEGORIES, type Attachment, type Category } from '../../domain/tickets/ticket.js';
import type { CaseField, MirrorState, PlatformConfig } from './config.js';

export interface PlatformCase {
  caseId: string;
  content: string;
  contact: string | null;
  contactName: string | null;
  /** null: the platform gave no label we know, so the classifier decides. */
  category: Category | null;
  place: string | null;
  township: string | null;
  attachments: Attachment[];
  /** The unit the platform names as handling the case (interconnect mirrors), if any. */
  unit: string | null;
  /** Interconnect only: where the case stands on its own platform. */
  mirrorState: MirrorState | null;
  reply: string | null;
  receivedAt: string | null;
}

export type MapResult = { ok: true; value: PlatformCase } | { ok: false; errors: string[] };

export const MAX_CONTENT = 10_000;
const CASE_ID = /^[\p{L}\p{N}_.:\/#-]{1,64}$/u;

/** A field by exact name first (export headers may contain dots), then as a dotted path. */
function pick(rec: Record<string, unknown>, names: string[] | undefined): unknown {
  for (const n of names ?? []) {
    let v: unknown = rec[n];
    if (v === undefined && n.includes('.')) {
      v = n.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), rec);
    }
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v.trim() || null;
  // exceljs rich text and hyperlink cells
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; hyperlink?: string; result?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('').trim() || null;
    if (o.text !== undefined) return text(o.text);
    if (o.result !== undefined) return text(o.result);
  }
  return null;
}

function attachments(v: unknown): Attachment[] {
  const urls: string[] = [];
  const add = (x: unknown) => {
    const s = typeof x === 'object' && x !== null ? text((x as { url?: unknown; hyperlink?: unknown }).url ?? (x as { hyperlink?: unknown }).hyperlink) : text(x);
    if (s) urls.push(...s.split(/[\s;,；，|]+/).filter(Boolean));
  };
  if (Array.isArray(v)) v.forEach(add);
  else if (v !== undefined) add(v);
  return urls.filter((u) => /^https?:\/\//.test(u)).map((url) => ({ kind: /\.(jpe?g|png|gif|webp)(\?|$)/i.test(url) ? 'image' : 'file', url }));
}

export function mapCase(p: PlatformConfig, rec: unknown): MapResult {
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return { ok: false, errors: ['案件数据应为对象'] };
  const r = rec as Record<string, unknown>;
  const f = (k: CaseField) => pick(r, p.fields[k]);
  const errors: string[] = [];
  const caseId = text(f('caseId'));
  if (!caseId) errors.push(`缺少案件编号(${p.fields.caseId?.join('/')})`);
  else if (!CASE_ID.test(caseId)) errors.push(`案件编号格式不正确:${caseId.slice(0, 80)}`);
  const title = text(f('title'));
  const body = text(f('content'));
  if (!body) errors.push(`缺少诉求内容(${p.fields.content?.join('/')})`);
  const content = title && body && !body.startsWith(title) ? `【${title}】${body}` : (body ?? '');
  if (content.length > MAX_CONTENT) errors.push(`诉求内容过长(${content.length} 字,上限 ${MAX_CONTENT})`);

  const label = text(f('category'));
  const category = label ? (p.categories[label] ?? ((CATEGORIES as readonly string[]).includes(label) ? (label as Category) : null)) : null;

  let mirrorState: MirrorState | null = null;
  if (p.kind === 'interconnect') {
    const st = text(f('status'));
    mirrorState = st ? (p.statuses[st] ?? null) : 'open';
    if (st && !mirrorState) errors.push(`未知的案件状态:${st}`);
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      caseId: caseId!,
      content,
      contact: text(f('contact')),
      contactName: text(f('contactName')),
      category,
      place: text(f('place')),
      township: text(f('township')),
      attachments: attachments(f('attachments')),
      unit: text(f('unit')),
      mirrorState,
      reply: text(f('reply')),
      receivedAt: text(f('receivedAt')),
    },
  };
}
