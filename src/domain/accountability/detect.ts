/**
 * 问责线索 (§二.7: 推诿扯皮、弄虚作假): patterns in the event log the hotline office hands to the
 * 市纪委监委 as leads, each with its evidence (tickets, events, 回访 answers). Pure: the same
 * histories and 职责清单 assignments always give the same flags.
 *
 *  - 推诿 (shirking): a unit's 退单 the office refused (sent back to the same unit) of matters the
 *    职责清单 assigns to that unit, at least `minRefusedReturns` in the period.
 *  - 虚假办结 (false completion): a reply saying the matter is solved where the 回访 that follows
 *    says 未解决 or 不满意; or the same citizen (contact) files the same matter again (same unit, and
 *    similar words or the same place) within `repeatDays` of the close.
 *  - 复制答复 (copied replies): near-identical reply texts (normalised, character-bigram Dice
 *    ≥ `copySimilarity`) on `copyMinTickets` or more different tickets of one unit; short
 *    boilerplate (已处理, 已办结 …, under `copyMinChars` characters once normalised) is ignored.
 */
import type { Period } from '../kpi/index.js';
import { canonicalPlace } from '../places/crossing.js';
import { normalizeText } from '../routing/normalize.js';
import { EVENT_LABELS, type TicketEvent } from '../tickets/events.js';
import { isNegativeFollowUp } from '../tickets/followup.js';
import { applyEvent } from '../tickets/lifecycle.js';
import type { FollowUpResult, Ticket } from '../tickets/ticket.js';

export type FlagKind = 'shirking' | 'false_completion' | 'copied_reply';
export const FLAG_LABELS: Record<FlagKind, string> = { shirking: '推诿扯皮', false_completion: '虚假办结', copied_reply: '复制答复' };

/** The unit the 职责清单 gives a ticket's matter, and why (its phrases). */
export interface DutyAssignment {
  unit: string | null;
  evidence: string[];
}

export interface DetectOptions {
  period: Period;
  /** 职责清单 assignment per ticket id (the tickets the detector asks about: see `needsAssignment`). */
  assigned: ReadonlyMap<string, DutyAssignment>;
  /** Only this unit's flags. */
  unit?: string;
  minRefusedReturns?: number;
  repeatDays?: number;
  repeatTextSimilarity?: number;
  copyMinTickets?: number;
  copySimilarity?: number;
  copyMinChars?: number;
}

export const DETECT_DEFAULTS = { minRefusedReturns: 2, repeatDays: 30, repeatTextSimilarity: 0.5, copyMinTickets: 3, copySimilarity: 0.9, copyMinChars: 15 } as const;

export interface EvidenceEvent {
  ticketId: string;
  number: string;
  seq: number;
  at: string;
  type: TicketEvent['data']['type'];
  label: string;
  actor: string;
  detail: string;
}

export interface EvidenceFollowUp {
  ticketId: string;
  number: string;
  at: string;
  satisfaction: FollowUpResult['satisfaction'];
  solved: boolean | null;
  reason: string | null;
  comment: string | null;
  via: string;
}

export interface Flag {
  id: string;
  kind: FlagKind;
  kindLabel: string;
  /** 'followup' or 'repeat_call' for 虚假办结 */
  basis: 'refused_returns' | 'followup' | 'repeat_call' | 'copied_reply';
  unit: string;
  summary: string;
  ticketIds: string[];
  numbers: string[];
  events: EvidenceEvent[];
  followUps: EvidenceFollowUp[];
  /** 职责清单 phrases behind a 推诿 flag, per ticket number */
  dutyEvidence?: Record<string, string[]>;
  /** how alike the texts are (0..1), for copied replies and repeat calls */
  similarity?: number;
}

