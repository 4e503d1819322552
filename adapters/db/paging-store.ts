import { and, asc, desc, eq, gte, inArray, isNotNull, sql } from 'drizzle-orm';
import type { JobSpec } from '../../src/application/ports/jobs.js';
import type { AttemptPatch, Page, PageAttempt, PageFilter, PageLock, PagePatch, PageStatus, PageWriter, PagingStore } from '../../src/application/paging/ports.js';
import type { Database, Db } from './database.js';
import { cancelJobsByPrefix, insertJobs } from './job-store.js';

type PageRow = Database['t']['pages']['$inferSelect'];
type AttemptRow = Database['t']['pageAttempts']['$inferSelect'];

const date = (n: number | null | undefined) => (n === null || n === undefined ? null : new Date(Number(n)));

function toPage(r: PageRow): Page {
  return {
    id: r.id,
    ticketId: r.ticketId,
    ticketNumber: r.ticketNumber,
    unit: r.unit,
    reason: r.reason as Page['reason'],
    status: r.status as PageStatus,
    chain: r.chain as Page['chain'],
    vars: r.vars as Page['vars'],
    step: r.step,
    attempt: r.attempt,
    next: r.nextStep !== null && r.nextAttempt !== null && r.nextAt !== null ? { step: r.nextStep, attempt: r.nextAttempt, at: new Date(Number(r.nextAt)) } : null,
    startedAt: new Date(Number(r.startedAt)),
    startedBy: r.startedBy,
    endedAt: date(r.endedAt),
    endReason: r.endReason,
    ack: r.ackedAt !== null && r.ackedAt !== undefined ? { at: new Date(Number(r.ackedAt)), by: r.ackedBy ?? '', byId: r.ackedById ?? '', via: r.ackVia as NonNullable<Page['ack']>['via'] } : null,
  };
}

/**
 * The slot a running page holds: one per ticket, and beside it one per 协办 unit paged by a 联动
 * (reason assist), so each unit's page runs, is acknowledged and escalates on its own.
 */
export function runningKeyOf(page: Pick<Page, 'ticketId' | 'reason' | 'unit'>): string {
  return page.reason === 'assist' && page.unit ? `${page.ticketId}:assist:${page.unit}` : page.ticketId;
}

function pagePatch(p: PagePatch): Partial<PageRow> {
  const out: Partial<PageRow> = {};
  if (p.status !== undefined) {
    out.status = p.status;
    // only a running page holds the per-ticket slot
    if (p.status !== 'running') out.runningKey = null;
  }
  if (p.step !== undefined) out.step = p.step;
  if (p.attempt !== undefined) out.attempt = p.attempt;
  if (p.next !== undefined) {
    out.nextStep = p.next?.step ?? null;
    out.nextAttempt = p.next?.attempt ?? null;
    out.nextAt = p.next ? p.next.at.getTime() : null;
  }
  if (p.endedAt !== undefined) out.endedAt = p.endedAt ? p.endedAt.getTime() : null;
  if (p.endReason !== undefined) out.endReason = p.endReason;
  if (p.ack !== undefined) {
    out.ackedAt = p.ack ? p.ack.at.getTime() : null;
    out.ackedBy = p.ack?.by ?? null;
    out.ackedById = p.ack?.byId ?? null;
    out.ackVia = p.ack?.via ?? null;
  }
  return out;
}

function toAttempt(r: AttemptRow): PageAttempt {
  return {
    pageId: r.pageId,
    ticketId: r.ticketId,
    step: r.step,
    attempt: r.attempt,
    target: r.target as PageAttempt['target'],
    targetName: r.targetName,
    channel: r.channel as PageAttempt['channel'],
    to: r.to,
    code: r.code,
    status: r.status as PageAttempt['status'],
    providerId: r.providerId,
    outcome: r.outcome,
    result: r.result,
    error: r.error,
    at: new Date(Number(r.at)),
    endedAt: date(r.endedAt),
  };
}

