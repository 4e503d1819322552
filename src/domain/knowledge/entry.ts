/**
 * The policy knowledge base (知识库): entries, their review states and staleness. Pure functions:
 * every change returns a new entry and names the history record the store appends.
 *
 * A unit drafts or updates its own unit's entries; the hotline office (supervisor, admin) approves
 * or rejects them. An entry has two contents: `published`, the approved one that is served, and
 * `draft`, the revision being written or waiting for review. An approved entry that a unit edits
 * keeps serving its published content until the new revision is approved.
 */
import { invalid, conflict, forbidden } from '../errors.js';
import { shanghaiParts } from '../clock.js';
import { isValidDate } from '../sla/dates.js';
import type { Role } from '../policy.js';

/** What one revision of an entry says. Dates are Shanghai calendar days, both ends inclusive. */
export interface KnowledgeContent {
  title: string;
  /** Other ways citizens ask the same question (相似问法). */
  variants: string[];
  /** Plain text, short enough to read out or send by SMS. */
  answer: string;
  /** The owning unit (a directory unit name), null for the hotline office's own entries. */
  unit: string | null;
  tags: string[];
  validFrom: string | null;
  validTo: string | null;
  /** The policy document the answer rests on (政策依据). */
  source: string | null;
  /** The phone IVR may read this answer out. */
  readable: boolean;
}

/**
 * draft: being written, not yet submitted; pending: waiting for the office; approved: the latest
 * revision is the published one; rejected: the office sent the latest revision back (with a reason);
 * withdrawn: the office took the entry out of service (history kept; a new revision may bring it back).
 */
