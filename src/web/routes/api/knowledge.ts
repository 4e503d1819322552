import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TOptional } from 'typebox';
import { AppError, invalid } from '../../../domain/errors.js';
import { REVIEW_STATES, REVIEW_STATE_LABELS, STALE_REASON_LABELS, staleness, type KnowledgeActor, type KnowledgeContent, type KnowledgeEntry } from '../../../domain/knowledge/entry.js';
import { createUnitResolver } from '../../../domain/directory/unit-names.js';
import { exportKnowledge, importKnowledge, MAX_IMPORT_BYTES, type TableFormat } from '../../../application/knowledge/io.js';
import type { Principal } from '../../../domain/policy.js';
import { errors, literals } from '../../schemas/common.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type KnowledgeRouteDeps = Pick<Container, 'knowledge' | 'clock' | 'unitNames' | 'directoryUnits' | 'unitAliases'>;

const Content = Type.Object({
  title: Type.String(),
  variants: Type.Array(Type.String()),
  answer: Type.String(),
  unit: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  validFrom: Type.Union([Type.String(), Type.Null()]),
  validTo: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.String(), Type.Null()]),
  readable: Type.Boolean(),
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const EntryView = Type.Object({
  id: Type.String(),
  unit: Nullable(Type.String()),
  state: literals(REVIEW_STATES),
  stateLabel: Type.String(),
  title: Type.String(),
  published: Nullable(Content),
  draft: Nullable(Content),
  sample: Type.Boolean({ description: 'demo data (示例)' }),
  externalId: Nullable(Type.String()),
  rejectReason: Nullable(Type.String()),
  reviewedAt: Nullable(Type.String({ format: 'date-time' })),
  reviewedBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Nullable(Type.String()),
  updatedAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
  stale: Type.Array(Type.String(), { description: 'why the entry needs its unit: expired, unreviewed' }),
});
type EntryView = Static<typeof EntryView>;

const History = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actorId: Type.String(),
  actorName: Nullable(Type.String()),
  actorRole: Type.String(),
  action: Type.String(),
  content: Nullable(Content),
  note: Nullable(Type.String()),
});

const Hit = Type.Object({
  entryId: Type.String(),
  title: Type.String(),
  answer: Type.String(),
  unit: Nullable(Type.String()),
  score: Type.Number(),
  confidence: Type.Number(),
  readable: Type.Boolean(),
  matched: Type.Array(Type.String()),
});

const Text = (max: number) => Type.String({ maxLength: max });
const ContentBody = {
  title: Text(100),
  variants: Type.Array(Text(200), { maxItems: 50 }),
  answer: Text(2000),
  unit: Nullable(Text(100)),
  tags: Type.Array(Text(20), { maxItems: 20 }),
  validFrom: Nullable(Type.String({ maxLength: 20, description: 'YYYY-MM-DD (Shanghai), inclusive' })),
  validTo: Nullable(Type.String({ maxLength: 20, description: 'YYYY-MM-DD (Shanghai), inclusive' })),
  source: Nullable(Text(500)),
  readable: Type.Boolean({ description: 'the phone IVR may read the answer out' }),
};
/** Every content field, optional: an edit names only what changes, a new entry may leave out the lists and dates. */
const OptionalContent = Object.fromEntries(Object.entries(ContentBody).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof typeof ContentBody]: TOptional<(typeof ContentBody)[K]> };
const CreateBody = Type.Object(
  {
    ...OptionalContent,
    title: ContentBody.title,
    answer: ContentBody.answer,
    submit: Type.Optional(Type.Boolean({ description: 'send it to the office for review at once' })),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    ...OptionalContent,
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'the version being edited (409 when the entry changed meanwhile)' })),
    submit: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const ActionBody = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1 })), note: Type.Optional(Text(500)) },
  { additionalProperties: false },
);
const RejectBody = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })), reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ImportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')])),
  approve: Type.Optional(Type.Boolean()),
  dryRun: Type.Optional(Type.Boolean()),
});
const ImportJson = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
    data: Type.String({ description: 'the file, base64', maxLength: Math.ceil((MAX_IMPORT_BYTES * 4) / 3) + 4 }),
    approve: Type.Optional(Type.Boolean()),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const ImportReport = Type.Object({
  format: Type.String(),
  columns: Type.Record(Type.String(), Type.String()),
  unknownHeaders: Type.Array(Type.String()),
  rows: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  approved: Type.Integer(),
  skipped: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })),
  dryRun: Type.Boolean(),
});

const CSV_TYPES = ['text/csv', 'application/csv'];
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const actorOf = (p: Principal): KnowledgeActor => ({ id: p.id, name: p.name, role: p.role, unit: p.unit });

/**
 * 知识库: everyone signed in reads and searches; a unit writes its own unit's entries and submits
 * them; the hotline office (supervisor, admin) approves, rejects, withdraws and edits all.
 */
