import { and, asc, count, desc, eq, gte, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { KnowledgeListFilter, KnowledgeStore } from '../../src/application/ports/knowledge.js';
import type { KnowledgeContent, KnowledgeEntry, KnowledgeHistoryRecord, ReviewState } from '../../src/domain/knowledge/entry.js';
import { conflict } from '../../src/domain/errors.js';
import type { Role } from '../../src/domain/policy.js';
import type { Database } from './database.js';

const COUNTER = 'knowledge';

type Row = typeof import('./schema.sqlite.js').knowledgeEntries.$inferSelect;

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

function toEntry(r: Row): KnowledgeEntry {
  return {
    id: r.id,
    unit: r.unit,
    state: r.state as ReviewState,
    title: r.title,
    published: (r.published as KnowledgeContent | null) ?? null,
    draft: (r.draft as KnowledgeContent | null) ?? null,
    sample: r.sample,
    externalId: r.externalId,
    rejectReason: r.rejectReason,
    reviewedAt: date(r.reviewedAt),
    reviewedBy: r.reviewedBy,
    createdAt: new Date(r.createdAt),
    createdBy: r.createdBy,
    updatedAt: new Date(r.updatedAt),
    version: r.version,
  };
}

function toRow(e: KnowledgeEntry): Row {
  return {
    id: e.id,
    unit: e.unit,
    state: e.state,
    title: e.title,
    published: e.published,
    draft: e.draft,
    sample: e.sample,
    externalId: e.externalId,
    rejectReason: e.rejectReason,
    reviewedAt: e.reviewedAt?.getTime() ?? null,
    reviewedBy: e.reviewedBy,
    createdAt: e.createdAt.getTime(),
    createdBy: e.createdBy,
    updatedAt: e.updatedAt.getTime(),
    version: e.version,
  };
}

/** The knowledge base's entries, history, uses and misses on SQLite and PostgreSQL. */
export class SqlKnowledgeStore implements KnowledgeStore {
  constructor(private readonly d: Database) {}

  async apply(changes: Parameters<KnowledgeStore['apply']>[0]) {
    if (changes.length === 0) return;
    const t = this.d.t.knowledgeEntries;
    const v = this.d.t.knowledgeVersions;
    const c = this.d.t.counters;
    await this.d.tx(async (tx) => {
      // The counter first: on PostgreSQL its row lock orders concurrent writers, so an instance that
      // reads a counter value also sees every change counted by it.
      await tx.insert(c).values({ name: COUNTER, n: 1 }).onConflictDoUpdate({ target: c.name, set: { n: sql`${c.n} + 1` } });
      for (const { change, expectedVersion } of changes) {
        const row = toRow(change.entry);
        if (expectedVersion === null) {
          await tx.insert(t).values(row);
        } else {
          const { id, createdAt: _c, ...rest } = row;
          const done = await tx
            .update(t)
            .set(rest)
            .where(and(eq(t.id, id), eq(t.version, expectedVersion)))
            .returning({ id: t.id });
          if (done.length === 0) throw conflict('knowledge_version', `知识条目 ${id} 已被他人修改，请刷新后重试 (entry ${id} changed meanwhile; reload and retry)`, { id });
        }
        const [last] = await tx
          .select({ seq: sql<number>`coalesce(max(${v.seq}), 0)` })
          .from(v)
          .where(eq(v.entryId, change.entry.id));
        const r = change.record;
        await tx.insert(v).values({
          entryId: change.entry.id,
          seq: Number(last?.seq ?? 0) + 1,
          at: r.at.getTime(),
          actorId: r.actorId,
          actorName: r.actorName,
          actorRole: r.actorRole,
          action: r.action,
          content: r.content,
          note: r.note,
        });
      }
    });
  }

  async get(id: string) {
    const t = this.d.t.knowledgeEntries;
    const [r] = await this.d.db.select().from(t).where(eq(t.id, id)).limit(1);
    return r ? toEntry(r) : null;
  }

  async getByExternalId(externalId: string) {
    const t = this.d.t.knowledgeEntries;
    const [r] = await this.d.db.select().from(t).where(eq(t.externalId, externalId)).limit(1);
    return r ? toEntry(r) : null;
  }

  private where(f: KnowledgeListFilter): SQL | undefined {
    const t = this.d.t.knowledgeEntries;
    const conds: SQL[] = [];
    if (f.unit !== undefined) conds.push(f.unit === null ? sql`${t.unit} is null` : eq(t.unit, f.unit));
    if (f.state) conds.push(eq(t.state, f.state));
    if (f.sample !== undefined) conds.push(eq(t.sample, f.sample));
    if (f.title) conds.push(this.d.dialect === 'sqlite' ? sql`instr(lower(${t.title}), lower(${f.title})) > 0` : sql`strpos(lower(${t.title}), lower(${f.title})) > 0`);
    return conds.length ? and(...conds) : undefined;
  }

  async list(f: KnowledgeListFilter) {
    const t = this.d.t.knowledgeEntries;
    const where = this.where(f);
    const rows = await this.d.db
      .select()
      .from(t)
      .where(where)
      .orderBy(desc(t.updatedAt), asc(t.id))
      .limit(Math.min(f.limit ?? 50, 500))
      .offset(f.offset ?? 0);
    const [n] = await this.d.db.select({ n: count() }).from(t).where(where);
    return { items: rows.map(toEntry), total: Number(n?.n ?? 0) };
  }

  async published() {
    const t = this.d.t.knowledgeEntries;
    const rows = await this.d.db.select().from(t).where(isNotNull(t.published)).orderBy(asc(t.id));
    return rows.map(toEntry);
  }

  async all(f: { unit?: string | null } = {}) {
    const t = this.d.t.knowledgeEntries;
    const rows = await this.d.db.select().from(t).where(this.where({ unit: f.unit })).orderBy(asc(t.createdAt), asc(t.id));
    return rows.map(toEntry);
  }

  async history(id: string) {
    const v = this.d.t.knowledgeVersions;
    const rows = await this.d.db.select().from(v).where(eq(v.entryId, id)).orderBy(asc(v.seq));
    return rows.map(
      (r): KnowledgeHistoryRecord & { seq: number } => ({
        seq: r.seq,
        at: new Date(r.at),
        actorId: r.actorId,
        actorName: r.actorName,
        actorRole: r.actorRole as Role | 'system',
        action: r.action as KnowledgeHistoryRecord['action'],
        content: (r.content as KnowledgeContent | null) ?? null,
        note: r.note,
      }),
    );
  }

  async count() {
    const [n] = await this.d.db.select({ n: count() }).from(this.d.t.knowledgeEntries);
    return Number(n?.n ?? 0);
  }

  async revision() {
    const c = this.d.t.counters;
    const [r] = await this.d.db.select({ n: c.n }).from(c).where(eq(c.name, COUNTER)).limit(1);
    return r ? Number(r.n) : 0;
  }

  async addUse(entryId: string, use: { channel: string; by: string | null; ticketId: string | null; at: Date; data?: Record<string, unknown> | null }) {
    const u = this.d.t.knowledgeUses;
    await this.d.tx(async (tx) => {
      await tx.insert(u).values({ entryId, channel: use.channel, by: use.by, ticketId: use.ticketId, at: use.at.getTime(), data: use.data ?? null });
    });
  }

  async addMiss(question: string, meta: { channel: string; at: Date; data?: Record<string, unknown> | null }) {
    const m = this.d.t.knowledgeMisses;
    await this.d.tx(async (tx) => {
      await tx.insert(m).values({ question, channel: meta.channel, at: meta.at.getTime(), data: meta.data ?? null });
    });
  }

  async topUses(range: { from: Date; to: Date; limit: number }) {
    const u = this.d.t.knowledgeUses;
    const t = this.d.t.knowledgeEntries;
    const n = sql<number>`count(*)`;
    const rows = await this.d.db
      .select({ entryId: u.entryId, uses: n, title: t.title, unit: t.unit })
      .from(u)
      .leftJoin(t, eq(t.id, u.entryId))
      .where(and(gte(u.at, range.from.getTime()), lt(u.at, range.to.getTime())))
      .groupBy(u.entryId, t.title, t.unit)
      .orderBy(desc(n), asc(u.entryId))
      .limit(range.limit);
    return rows.map((r) => ({ entryId: r.entryId, title: r.title ?? r.entryId, unit: r.unit ?? null, uses: Number(r.uses) }));
  }

  async misses(range: { from: Date; to: Date; limit: number }) {
    const m = this.d.t.knowledgeMisses;
    const rows = await this.d.db
      .select()
      .from(m)
      .where(and(gte(m.at, range.from.getTime()), lt(m.at, range.to.getTime())))
      .orderBy(desc(m.at), desc(m.id))
      .limit(range.limit);
    return rows.map((r) => ({ id: r.id, question: r.question, channel: r.channel, at: new Date(r.at), data: (r.data as Record<string, unknown> | null) ?? null }));
  }
}