export const REVIEW_STATES = ['draft', 'pending', 'approved', 'rejected', 'withdrawn'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export const REVIEW_STATE_LABELS: Record<ReviewState, string> = { draft: '草稿', pending: '待审核', approved: '已发布', rejected: '已退回', withdrawn: '已停用' };

export interface KnowledgeEntry {
  id: string;
  /** The owning unit of the latest revision. */
  unit: string | null;
  state: ReviewState;
  /** Title of the latest revision (draft if any, else published). */
  title: string;
  published: KnowledgeContent | null;
  draft: KnowledgeContent | null;
  /** Demo data (示例). */
  sample: boolean;
  /** The id of this entry in the centre's own 知识库, when imported. */
  externalId: string | null;
  rejectReason: string | null;
  /** When the office last approved (reviewed) the entry. */
  reviewedAt: Date | null;
  reviewedBy: string | null;
  createdAt: Date;
  createdBy: string | null;
  updatedAt: Date;
  /** Bumped on every change (optimistic concurrency). */
  version: number;
}

export type KnowledgeAction = 'create' | 'update' | 'submit' | 'approve' | 'reject' | 'withdraw' | 'import';

export const KNOWLEDGE_ACTION_LABELS: Record<KnowledgeAction, string> = { create: '新建', update: '修改', submit: '提交审核', approve: '审核通过', reject: '退回', withdraw: '停用', import: '导入' };

/** Who acts on the knowledge base. */
export interface KnowledgeActor {
  id: string;
  name: string | null;
  role: Role;
  unit: string | null;
}

/** One line of an entry's history: who, when, what (the revision's content after the change). */
export interface KnowledgeHistoryRecord {
  at: Date;
  actorId: string;
  actorName: string | null;
  actorRole: Role | 'system';
  action: KnowledgeAction;
  content: KnowledgeContent | null;
  note: string | null;
}

export interface KnowledgeChange {
  entry: KnowledgeEntry;
  record: KnowledgeHistoryRecord;
}

export const LIMITS = { title: 100, variant: 200, variants: 50, answer: 2000, tag: 20, tags: 20, source: 500, unit: 100 } as const;
/** An answer over this many characters is too long to read out; the editor warns. */
export const READABLE_MAX_CHARS = 300;
/** An entry not reviewed for this many months is listed as stale for its unit. */
export const REVIEW_MONTHS = 12;

/** The hotline office decides: approves, rejects, withdraws, edits every unit's entries. */
export const isKnowledgeReviewer = (a: { role: Role }) => a.role === 'supervisor' || a.role === 'admin';

/** Everyone signed in reads the knowledge base (operators answer from it). */
export const mayReadKnowledge = (_a: { role: Role }) => true;

/** Whether `a` may write (create, update, submit) an entry owned by `unit`. */
export function mayEditKnowledge(a: { role: Role; unit: string | null }, unit: string | null): boolean {
  if (isKnowledgeReviewer(a)) return true;
  return a.role === 'unit' && !!a.unit && a.unit === unit;
}

export interface ContentInput {
  title?: unknown;
  variants?: unknown;
  answer?: unknown;
  unit?: unknown;
  tags?: unknown;
  validFrom?: unknown;
  validTo?: unknown;
  source?: unknown;
  readable?: unknown;
}

const collapse = (s: string) => s.replace(/[\t\r ]+/g, ' ').trim();

function text(v: unknown, field: string, max: number, required: boolean): string | null {
  if (v === undefined || v === null || (typeof v === 'string' && collapse(v) === '')) {
    if (required) throw invalid('invalid_knowledge', `${field} 不能为空 (${field} is required)`, { field });
    return null;
  }
  if (typeof v !== 'string') throw invalid('invalid_knowledge', `${field} 须为文本 (${field} must be a string)`, { field });
  const s = field === 'answer' ? v.replace(/\r\n?/g, '\n').split('\n').map(collapse).join('\n').replace(/\n{3,}/g, '\n\n').trim() : collapse(v.replace(/[\r\n]+/g, ' '));
  if (s.length > max) throw invalid('invalid_knowledge', `${field} 超过 ${max} 字 (${field} is longer than ${max} characters)`, { field, max });
  return s;
}

function list(v: unknown, field: string, maxEach: number, maxCount: number): string[] {
  if (v === undefined || v === null) return [];
  const items = typeof v === 'string' ? v.split(/[\n;；|｜]+/) : v;
  if (!Array.isArray(items)) throw invalid('invalid_knowledge', `${field} 须为文本列表 (${field} must be a list of strings)`, { field });
  const out: string[] = [];
  for (const it of items) {
    if (typeof it !== 'string') throw invalid('invalid_knowledge', `${field} 须为文本列表 (${field} must be a list of strings)`, { field });
    const s = collapse(it);
    if (!s) continue;
    if (s.length > maxEach) throw invalid('invalid_knowledge', `${field} 的一项超过 ${maxEach} 字 (an item of ${field} is longer than ${maxEach} characters)`, { field, max: maxEach });
    if (!out.includes(s)) out.push(s);
  }
  if (out.length > maxCount) throw invalid('invalid_knowledge', `${field} 最多 ${maxCount} 项 (${field} takes at most ${maxCount} items)`, { field, max: maxCount });
  return out;
}

function date(v: unknown, field: string): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') {
    const s = v.trim().replace(/[年/.]/g, '-').replace(/月/g, '-').replace(/日$/, '');
    const m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
    const iso = m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : s;
    if (isValidDate(iso)) return iso;
  }
  throw invalid('invalid_knowledge', `${field} 须为日期 YYYY-MM-DD (${field} must be a date YYYY-MM-DD)`, { field });
}

/** Checks and normalises an entry's content (trimmed text, de-duplicated variants and tags, ISO dates). */
export function normalizeContent(input: ContentInput, base?: KnowledgeContent): KnowledgeContent {
  const pick = <K extends keyof ContentInput & keyof KnowledgeContent>(k: K): unknown => (input[k] !== undefined ? input[k] : base?.[k]);
  const title = text(pick('title'), 'title', LIMITS.title, true)!;
  const answer = text(pick('answer'), 'answer', LIMITS.answer, true)!;
  const variants = list(pick('variants'), 'variants', LIMITS.variant, LIMITS.variants).filter((v) => v !== title);
  const tags = list(pick('tags'), 'tags', LIMITS.tag, LIMITS.tags);
  const unit = text(pick('unit'), 'unit', LIMITS.unit, false);
  const source = text(pick('source'), 'source', LIMITS.source, false);
  const validFrom = date(pick('validFrom'), 'validFrom');
  const validTo = date(pick('validTo'), 'validTo');
  if (validFrom && validTo && validTo < validFrom) throw invalid('invalid_knowledge', '失效日期早于生效日期 (validTo is before validFrom)', { field: 'validTo' });
  const readableIn = pick('readable');
  if (readableIn !== undefined && readableIn !== null && typeof readableIn !== 'boolean') throw invalid('invalid_knowledge', 'readable 须为 true/false (readable must be a boolean)', { field: 'readable' });
  return { title, variants, answer, unit, tags, validFrom, validTo, source, readable: readableIn === true };
}