/** A reply that says the matter is done (not one that says it cannot be, or was passed on). */
const CLAIMS_SOLVED = /(已|均已|已经|现已|业已)(经)?(解决|修复|修好|处理|办结|办理完毕|完成|整改|清理|清除|疏通|恢复|到位|落实|更换|维修|拆除|查处|答复)|处理完毕|办理完毕|问题不存在|已不存在/u;
const DENIES = /(无法|不能|未能|暂未|暂不|尚未|不属于|非我单位|转交|移交)/u;
export const claimsSolved = (reply: string) => CLAIMS_SOLVED.test(reply) && !DENIES.test(reply);

/** Text for comparison: NFKC, no spaces or punctuation, digit runs as #. */
export function normaliseForCompare(s: string): string {
  return normalizeText(s)
    .replace(/[\s\p{P}\p{S}]+/gu, '')
    .replace(/\d+/g, '#');
}

function bigrams(s: string): Map<string, number> {
  const m = new Map<string, number>();
  const cs = [...s];
  if (cs.length === 1) m.set(cs[0]!, 1);
  for (let i = 0; i + 1 < cs.length; i++) {
    const g = cs[i]! + cs[i + 1]!;
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

interface Grams {
  map: Map<string, number>;
  size: number;
}
const grams = (s: string): Grams => {
  const map = bigrams(s);
  let size = 0;
  for (const v of map.values()) size += v;
  return { map, size };
};

function dice(x: Grams, y: Grams): number {
  if (x.size + y.size === 0) return 0;
  const [small, large] = x.map.size <= y.map.size ? [x, y] : [y, x];
  let both = 0;
  for (const [g, v] of small.map) both += Math.min(v, large.map.get(g) ?? 0);
  return (2 * both) / (x.size + y.size);
}

/** Dice coefficient of character bigrams (with counts), 0..1, on already normalised texts. */
export function textSimilarity(a: string, b: string): number {
  if (!a || !b) return 0;
  if (a === b) return 1;
  return dice(grams(a), grams(b));
}

interface Walked {
  ticket: Ticket;
  events: TicketEvent[];
}

const iso = (d: Date) => d.toISOString();

function describe(e: TicketEvent, before: Ticket | null): string {
  const d = e.data;
  switch (d.type) {
    case 'created':
      return d.content;
    case 'dispatched':
      return before?.state === 'returned' && before.unit === d.unit ? `退单未获同意，重新派给${d.unit}` : `派给${d.unit}`;
    case 'returned':
      return `退单理由：${d.reason}`;
    case 'replied':
      return d.reply;
    case 'followed_up':
      return `${d.result.satisfaction}${d.result.solved === undefined ? '' : d.result.solved ? '，已解决' : '，未解决'}${d.result.reason ? `；${d.result.reason}` : ''}${d.result.comment ? `；${d.result.comment}` : ''}`;
    case 'reopened':
      return `重办：${d.reason}`;
    case 'closed':
      return d.note ?? '办结';
    case 'supervised':
      return `${d.level}${d.note ? `：${d.note}` : ''}`;
    case 'merged':
      return `并入 ${d.intoNumber}`;
    case 'note':
      return d.text;
    default:
      return '';
  }
}

/** One event as evidence. */
export function evidenceEvent(e: TicketEvent, t: Pick<Ticket, 'number'>, before: Ticket | null = null): EvidenceEvent {
  return { ticketId: e.ticketId, number: t.number, seq: e.seq, at: iso(e.at), type: e.data.type, label: EVENT_LABELS[e.data.type], actor: e.actorName ?? e.actorId, detail: describe(e, before) };
}

export function evidenceFollowUp(e: TicketEvent, t: Pick<Ticket, 'number'>): EvidenceFollowUp | null {
  if (e.data.type !== 'followed_up') return null;
  const r = e.data.result;
  return { ticketId: e.ticketId, number: t.number, at: iso(e.at), satisfaction: r.satisfaction, solved: r.solved ?? null, reason: r.reason ?? null, comment: r.comment ?? null, via: r.via };
}

function walk(events: readonly TicketEvent[]): Walked | null {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  let t: Ticket | null = null;
  for (const e of sorted) t = applyEvent(t, e);
  return t ? { ticket: t, events: sorted } : null;
}

/** The ticket ids whose 职责清单 assignment the detector needs: those with a 退单, and repeat-call candidates. */
export function needsAssignment(histories: Iterable<readonly TicketEvent[]>): Set<string> {
  const out = new Set<string>();
  const byContact = new Map<string, string[]>();
  for (const events of histories) {
    const created = events.find((e) => e.data.type === 'created');
    if (!created) continue;
    if (events.some((e) => e.data.type === 'returned')) out.add(created.ticketId);
    const c = created.data.type === 'created' ? created.data.contact : null;
    if (c) byContact.set(c, [...(byContact.get(c) ?? []), created.ticketId]);
  }
  for (const ids of byContact.values()) if (ids.length > 1) for (const id of ids) out.add(id);
  return out;
}

export function detectFlags(histories: Iterable<readonly TicketEvent[]>, opts: DetectOptions): Flag[] {
  const o = { ...DETECT_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as Required<DetectOptions>;
  const from = opts.period.from.getTime();
  const to = opts.period.to.getTime();
  const inPeriod = (d: Date) => d.getTime() >= from && d.getTime() < to;
  const tickets: Walked[] = [];
  for (const h of histories) {
    const w = walk(h);
    if (w) tickets.push(w);
  }
  const flags: Flag[] = [];
  const wanted = (unit: string | null): unit is string => !!unit && (!opts.unit || unit === opts.unit);

  // ---- 推诿: refused 退单 of the unit's own matters ----
  const refused = new Map<string, { w: Walked; ret: TicketEvent; back: TicketEvent; before: Ticket }[]>();
  // ---- 虚假办结 by 回访, and replies for the copy check ----
  const replies = new Map<string, { w: Walked; e: TicketEvent; norm: string }[]>();
  for (const w of tickets) {
    let t: Ticket | null = null;
    let pendingReturn: { e: TicketEvent; unit: string } | null = null;
    let lastReply: { e: TicketEvent; unit: string; claims: boolean } | null = null;
    for (const e of w.events) {
      const before: Ticket | null = t;
      t = applyEvent(t, e);
      const d = e.data;
      if (d.type === 'returned' && before?.unit) pendingReturn = { e, unit: before.unit };
      if (d.type === 'dispatched' && pendingReturn && before) {
        if (before.state === 'returned' && d.unit === pendingReturn.unit && inPeriod(pendingReturn.e.at) && opts.assigned.get(w.ticket.id)?.unit === d.unit && wanted(d.unit)) {
          refused.set(d.unit, [...(refused.get(d.unit) ?? []), { w, ret: pendingReturn.e, back: e, before }]);
        }
        pendingReturn = null;
      }
      if (d.type === 'replied' && before?.unit) {
        lastReply = { e, unit: before.unit, claims: claimsSolved(d.reply) };
        if (inPeriod(e.at) && wanted(before.unit)) {
          const norm = normaliseForCompare(d.reply);
          if ([...norm].length >= o.copyMinChars) replies.set(before.unit, [...(replies.get(before.unit) ?? []), { w, e, norm }]);
        }
      }
      if (d.type === 'followed_up' && d.result.satisfaction !== '未回访' && lastReply) {
        const r = d.result;
        if (lastReply.claims && isNegativeFollowUp(r) && inPeriod(e.at) && wanted(lastReply.unit)) {
          const n = w.ticket.number;
          flags.push({
            id: `false_completion:followup:${w.ticket.id}:${e.seq}`,
            kind: 'false_completion',
            kindLabel: FLAG_LABELS.false_completion,
            basis: 'followup',
            unit: lastReply.unit,
            summary: `工单${n}答复称已办理（${shorten((lastReply.e.data as { reply: string }).reply)}），回访为「${r.satisfaction}${r.solved === false ? '、未解决' : ''}」`,
            ticketIds: [w.ticket.id],
            numbers: [n],
            events: [evidenceEvent(lastReply.e, w.ticket), evidenceEvent(e, w.ticket)],
            followUps: [evidenceFollowUp(e, w.ticket)!],
          });
        }
        lastReply = null;
      }
    }
  }
  for (const [unit, xs] of refused) {
    if (xs.length < o.minRefusedReturns) continue;
    const ids = [...new Set(xs.map((x) => x.w.ticket.id))];
    const numbers = [...new Set(xs.map((x) => x.w.ticket.number))];
    flags.push({
      id: `shirking:${unit}:${ids[0]}`,
      kind: 'shirking',
      kindLabel: FLAG_LABELS.shirking,
      basis: 'refused_returns',
      unit,
      summary: `${unit}在本期内 ${xs.length} 次退回职责清单明确由其承办的事项，均被热线办驳回重派（${numbers.join('、')}）`,
      ticketIds: ids,
      numbers,
      events: xs.flatMap((x) => [evidenceEvent(x.ret, x.w.ticket), evidenceEvent(x.back, x.w.ticket, x.before)]),
      followUps: [],
      dutyEvidence: Object.fromEntries(xs.map((x) => [x.w.ticket.number, opts.assigned.get(x.w.ticket.id)?.evidence ?? []])),
    });
  }

  // ---- 虚假办结: the same citizen, the same matter, within repeatDays of the close ----
  const byContact = new Map<string, Walked[]>();
  for (const w of tickets) if (w.ticket.contact) byContact.set(w.ticket.contact, [...(byContact.get(w.ticket.contact) ?? []), w]);
  for (const w of tickets) {
    if (!w.ticket.contact) continue;
    const closes = w.events.filter((e) => e.data.type === 'closed' && inPeriod(e.at));
    const close = closes[closes.length - 1];
    if (!close) continue;
    // The reply that closed it, and who gave it.
    let t: Ticket | null = null;
    let reply: { e: TicketEvent; unit: string } | null = null;
    for (const e of w.events) {
      const before: Ticket | null = t;
      t = applyEvent(t, e);
      if (e.seq > close.seq) break;
      if (e.data.type === 'replied' && before?.unit) reply = { e, unit: before.unit };
    }
    if (!reply || !wanted(reply.unit) || !claimsSolved((reply.e.data as { reply: string }).reply)) continue;
    const unit = reply.unit;
    const until = close.at.getTime() + o.repeatDays * 86_400_000;
    const text = normaliseForCompare(w.ticket.content);
    const place = canonicalPlace(w.ticket.place, w.ticket.content);
    const again: { w: Walked; sim: number; samePlace: boolean }[] = [];
    for (const b of byContact.get(w.ticket.contact) ?? []) {
      if (b === w || b.ticket.mergedInto === w.ticket.id) continue;
      const at = b.ticket.createdAt.getTime();
      if (at <= close.at.getTime() || at > until) continue;
      // The same unit: the one that has the new ticket, or the one the 职责清单 gives its matter.
      if (b.ticket.unit !== unit && opts.assigned.get(b.ticket.id)?.unit !== unit) continue;
      const sim = textSimilarity(text, normaliseForCompare(b.ticket.content));
      const bPlace = canonicalPlace(b.ticket.place, b.ticket.content);
      const samePlace = !!place && !!bPlace && place === bPlace;
      if (sim >= o.repeatTextSimilarity || samePlace) again.push({ w: b, sim, samePlace });
    }
    if (!again.length) continue;
    const created = (x: Walked) => x.events.find((e) => e.data.type === 'created')!;
    const fus = w.events.filter((e) => e.data.type === 'followed_up').map((e) => evidenceFollowUp(e, w.ticket)!);
    const days = (x: Walked) => Math.max(1, Math.ceil((x.ticket.createdAt.getTime() - close.at.getTime()) / 86_400_000));
    flags.push({
      id: `false_completion:repeat:${w.ticket.id}`,
      kind: 'false_completion',
      kindLabel: FLAG_LABELS.false_completion,
      basis: 'repeat_call',
      unit,
      summary: `工单${w.ticket.number}答复已办结后，同一来电人在 ${again.map((a) => `${days(a.w)} 天后（${a.w.ticket.number}${a.samePlace ? '，同一地点' : ''}）`).join('、')}再次反映同一事项`,
      ticketIds: [w.ticket.id, ...again.map((a) => a.w.ticket.id)],
      numbers: [w.ticket.number, ...again.map((a) => a.w.ticket.number)],
      events: [evidenceEvent(reply.e, w.ticket), evidenceEvent(close, w.ticket), ...again.map((a) => evidenceEvent(created(a.w), a.w.ticket))],
      followUps: fus,
      similarity: Math.round(Math.max(...again.map((a) => a.sim)) * 1000) / 1000,
    });
  }

  // ---- 复制答复: near-identical replies on different tickets of one unit ----
  for (const [unit, unsorted] of replies) {
    // Shortest first: Dice ≥ s needs 2·min/(a+b) ≥ s, so once a text is too long for the i-th, so are the rest.
    const xs = unsorted.map((x) => ({ ...x, g: grams(x.norm) })).sort((a, b) => a.g.size - b.g.size);
    const parent = xs.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    const best = new Map<number, number>();
    for (let i = 0; i < xs.length; i++) {
      for (let j = i + 1; j < xs.length; j++) {
        if ((2 * xs[i]!.g.size) / (xs[i]!.g.size + xs[j]!.g.size) < o.copySimilarity) break;
        if (xs[i]!.w === xs[j]!.w) continue;
        const s = xs[i]!.norm === xs[j]!.norm ? 1 : dice(xs[i]!.g, xs[j]!.g);
        if (s < o.copySimilarity) continue;
        const [a, b] = [find(i), find(j)];
        if (a !== b) parent[b] = a;
        best.set(i, Math.max(best.get(i) ?? 0, s));
        best.set(j, Math.max(best.get(j) ?? 0, s));
      }
    }
    const groups = new Map<number, number[]>();
    for (let i = 0; i < xs.length; i++) if (best.has(i)) groups.set(find(i), [...(groups.get(find(i)) ?? []), i]);
    for (const members of groups.values()) {
      const ws = [...new Set(members.map((i) => xs[i]!.w))];
      if (ws.length < o.copyMinTickets) continue;
      const first = xs[members[0]!]!;
      flags.push({
        id: `copied_reply:${unit}:${first.w.ticket.id}:${first.e.seq}`,
        kind: 'copied_reply',
        kindLabel: FLAG_LABELS.copied_reply,
        basis: 'copied_reply',
        unit,
        summary: `${unit}在 ${ws.length} 件不同工单上给出几乎相同的答复：「${shorten((first.e.data as { reply: string }).reply)}」`,
        ticketIds: ws.map((w) => w.ticket.id),
        numbers: ws.map((w) => w.ticket.number),
        events: members.map((i) => evidenceEvent(xs[i]!.e, xs[i]!.w.ticket)),
        followUps: [],
        similarity: Math.round(Math.min(...members.map((i) => best.get(i)!)) * 1000) / 1000,
      });
    }
  }
  const order: Record<FlagKind, number> = { shirking: 0, false_completion: 1, copied_reply: 2 };
  return flags.sort((a, b) => a.unit.localeCompare(b.unit, 'zh') || order[a.kind] - order[b.kind] || a.id.localeCompare(b.id));
}

const shorten = (s: string) => ([...s].length > 40 ? `${[...s].slice(0, 40).join('')}…` : s);