const knowledge: FastifyPluginAsyncTypebox<KnowledgeRouteDeps> = async (app, deps) => {
  const { knowledge: kb, clock } = deps;
  app.addHook('preValidation', app.requireAuth());
  // Raw CSV / XLSX uploads for the import (JSON bodies with base64 work too).
  app.addContentTypeParser([...CSV_TYPES, XLSX_TYPE], { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES + 1024 }, (_req, body, done) => done(null, body));

  // Import spellings (国网瑞金市供电公司) resolve to directory units as the platforms' do (config/unit-aliases.yaml).
  let resolver: ((raw: string) => string | null) | null = null;
  const resolveUnit = (raw: string) => {
    resolver ??= createUnitResolver([...new Set([...deps.directoryUnits.map((u) => u.name), ...deps.unitNames])], deps.unitAliases);
    const name = resolver(raw);
    return name && deps.unitNames.has(name) ? name : null;
  };
  const checkUnit = (u: unknown) => {
    if (typeof u === 'string' && u.trim() && !deps.unitNames.has(u.trim())) throw invalid('knowledge_unit', `责任单位「${u}」不在单位目录中 (unknown unit)`, { field: 'unit' });
  };

  const view = (e: KnowledgeEntry): EntryView => ({
    id: e.id,
    unit: e.unit,
    state: e.state,
    stateLabel: REVIEW_STATE_LABELS[e.state],
    title: e.title,
    published: e.published as KnowledgeContent | null,
    draft: e.draft as KnowledgeContent | null,
    sample: e.sample,
    externalId: e.externalId,
    rejectReason: e.rejectReason,
    reviewedAt: iso(e.reviewedAt),
    reviewedBy: e.reviewedBy,
    createdAt: e.createdAt.toISOString(),
    createdBy: e.createdBy,
    updatedAt: e.updatedAt.toISOString(),
    version: e.version,
    stale: staleness(e, clock.now()),
  });

  app.get(
    '/knowledge',
    {
      schema: {
        operationId: 'listKnowledge',
        tags: ['knowledge'],
        summary: 'browse entries (filters: unit, state, sample, title substring)',
        querystring: Type.Object({
          unit: Type.Optional(Type.String({ maxLength: 100 })),
          state: Type.Optional(literals(REVIEW_STATES)),
          sample: Type.Optional(Type.Boolean()),
          q: Type.Optional(Type.String({ maxLength: 100, description: 'part of the title' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(EntryView), total: Type.Integer() }), ...errors(400, 401) },
      },
    },
    async (req) => {
      const q = req.query;
      const r = await kb.list({ unit: q.unit, state: q.state, sample: q.sample, title: q.q, limit: q.limit ?? 50, offset: q.offset ?? 0 });
      return { items: r.items.map(view), total: r.total };
    },
  );

  app.get(
    '/knowledge/search',
    {
      schema: {
        operationId: 'searchKnowledge',
        tags: ['knowledge'],
        summary: 'approved entries in force that answer a question, best first (confidence 0..1; bots answer at >= confidentAt)',
        querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 1000 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) }),
        response: { 200: Type.Object({ hits: Type.Array(Hit), confidentAt: Type.Number() }), ...errors(400, 401) },
      },
    },
    async (req) => ({ hits: await kb.search(req.query.q, { limit: req.query.limit ?? 5 }), confidentAt: kb.confidentAt }),
  );

  app.get(
    '/knowledge/stale',
    {
      schema: {
        operationId: 'staleKnowledge',
        tags: ['knowledge'],
        summary: "entries in service past their valid-to or not reviewed for 12 months (a unit sees its own)",
        querystring: Type.Object({ unit: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ entry: EntryView, reasons: Type.Array(Type.String()), labels: Type.Array(Type.String()) })) }), ...errors(400, 401) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const unit = p.role === 'unit' ? p.unit : req.query.unit;
      const items = await kb.stale(unit);
      return { items: items.map((s) => ({ entry: view(s.entry), reasons: s.reasons, labels: s.reasons.map((r) => STALE_REASON_LABELS[r]) })) };
    },
  );

  app.get(
    '/knowledge/export',
    {
      schema: {
        operationId: 'exportKnowledge',
        tags: ['knowledge'],
        summary: 'all entries (or one unit’s) as CSV or XLSX, with the headers the import reads',
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')])), unit: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: Type.Any(), ...errors(400, 401) },
      },
    },
    async (req, reply) => {
      const format: TableFormat = req.query.format ?? 'xlsx';
      const entries = await kb.store.all(req.query.unit ? { unit: req.query.unit } : {});
      const body = await exportKnowledge(entries, format);
      reply.header('content-disposition', `attachment; filename="knowledge.${format}"; filename*=UTF-8''${encodeURIComponent(`知识库.${format}`)}`);
      return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : XLSX_TYPE).send(body);
    },
  );

  app.post(
    '/knowledge/import',
    {
      bodyLimit: Math.ceil((MAX_IMPORT_BYTES * 4) / 3) + 4096,
      schema: {
        operationId: 'importKnowledge',
        tags: ['knowledge'],
        summary: 'import a centre’s 知识库 export (CSV/XLSX as the body, or JSON {format, data: base64}); rows with a known 编号 update entries',
        querystring: ImportQuery,
        body: Type.Union([ImportJson, Type.Any()]),
        response: { 200: ImportReport, ...errors(400, 401, 403, 409, 413) },
      },
    },
    async (req) => {
      const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      let data: Buffer;
      let format: TableFormat;
      let approve = req.query.approve ?? false;
      let dryRun = req.query.dryRun ?? false;
      if (Buffer.isBuffer(req.body)) {
        data = req.body;
        format = type === XLSX_TYPE ? 'xlsx' : 'csv';
        if (req.query.format && req.query.format !== format) throw invalid('knowledge_format', `format=${req.query.format} 与 Content-Type ${type} 不符`);
      } else {
        const b = req.body as Partial<Static<typeof ImportJson>> | null;
        if (!b || typeof b !== 'object' || (b.format !== 'csv' && b.format !== 'xlsx') || typeof b.data !== 'string') {
          throw invalid('knowledge_import_body', '请上传 CSV/XLSX 文件，或 JSON {format:"csv"|"xlsx", data:<base64>} (send a file or JSON with base64 data)');
        }
        if (!/^[A-Za-z0-9+/=\s]*$/.test(b.data)) throw invalid('knowledge_import_body', 'data 须为 base64 (data must be base64)');
        data = Buffer.from(b.data, 'base64');
        format = b.format;
        approve = b.approve ?? approve;
        dryRun = b.dryRun ?? dryRun;
      }
      if (data.length === 0) throw invalid('knowledge_empty_file', '文件是空的 (the file is empty)');
      if (data.length > MAX_IMPORT_BYTES) throw new AppError('too_large', 'knowledge_import_too_large', '文件过大 (file too large)');
      return importKnowledge(kb, actorOf(req.principal!), data, { format, approve, dryRun, resolveUnit }, clock.now());
    },
  );

  app.get(
    '/knowledge/:id',
    {
      schema: {
        operationId: 'getKnowledge',
        tags: ['knowledge'],
        summary: 'an entry with its history (who, when, what)',
        params: Id,
        response: { 200: Type.Object({ entry: EntryView, history: Type.Array(History) }), ...errors(401, 404) },
      },
    },
    async (req) => {
      const e = await kb.get(req.params.id);
      const history = await kb.history(e.id);
      return { entry: view(e), history: history.map((h) => ({ ...h, at: h.at.toISOString(), content: h.content as KnowledgeContent | null })) };
    },
  );

  app.post(
    '/knowledge',
    {
      schema: {
        operationId: 'createKnowledge',
        tags: ['knowledge'],
        summary: 'a new entry (a draft; a unit creates its own unit’s entries)',
        body: CreateBody,
        response: { 201: Type.Object({ entry: EntryView }), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const { submit, ...input } = req.body;
      checkUnit(input.unit);
      const actor = actorOf(req.principal!);
      let e = await kb.create(actor, input);
      if (submit) e = await kb.submit(actor, e.id);
      return reply.code(201).send({ entry: view(e) });
    },
  );

  app.put(
    '/knowledge/:id',
    {
      schema: {
        operationId: 'updateKnowledge',
        tags: ['knowledge'],
        summary: 'a new revision (draft); the approved content keeps being served until it is approved',
        params: Id,
        body: UpdateBody,
        response: { 200: Type.Object({ entry: EntryView }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const { version, submit, ...input } = req.body;
      checkUnit(input.unit);
      const actor = actorOf(req.principal!);
      let e = await kb.update(actor, req.params.id, input, version);
      if (submit) e = await kb.submit(actor, e.id);
      return { entry: view(e) };
    },
  );

  const action = (name: 'submit' | 'approve' | 'withdraw', summary: string) =>
    app.post(
      `/knowledge/:id/${name}`,
      { schema: { operationId: `${name}Knowledge`, tags: ['knowledge'], summary, params: Id, body: Type.Optional(ActionBody), response: { 200: Type.Object({ entry: EntryView }), ...errors(400, 401, 403, 404, 409) } } },
      async (req) => {
        const b = req.body ?? {};
        const e = await kb[name](actorOf(req.principal!), req.params.id, b.note ?? null, b.version);
        return { entry: view(e) };
      },
    );
  action('submit', 'send the working revision to the office for review (on an approved entry: ask for a re-review)');
  action('approve', 'the office approves the revision under review: it is served from now on');
  action('withdraw', 'the office takes an entry out of service (history kept)');

  app.post(
    '/knowledge/:id/reject',
    {
      schema: {
        operationId: 'rejectKnowledge',
        tags: ['knowledge'],
        summary: 'the office sends the revision under review back with a reason',
        params: Id,
        body: RejectBody,
        response: { 200: Type.Object({ entry: EntryView }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const e = await kb.reject(actorOf(req.principal!), req.params.id, req.body.reason, req.body.version);
      return { entry: view(e) };
    },
  );
};

export default knowledge;