/** Shanghai calendar day of an instant. */
export const dayOf = (at: Date) => shanghaiParts(at).date;

/** Whether a content is in force on the Shanghai day of `at`. */
export function inForce(c: Pick<KnowledgeContent, 'validFrom' | 'validTo'>, at: Date): boolean {
  const day = dayOf(at);
  return (!c.validFrom || c.validFrom <= day) && (!c.validTo || day <= c.validTo);
}

/** The content to serve at `at` (approved and in force), or null. */
export function servedContent(e: Pick<KnowledgeEntry, 'published'>, at: Date): KnowledgeContent | null {
  return e.published && inForce(e.published, at) ? e.published : null;
}

/** The content an editor starts from: the working revision, else the published one. */
export const latestContent = (e: Pick<KnowledgeEntry, 'draft' | 'published'>): KnowledgeContent | null => e.draft ?? e.published;

const record = (actor: KnowledgeActor, at: Date, action: KnowledgeAction, content: KnowledgeContent | null, note: string | null = null): KnowledgeHistoryRecord => ({
  at,
  actorId: actor.id,
  actorName: actor.name,
  actorRole: actor.role,
  action,
  content,
  note,
});

function requireEdit(actor: KnowledgeActor, unit: string | null) {
  if (!mayEditKnowledge(actor, unit)) throw forbidden(actor.role === 'unit' ? '只能编辑本单位的知识条目 (a unit edits only its own entries)' : '没有编辑知识库的权限 (not allowed to edit the knowledge base)');
}

function requireReviewer(actor: KnowledgeActor) {
  if (!isKnowledgeReviewer(actor)) throw forbidden('只有热线办（督办员、管理员）可以审核知识条目 (only the hotline office reviews entries)');
}

function illegal(e: KnowledgeEntry, action: KnowledgeAction): never {
  throw conflict('knowledge_state', `知识条目当前为「${REVIEW_STATE_LABELS[e.state]}」，不能${KNOWLEDGE_ACTION_LABELS[action]} (entry is ${e.state}; cannot ${action})`, { state: e.state, action });
}

export interface CreateOptions {
  sample?: boolean;
  externalId?: string | null;
  /** Imports may arrive approved (a centre's own, already reviewed 知识库; demo data). Reviewers only. */
  approved?: boolean;
  action?: 'create' | 'import';
}

/** A new entry: a draft of `actor`'s unit (a unit may only create its own unit's entries). */
export function createEntry(id: string, input: ContentInput, actor: KnowledgeActor, at: Date, opts: CreateOptions = {}): KnowledgeChange {
  const content = normalizeContent({ ...input, unit: input.unit !== undefined ? input.unit : actor.role === 'unit' ? actor.unit : null });
  requireEdit(actor, content.unit);
  if (opts.approved) requireReviewer(actor);
  const entry: KnowledgeEntry = {
    id,
    unit: content.unit,
    state: opts.approved ? 'approved' : 'draft',
    title: content.title,
    published: opts.approved ? content : null,
    draft: opts.approved ? null : content,
    sample: opts.sample ?? false,
    externalId: opts.externalId ?? null,
    rejectReason: null,
    reviewedAt: opts.approved ? at : null,
    reviewedBy: opts.approved ? actor.id : null,
    createdAt: at,
    createdBy: actor.id,
    updatedAt: at,
    version: 1,
  };
  return { entry, record: record(actor, at, opts.action ?? 'create', content, opts.approved ? '导入即发布 (imported as approved)' : null) };
}

const bump = (e: KnowledgeEntry, at: Date, patch: Partial<KnowledgeEntry>): KnowledgeEntry => ({ ...e, ...patch, updatedAt: at, version: e.version + 1 });

/**
 * A new revision. It becomes the draft; whatever was published goes on being served until the
 * draft is approved. A unit may not move an entry to another unit.
 */