/** FIFO locks by key, for SQLite where one process owns the database. */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export class SqlPagingStore implements PagingStore {
  private readonly locks = new KeyedMutex();
  constructor(private readonly d: Database) {}

  private get t() {
    return this.d.t;
  }

  async create(page: Page, sourceKey: string | null, firstJob: JobSpec) {
    const p = this.t.pages;
    return this.d.tx(async (tx) => {
      const inserted = await tx
        .insert(p)
        .values({
          id: page.id,
          ticketId: page.ticketId,
          ticketNumber: page.ticketNumber,
          unit: page.unit,
          reason: page.reason,
          status: page.status,
          runningKey: runningKeyOf(page),
          sourceKey,
          chain: page.chain,
          vars: page.vars,
          step: page.step,
          attempt: page.attempt,
          nextStep: page.next?.step ?? null,
          nextAttempt: page.next?.attempt ?? null,
          nextAt: page.next?.at.getTime() ?? null,
          startedAt: page.startedAt.getTime(),
          startedBy: page.startedBy,
        })
        .onConflictDoNothing()
        .returning({ id: p.id });
      if (inserted.length) {
        await insertJobs(tx, this.d, [firstJob], page.startedAt);
        return { page, created: true };
      }
      const [existing] = await tx
        .select()
        .from(p)
        .where(sourceKey ? sql`${p.sourceKey} = ${sourceKey} OR ${p.runningKey} = ${runningKeyOf(page)}` : eq(p.runningKey, runningKeyOf(page)))
        .limit(1);
      if (!existing) throw new Error(`page for ticket ${page.ticketId} conflicted but was not found`);
      return { page: toPage(existing), created: false };
    });
  }

  async get(id: string) {
    const [r] = await this.d.db.select().from(this.t.pages).where(eq(this.t.pages.id, id)).limit(1);
    return r ? toPage(r) : null;
  }

  async runningForTicket(ticketId: string) {
    const [r] = await this.d.db.select().from(this.t.pages).where(eq(this.t.pages.runningKey, ticketId)).limit(1);
    return r ? toPage(r) : null;
  }

  async list(f: PageFilter) {
    const p = this.t.pages;
    const conds = [];
    if (f.status) conds.push(eq(p.status, f.status));
    if (f.unit) conds.push(eq(p.unit, f.unit));
    if (f.ticketId) conds.push(eq(p.ticketId, f.ticketId));
    const rows = await this.d.db
      .select()
      .from(p)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(p.startedAt))
      .limit(f.limit ?? 200);
    return rows.map(toPage);
  }

  async attempts(pageId: string) {
    const a = this.t.pageAttempts;
    const rows = await this.d.db.select().from(a).where(eq(a.pageId, pageId)).orderBy(asc(a.id));
    return rows.map(toAttempt);
  }

  async attemptsOf(pageIds: string[]) {
    const out = new Map<string, PageAttempt[]>(pageIds.map((id) => [id, []]));
    if (!pageIds.length) return out;
    const a = this.t.pageAttempts;
    const rows = await this.d.db.select().from(a).where(inArray(a.pageId, pageIds)).orderBy(asc(a.id));
    for (const r of rows) out.get(r.pageId)?.push(toAttempt(r));
    return out;
  }

  async attemptByProvider(providerId: string) {
    const a = this.t.pageAttempts;
    const [r] = await this.d.db.select().from(a).where(eq(a.providerId, providerId)).limit(1);
    return r ? toAttempt(r) : null;
  }

  async messagesTo(to: string, since: Date) {
    const a = this.t.pageAttempts;
    const p = this.t.pages;
    const rows = await this.d.db
      .select({ a, status: p.status })
      .from(a)
      .innerJoin(p, eq(p.id, a.pageId))
      .where(and(eq(a.to, to), isNotNull(a.code), gte(a.at, since.getTime())))
      .orderBy(desc(a.at), desc(a.id))
      .limit(50);
    return rows.map((r) => ({ ...toAttempt(r.a), pageStatus: r.status as PageStatus }));
  }

  async attemptsTo(to: string, since: Date) {
    const a = this.t.pageAttempts;
    const p = this.t.pages;
    const rows = await this.d.db
      .select({ a, status: p.status })
      .from(a)
      .innerJoin(p, eq(p.id, a.pageId))
      .where(and(eq(a.to, to), gte(a.at, since.getTime())))
      .orderBy(desc(a.at), desc(a.id))
      .limit(50);
    return rows.map((r) => ({ ...toAttempt(r.a), pageStatus: r.status as PageStatus }));
  }

  async openCodes(to: string) {
    const a = this.t.pageAttempts;
    const p = this.t.pages;
    const rows = await this.d.db
      .select({ code: a.code })
      .from(a)
      .innerJoin(p, eq(p.id, a.pageId))
      .where(and(eq(a.to, to), isNotNull(a.code), eq(p.status, 'running')));
    return new Set(rows.map((r) => r.code!));
  }

  private writer(tx: Db): PageWriter {
    const { pages: p, pageAttempts: a, jobs: j } = this.t;
    const d = this.d;
    return {
      async updatePage(id, patch) {
        const set = pagePatch(patch);
        if (Object.keys(set).length) await tx.update(p).set(set).where(eq(p.id, id));
      },
      async insertAttempt(x) {
        const rows = await tx
          .insert(a)
          .values({
            pageId: x.pageId,
            ticketId: x.ticketId,
            step: x.step,
            attempt: x.attempt,
            target: x.target,
            targetName: x.targetName,
            channel: x.channel,
            to: x.to,
            code: x.code,
            status: x.status,
            providerId: x.providerId,
            outcome: x.outcome,
            result: x.result,
            error: x.error,
            at: x.at.getTime(),
            endedAt: x.endedAt ? x.endedAt.getTime() : null,
          })
          .onConflictDoNothing()
          .returning({ id: a.id });
        return rows.length === 1;
      },
      async updateAttempt(pageId, step, attempt, patch: AttemptPatch) {
        const set: Partial<AttemptRow> = {};
        if (patch.status !== undefined) set.status = patch.status;
        if (patch.providerId !== undefined) set.providerId = patch.providerId;
        if (patch.outcome !== undefined) set.outcome = patch.outcome;
        if (patch.result !== undefined) set.result = patch.result;
        if (patch.error !== undefined) set.error = patch.error?.slice(0, 500) ?? null;
        if (patch.endedAt !== undefined) set.endedAt = patch.endedAt ? patch.endedAt.getTime() : null;
        if (Object.keys(set).length) await tx.update(a).set(set).where(and(eq(a.pageId, pageId), eq(a.step, step), eq(a.attempt, attempt)));
      },
      enqueue: (jobs) => insertJobs(tx, d, jobs, new Date()),
      async bringForward(key, runAt) {
        await tx
          .update(j)
          .set({ runAt: runAt.getTime() })
          .where(and(eq(j.key, key), eq(j.status, 'pending'), sql`${j.runAt} > ${runAt.getTime()}`));
      },
      cancelJobs: (prefix) => cancelJobsByPrefix(tx, d, prefix, new Date()),
    };
  }

  withLock<T>(pageId: string, fn: (l: PageLock | null) => Promise<T>): Promise<T> {
    const p = this.t.pages;
    if (this.d.dialect === 'pg') {
      // The row lock is held while the step sends, so an ack waits for a send in flight and a
      // send never starts after an ack is stored, whichever instance each runs on.
      return this.d.tx(async (tx) => {
        const q = tx.select().from(p).where(eq(p.id, pageId)).limit(1);
        const [row] = await (q as unknown as { for(s: string): typeof q }).for('update');
        if (!row) return fn(null);
        const w = this.writer(tx);
        return fn({ page: toPage(row), write: (f) => f(w) });
      });
    }
    // SQLite serves one process: an in-process lock per page keeps the database free while a send is in flight.
    return this.locks.run(pageId, async () => {
      const page = await this.get(pageId);
      if (!page) return fn(null);
      return fn({ page, write: (f) => this.d.tx((tx) => f(this.writer(tx))) });
    });
  }
}
