/**
 * 一次性答复率 (issue 24): the share of 咨询 received that were answered on the first contact from
 * the knowledge base (直接答复 at the desk, by a bot or by the IVR) instead of being dispatched.
 *
 *   一次性答复率 = answered on first contact / 咨询 received
 *
 * A 咨询 is received when its ticket is created in the period with category 咨询 (an answered ticket
 * is a 咨询 by definition). It counts as answered on first contact when an `answered` event follows,
 * whenever that is; `reopened` counts those a citizen's 回访 sent on to dispatch afterwards (不满意).
 * Per channel, per operator (who answered; for a 咨询 not answered, the operator who took it, or
 * 自助渠道 when a bot or the IVR took it) and per day or month (Shanghai).
 */
import { shanghaiParts } from '../clock.js';
import type { TicketEvent } from '../tickets/events.js';

export const FIRST_CONTACT_GROUPS = ['city', 'channel', 'operator', 'day', 'month'] as const;
export type FirstContactGroup = (typeof FIRST_CONTACT_GROUPS)[number];

export interface FirstContactRow {
  key: string;
  label: string;
  /** 咨询 received in the period */
  consultations: number;
  /** of them answered on the first contact */
  answered: number;
  /** answered / consultations; null without consultations */
  rate: number | null;
  /** answered, then reopened into dispatch by the citizen's 回访 */
  reopened: number;
}

const CHANNEL_LABELS: Record<string, string> = { phone: '电话', wechat: '微信', 'wechat-mp': '公众号', sms: '短信', web: '网站', open311: 'Open311', grid: '网格' };
export const SELF_SERVICE = '自助渠道';

export function channelLabel(c: string): string {
  return CHANNEL_LABELS[c] ?? (c.startsWith('platform:') ? `平台:${c.slice(9)}` : c);
}

interface Counted {
  channel: string;
  operator: string;
  createdAt: Date;
  answered: boolean;
  reopened: boolean;
}

const PERSON_ROLES = new Set(['operator', 'supervisor', 'admin']);

/** One ticket's history → what it adds, or null when it is no 咨询 received in the period. */
function count(events: readonly TicketEvent[], period: { from: Date; to: Date }): Counted | null {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const created = sorted[0];
  if (!created || created.data.type !== 'created') return null;
  const at = created.at.getTime();
  if (at < period.from.getTime() || at >= period.to.getTime()) return null;
  const answer = sorted.find((e) => e.data.type === 'answered');
  let category = created.data.category as string;
  for (const e of sorted) if (e.data.type === 'updated' && e.data.changes.category && e.at.getTime() < period.to.getTime()) category = e.data.changes.category;
  if (category !== '咨询' && !answer) return null;
  const reopened = !!answer && sorted.some((e) => e.seq > answer.seq && e.data.type === 'reopened');
  const who = answer ?? created;
  const operator = PERSON_ROLES.has(who.actorRole) ? who.actorName || who.actorId : SELF_SERVICE;
  return { channel: created.data.channel, operator, createdAt: created.at, answered: !!answer, reopened };
}

function keyOf(c: Counted, group: FirstContactGroup): [string, string] {
  switch (group) {
    case 'city':
      return ['city', '全市'];
    case 'channel':
      return [c.channel, channelLabel(c.channel)];
    case 'operator':
      return [c.operator, c.operator];
    case 'day': {
      const d = shanghaiParts(c.createdAt).date;
      return [d, d];
    }
    case 'month': {
      const m = shanghaiParts(c.createdAt).date.slice(0, 7);
      return [m, m];
    }
  }
}

/** The rows of one grouping, largest first (days and months in order), and the city total last. */
export function firstContactFigures(histories: Iterable<readonly TicketEvent[]>, period: { from: Date; to: Date }, group: FirstContactGroup): { rows: FirstContactRow[]; total: FirstContactRow } {
  const rows = new Map<string, FirstContactRow>();
  const total: FirstContactRow = { key: 'city', label: '全市', consultations: 0, answered: 0, rate: null, reopened: 0 };
  for (const events of histories) {
    const c = count(events, period);
    if (!c) continue;
    const [key, label] = keyOf(c, group);
    const row = rows.get(key) ?? { key, label, consultations: 0, answered: 0, rate: null, reopened: 0 };
    for (const r of [row, total]) {
      r.consultations++;
      if (c.answered) r.answered++;
      if (c.reopened) r.reopened++;
    }
    rows.set(key, row);
  }
  const rate = (r: FirstContactRow) => ({ ...r, rate: r.consultations ? r.answered / r.consultations : null });
  const list = [...rows.values()].map(rate);
  if (group === 'day' || group === 'month') list.sort((a, b) => a.key.localeCompare(b.key));
  else list.sort((a, b) => b.consultations - a.consultations || a.key.localeCompare(b.key));
  return { rows: list, total: rate(total) };
}

/**
 * Questions that found no entry, grouped: questions sharing their two most telling terms are one
 * item (similar text), each item with its count, the terms and a few examples, per unit.
 * `terms` splits a question into words (jieba in production); `unitOf` names the unit that
 * should write the entry (the classifier's unit, or null for the hotline office).
 */
export interface MissGroup {
  unit: string | null;
  terms: string[];
  count: number;
  examples: string[];
  channels: Record<string, number>;
  lastAt: string;
}

const STOP = new Set(['怎么', '怎样', '如何', '什么', '哪里', '哪儿', '请问', '需要', '可以', '能不能', '是否', '我们', '你们', '我', '的', '了', '吗', '呢', '吧', '啊', '在', '是', '有', '要', '去', '想', '问', '一下', '这个', '那个', '现在', '还', '和', '与', '办理', '多少', '多久']);

export function groupMisses(
  misses: readonly { question: string; channel: string; at: Date }[],
  terms: (text: string) => string[],
  unitOf: (text: string) => string | null,
): MissGroup[] {
  const tokenised = misses.map((m) => ({ m, words: [...new Set(terms(m.question).map((w) => w.trim()).filter((w) => w.length >= 2 && !STOP.has(w) && !/^[\d\p{P}\s]+$/u.test(w)))] }));
  // How telling a term is: rarer across all questions is more telling; ties by length.
  const df = new Map<string, number>();
  for (const { words } of tokenised) for (const w of words) df.set(w, (df.get(w) ?? 0) + 1);
  const groups = new Map<string, MissGroup>();
  for (const { m, words } of tokenised) {
    // The two terms shared most often with other questions: what the questions are about.
    const key = [...words].sort((a, b) => (df.get(b) ?? 0) - (df.get(a) ?? 0) || b.length - a.length || a.localeCompare(b)).slice(0, 2).sort();
    const unit = unitOf(m.question);
    const id = `${unit ?? ''}|${key.join('+') || m.question.slice(0, 20)}`;
    const g = groups.get(id) ?? { unit, terms: key, count: 0, examples: [], channels: {}, lastAt: m.at.toISOString() };
    g.count++;
    if (g.examples.length < 3 && !g.examples.includes(m.question)) g.examples.push(m.question);
    g.channels[m.channel] = (g.channels[m.channel] ?? 0) + 1;
    if (m.at.toISOString() > g.lastAt) g.lastAt = m.at.toISOString();
    groups.set(id, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || b.lastAt.localeCompare(a.lastAt));
}