export function updateEntry(e: KnowledgeEntry, input: ContentInput, actor: KnowledgeActor, at: Date, action: 'update' | 'import' = 'update'): KnowledgeChange {
  requireEdit(actor, e.unit);
  const base = latestContent(e) ?? undefined;
  const content = normalizeContent(input, base);
  requireEdit(actor, content.unit);
  const entry = bump(e, at, { draft: content, title: content.title, unit: content.unit, state: 'draft', rejectReason: null });
  return { entry, record: record(actor, at, action, content) };
}

/**
 * Sends the working revision to the office. On an approved entry without a draft it asks for a
 * re-review of the published content (复核: the office confirms it is still right).
 */
export function submitEntry(e: KnowledgeEntry, actor: KnowledgeActor, at: Date, note: string | null = null): KnowledgeChange {
  requireEdit(actor, e.unit);
  if (e.state === 'pending') illegal(e, 'submit');
  const content = e.draft ?? e.published;
  if (!content) illegal(e, 'submit');
  const entry = bump(e, at, { draft: content, state: 'pending', rejectReason: null });
  return { entry, record: record(actor, at, 'submit', content, note) };
}

/**
 * The office approves the revision under review: it becomes the published content and the entry
 * counts as reviewed now. (The office's own drafts are submitted and approved like a unit's.)
 */
export function approveEntry(e: KnowledgeEntry, actor: KnowledgeActor, at: Date, note: string | null = null): KnowledgeChange {
  requireReviewer(actor);
  if (e.state !== 'pending' || !e.draft) illegal(e, 'approve');
  const content = e.draft;
  const entry = bump(e, at, { published: content, draft: null, state: 'approved', title: content.title, unit: content.unit, rejectReason: null, reviewedAt: at, reviewedBy: actor.id });
  return { entry, record: record(actor, at, 'approve', content, note) };
}

/** The office sends a revision under review back with a reason; the published content (if any) stays served. */
export function rejectEntry(e: KnowledgeEntry, actor: KnowledgeActor, at: Date, reason: string): KnowledgeChange {
  requireReviewer(actor);
  const why = typeof reason === 'string' ? collapse(reason) : '';
  if (!why) throw invalid('invalid_knowledge', '退回须说明原因 (a rejection needs a reason)', { field: 'reason' });
  if (why.length > 500) throw invalid('invalid_knowledge', '原因超过 500 字 (reason is longer than 500 characters)', { field: 'reason' });
  if (e.state !== 'pending') illegal(e, 'reject');
  const entry = bump(e, at, { state: 'rejected', rejectReason: why });
  return { entry, record: record(actor, at, 'reject', e.draft, why) };
}

/** The office takes an entry out of service; history stays, and a new approved revision brings it back. */
export function withdrawEntry(e: KnowledgeEntry, actor: KnowledgeActor, at: Date, reason: string | null = null): KnowledgeChange {
  requireReviewer(actor);
  if (e.state === 'withdrawn') illegal(e, 'withdraw');
  const entry = bump(e, at, { published: null, draft: latestContent(e), state: 'withdrawn' });
  return { entry, record: record(actor, at, 'withdraw', null, reason) };
}

export type StaleReason = 'expired' | 'unreviewed';
export const STALE_REASON_LABELS: Record<StaleReason, string> = { expired: '已过失效日期', unreviewed: `超过 ${REVIEW_MONTHS} 个月未复核` };

/** The Shanghai day `months` calendar months before `day` (clamped to the month's end). */
export function monthsBefore(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) - months;
  const yy = Math.floor(total / 12);
  const mm = (total % 12) + 1;
  const last = new Date(Date.UTC(yy, mm, 0)).getUTCDate();
  return `${yy}-${String(mm).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/**
 * Why an entry in service needs its unit's attention at `at`: its published content is past its
 * valid-to day, or the office has not reviewed it for 12 months. Drafts and withdrawn entries are
 * not stale (they are not served).
 */
export function staleness(e: Pick<KnowledgeEntry, 'published' | 'reviewedAt' | 'createdAt'>, at: Date): StaleReason[] {
  if (!e.published) return [];
  const out: StaleReason[] = [];
  const today = dayOf(at);
  if (e.published.validTo && e.published.validTo < today) out.push('expired');
  const reviewed = dayOf(e.reviewedAt ?? e.createdAt);
  if (reviewed <= monthsBefore(today, REVIEW_MONTHS)) out.push('unreviewed');
  return out;
}
