import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { forbidden, invalid } from '../../../domain/errors.js';
import { DECIDER_ROLES, OFFICE_ROLES, type Principal } from '../../../domain/policy.js';
import { PAGE_CHANNELS, TARGETS } from '../../../domain/duty/escalation.js';
import type { DutySegment, DutyWarning, OnDuty } from '../../../domain/duty/on-duty.js';
import type { Page, PageAttempt } from '../../../application/paging/ports.js';
import { errors, literals } from '../../schemas/common.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type DutyRouteDeps = Pick<Container, 'duty' | 'paging' | 'clock' | 'ticketStore'>;

const Iso = Type.String({ format: 'date-time' });
const UnitParams = Type.Object({ unit: Type.String({ minLength: 1, maxLength: 64 }) });
const PageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Range = Type.Object({ from: Type.Optional(Iso), to: Type.Optional(Iso) });

const Member = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), name: Type.String({ minLength: 1, maxLength: 64 }), phone: Type.Union([Type.String({ maxLength: 32 }), Type.Null()]), wechat: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])) },
  { additionalProperties: false },
);
const Rotation = Type.Object(
  {
    period: literals(['daily', 'weekly']),
    handoff: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'local handoff time, Asia/Shanghai' }),
    start: Type.String({ format: 'date', description: 'the date order[0] takes over' }),
    order: Type.Array(Type.String(), { minItems: 1, maxItems: 100 }),
    holidays: literals(['pass', 'hold']),
  },
  { additionalProperties: false },
);
const OverrideBody = Type.Object({ start: Iso, end: Iso, person: Type.String({ minLength: 1 }), reason: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
const LeaveBody = Type.Object({ start: Iso, end: Iso, memberId: Type.String({ minLength: 1 }), reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const Override = Type.Object({ id: Type.String(), start: Iso, end: Iso, person: Type.String(), reason: Type.String() });
const Leave = Type.Object({ id: Type.String(), start: Iso, end: Iso, memberId: Type.String(), reason: Type.Optional(Type.String()) });
const RosterBody = Type.Object(
  {
    members: Type.Array(Member, { maxItems: 200 }),
    rotation: Type.Union([Rotation, Type.Null()]),
    leave: Type.Optional(Type.Array(Type.Object({ id: Type.Optional(Type.String()), ...LeaveBody.properties }, { additionalProperties: false }), { maxItems: 1000 })),
    overrides: Type.Optional(Type.Array(Type.Object({ id: Type.Optional(Type.String()), ...OverrideBody.properties }, { additionalProperties: false }), { maxItems: 1000 })),
    expectedVersion: Type.Optional(Type.Integer({ minimum: 0, description: 'refuse the save when someone changed the roster since this version' })),
  },
  { additionalProperties: false },
);
const RosterView = Type.Object({ unit: Type.String(), members: Type.Array(Member), rotation: Type.Union([Rotation, Type.Null()]), leave: Type.Array(Leave), overrides: Type.Array(Override), version: Type.Integer(), updatedAt: Iso });

const OnDutyView = Type.Union([
  Type.Object({ member: Member, source: literals(['override', 'rotation', 'substitute']), reason: Type.Optional(Type.String()), replaces: Type.Optional(Member) }),
  Type.Null(),
]);
const SegmentView = Type.Object({ start: Iso, end: Iso, duty: OnDutyView });
const WarningView = Type.Object({ kind: Type.String(), message: Type.String(), memberId: Type.Optional(Type.String()), start: Type.Optional(Iso), end: Type.Optional(Iso) });

const Step = Type.Object(
  {
    target: literals([...TARGETS]),
    person: Type.Optional(Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), phone: Type.String({ maxLength: 32 }), wechat: Type.Optional(Type.Union([Type.String(), Type.Null()])) }, { additionalProperties: false })),
    channel: literals([...PAGE_CHANNELS]),
    ackTimeoutSec: Type.Optional(Type.Integer({ description: 'default 300' })),
    attempts: Type.Optional(Type.Integer({ description: 'calls or messages in this step, default 1' })),
    gapSec: Type.Optional(Type.Integer({ description: 'pause between attempts, default 60' })),
    repeat: Type.Optional(Type.Boolean({ description: 'required on the last step (a duty office), which repeats until acknowledged' })),
  },
  { additionalProperties: false },
);
const ChainBody = Type.Object(
  {
    steps: Type.Array(Step, { minItems: 1, maxItems: 10 }),
    pageOnSignOverdue: Type.Optional(Type.Boolean()),
    expectedVersion: Type.Optional(Type.Integer({ minimum: 0, description: 'refuse the save when someone changed the chain since this version' })),
  },
  { additionalProperties: false },
);
const ChainView = Type.Object({ unit: Type.String(), steps: Type.Array(Step), pageOnSignOverdue: Type.Boolean(), version: Type.Integer(), updatedAt: Iso });

const AttemptView = Type.Object({
  step: Type.Integer(),
  attempt: Type.Integer(),
  target: Type.String(),
  targetName: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String(),
  to: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  outcome: Type.Union([Type.String(), Type.Null()]),
  result: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  at: Iso,
  endedAt: Type.Union([Iso, Type.Null()]),
});
const PageView = Type.Object({
  id: Type.String(),
  ticketId: Type.String(),
  ticketNumber: Type.String(),
  unit: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  status: Type.String(),
  step: Type.Integer(),
  attempt: Type.Integer(),
  steps: Type.Integer(),
  next: Type.Union([Type.Object({ step: Type.Integer(), attempt: Type.Integer(), at: Iso }), Type.Null()]),
  startedAt: Iso,
  startedBy: Type.String(),
  endedAt: Type.Union([Iso, Type.Null()]),
  endReason: Type.Union([Type.String(), Type.Null()]),
  ack: Type.Union([Type.Object({ at: Iso, by: Type.String(), via: Type.String() }), Type.Null()]),
  /** who is being paged now (the latest attempt) */
  current: Type.Union([AttemptView, Type.Null()]),
  attempts: Type.Integer(),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const attemptView = (a: PageAttempt) => ({ step: a.step, attempt: a.attempt, target: a.target, targetName: a.targetName, channel: a.channel, to: a.to, status: a.status, outcome: a.outcome, result: a.result, error: a.error, at: a.at.toISOString(), endedAt: iso(a.endedAt) });
const pageView = (p: Page, attempts: PageAttempt[]) => ({
  id: p.id,
  ticketId: p.ticketId,
  ticketNumber: p.ticketNumber,
  unit: p.unit,
  reason: p.reason,
  status: p.status,
  step: p.step,
  attempt: p.attempt,
  steps: p.chain.length,
  next: p.next ? { ...p.next, at: p.next.at.toISOString() } : null,
  startedAt: p.startedAt.toISOString(),
  startedBy: p.startedBy,
  endedAt: iso(p.endedAt),
  endReason: p.endReason,
  ack: p.ack ? { at: p.ack.at.toISOString(), by: p.ack.by, via: p.ack.via } : null,
  current: attempts.length ? attemptView(attempts.at(-1)!) : null,
  attempts: attempts.length,
});
const onDutyView = (d: OnDuty | null) => (d ? { member: d.member, source: d.source, ...(d.reason ? { reason: d.reason } : {}), ...(d.replaces ? { replaces: d.replaces } : {}) } : null);
const segmentView = (s: DutySegment) => ({ start: s.start.toISOString(), end: s.end.toISOString(), duty: onDutyView(s.duty) });
const warningView = (w: DutyWarning) => ({
  kind: w.kind,
  message: w.message,
  ...('memberId' in w ? { memberId: w.memberId } : {}),
  ...('start' in w ? { start: w.start.toISOString(), end: w.end.toISOString() } : {}),
});

// Names and phones are checked by validateContacts, whose errors name the field (head.name, deputy.phone) for the editor.
const Person = Type.Object({ name: Type.String({ maxLength: 32 }), phone: Type.String({ maxLength: 32 }) }, { additionalProperties: false });
const ContactsBody = Type.Object(
  {
    head: Type.Optional(Type.Union([Person, Type.Null()], { description: '单位负责人: paged at the unit_head step' })),
    deputy: Type.Optional(Type.Union([Person, Type.Null()], { description: '分管负责人: paged at the unit_head step when no head is set' })),
    officePhone: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()], { description: '办公室电话: called at the duty step when the roster has nobody at that moment' })),
    expectedVersion: Type.Optional(Type.Integer({ minimum: 0, description: 'refuse the save when someone changed the contacts since this version' })),
  },
  { additionalProperties: false },
);
const ContactsView = Type.Object({ unit: Type.String(), head: Type.Union([Person, Type.Null()]), deputy: Type.Union([Person, Type.Null()]), officePhone: Type.Union([Type.String(), Type.Null()]), version: Type.Integer(), updatedAt: Type.String() });
const CoverageView = Type.Object({
  unit: Type.String(),
  hasRoster: Type.Boolean(),
  covered: Type.Boolean({ description: 'a reachable duty person at every moment of the period' }),
  uncoveredHours: Type.Number(),
  firstGapAt: Type.Union([Iso, Type.Null()]),
  head: Type.Boolean(),
  deputy: Type.Boolean(),
  officePhone: Type.Boolean(),
});

const LastChangeView = Type.Object({ at: Iso, kind: Type.String(), by: Type.Object({ id: Type.String(), name: Type.Union([Type.String(), Type.Null()]) }), version: Type.Union([Type.Integer(), Type.Null()]) });

const EDIT = DECIDER_ROLES;
const DAY = 86_400_000;

/** Duty rosters, escalation chains and running pages (the console's 值班 and 呼叫 views). */
const duty: FastifyPluginAsyncTypebox<DutyRouteDeps> = async (app, deps) => {
  const { duty: svc, paging, clock, ticketStore } = deps;
  app.addHook('preValidation', app.requireAuth());
  const editor = (p: Principal) => ({ id: p.id, name: p.name });
  /** A unit user sees and acts on their own unit only. */
  const mayView = (p: Principal, unit: string | null) => {
    if (p.role === 'unit' && p.unit !== unit) throw forbidden('只能查看本单位的值班信息');
  };
  const range = (q: { from?: string; to?: string }, days: number) => {
    const from = q.from ? new Date(q.from) : clock.now();
    const to = q.to ? new Date(q.to) : new Date(from.getTime() + days * DAY);
    if (to <= from) throw invalid('bad_range', '结束时间必须晚于开始时间');
    return { from, to };
  };
  const rosterOut = (r: Awaited<ReturnType<typeof svc.saveRoster>>) => ({ roster: r });

  app.get('/duty/rosters', { schema: { operationId: 'listRosters', tags: ['duty'], summary: 'rosters (a unit user: their own)', response: { 200: Type.Object({ items: Type.Array(RosterView) }), ...errors(401) } } }, async (req) => {
    const p = req.principal!;
    return { items: (await svc.rosters()).filter((r) => p.role !== 'unit' || r.unit === p.unit) };
  });

  app.get('/duty/rosters/:unit', { schema: { operationId: 'getRoster', summary: "one unit's duty roster", tags: ['duty'], params: UnitParams, response: { 200: Type.Object({ roster: RosterView }), ...errors(401, 403, 404) } } }, async (req) => {
    mayView(req.principal!, req.params.unit);
    const r = await svc.roster(req.params.unit);
    if (!r) throw invalid('no_roster', `${req.params.unit}尚未设置值班表`);
    return { roster: r };
  });

  app.put(
    '/duty/rosters/:unit',
    { preValidation: app.requireAuth([...EDIT]), schema: { operationId: 'putRoster', tags: ['duty'], summary: 'replace a roster (audited)', params: UnitParams, body: RosterBody, response: { 200: Type.Object({ roster: RosterView }), ...errors(400, 401, 403, 409) } } },
    async (req) => {
      const { expectedVersion, ...b } = req.body;
      return rosterOut(await svc.saveRoster(req.params.unit, { members: b.members, rotation: b.rotation, leave: (b.leave ?? []).map((l) => ({ ...l, id: l.id ?? '' })), overrides: (b.overrides ?? []).map((o) => ({ ...o, id: o.id ?? '' })) }, editor(req.principal!), expectedVersion));
    },
  );

  app.delete('/duty/rosters/:unit', { preValidation: app.requireAuth([...EDIT]), schema: { operationId: 'deleteRoster', summary: "delete a unit's duty roster (audited)", tags: ['duty'], params: UnitParams, response: { 204: Type.Null(), ...errors(401, 403, 404) } } }, async (req, reply) => {
    await svc.deleteRoster(req.params.unit, editor(req.principal!));
    return reply.status(204).send(null);
  });

  app.post(
    '/duty/rosters/:unit/overrides',
    { preValidation: app.requireAuth([...EDIT]), schema: { operationId: 'addDutyOverride', tags: ['duty'], summary: '调班: someone else takes the duty (beats leave and rotation)', params: UnitParams, body: OverrideBody, response: { 200: Type.Object({ roster: RosterView }), ...errors(400, 401, 403, 404, 409) } } },
    async (req) => rosterOut(await svc.addOverride(req.params.unit, req.body, editor(req.principal!))),
  );
  app.delete(
    '/duty/rosters/:unit/overrides/:id',
    { preValidation: app.requireAuth([...EDIT]), schema: { operationId: 'deleteDutyOverride', summary: 'remove a 调班', tags: ['duty'], params: Type.Object({ ...UnitParams.properties, id: Type.String() }), response: { 200: Type.Object({ roster: RosterView }), ...errors(401, 403, 404, 409) } } },
    async (req) => rosterOut(await svc.removeOverride(req.params.unit, req.params.id, editor(req.principal!))),
  );
  app.post(
    '/duty/rosters/:unit/leave',
    { preValidation: app.requireAuth([...EDIT]), schema: { operationId: 'addDutyLeave', tags: ['duty'], summary: '请假: the next in turn stands in', params: UnitParams, body: LeaveBody, response: { 200: Type.Object({ roster: RosterView }), ...errors(400, 401, 403, 404, 409) } } },
    async (req) => rosterOut(await svc.addLeave(req.params.unit, req.body, editor(req.principal!))),
  );
  app.delete(
    '/duty/rosters/:unit/leave/:id',
    { preValidation: app.requireAuth([...EDIT]), schema: { operationId: 'deleteDutyLeave', summary: 'remove a 请假', tags: ['duty'], params: Type.Object({ ...UnitParams.properties, id: Type.String() }), response: { 200: Type.Object({ roster: RosterView }), ...errors(401, 403, 404, 409) } } },
    async (req) => rosterOut(await svc.removeLeave(req.params.unit, req.params.id, editor(req.principal!))),
  );

  app.get(
    '/duty/on-duty',
    {
      schema: {
        operationId: 'getOnDuty',
        tags: ['duty'],
        summary: 'who is on duty now (or at `at`), for one unit or every unit with a roster',
        querystring: Type.Object({ unit: Type.Optional(Type.String()), at: Type.Optional(Iso) }),
        response: { 200: Type.Object({ at: Iso, items: Type.Array(Type.Object({ unit: Type.String(), onDuty: OnDutyView, reachable: Type.Boolean() })) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const at = req.query.at ? new Date(req.query.at) : clock.now();
      const unit = req.query.unit ?? (p.role === 'unit' ? p.unit : null);
      if (unit) mayView(p, unit);
      const units = unit ? [unit] : (await svc.rosters()).map((r) => r.unit);
      const items = [];
      for (const u of units) {
        const d = await svc.onDuty(u, at);
        items.push({ unit: u, onDuty: onDutyView(d), reachable: !!d?.member.phone });
      }
      return { at: at.toISOString(), items };
    },
  );

  app.get(
    '/duty/rosters/:unit/schedule',
    { schema: { operationId: 'getDutySchedule', tags: ['duty'], summary: 'cover over a period (default 14 days) with gaps and unreachable warnings', params: UnitParams, querystring: Range, response: { 200: Type.Object({ segments: Type.Array(SegmentView), warnings: Type.Array(WarningView) }), ...errors(400, 401, 403, 404) } } },
    async (req) => {
      mayView(req.principal!, req.params.unit);
      const { from, to } = range(req.query, 14);
      const s = await svc.schedule(req.params.unit, from, to);
      return { segments: s.segments.map(segmentView), warnings: s.warnings.map(warningView) };
    },
  );

  app.get(
    '/duty/rosters/:unit/export',
    { schema: { operationId: 'exportRoster', summary: 'the roster as YAML or CSV (the import format)', tags: ['duty'], params: UnitParams, querystring: Type.Object({ format: Type.Optional(literals(['yaml', 'csv'])) }), response: { 200: Type.String(), ...errors(401, 403, 404) } } },
    async (req, reply) => {
      mayView(req.principal!, req.params.unit);
      const format = req.query.format ?? 'yaml';
      const text = await svc.exportRoster(req.params.unit, format);
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(`${req.params.unit}值班表.${format}`)}`)
        .send(format === 'csv' ? `\uFEFF${text}` : text);
    },
  );

  app.post(
    '/duty/rosters/:unit/import',
    {
      preValidation: app.requireAuth([...EDIT]),
      schema: { operationId: 'importRoster', tags: ['duty'], summary: 'replace a roster from YAML or CSV (the export format)', params: UnitParams, body: Type.Object({ format: literals(['yaml', 'csv']), content: Type.String({ minLength: 1, maxLength: 512 * 1024 }) }, { additionalProperties: false }), response: { 200: Type.Object({ roster: RosterView }), ...errors(400, 401, 403) } },
    },
    async (req) => rosterOut(await svc.importRoster(req.params.unit, req.body.format, req.body.content, editor(req.principal!))),
  );

  app.get(
    '/duty/rosters/:unit/ical',
    { schema: { operationId: 'getDutyCalendar', tags: ['duty'], summary: 'iCalendar of the cover (default 60 days)', params: UnitParams, querystring: Range, response: { 200: Type.String(), ...errors(400, 401, 403, 404) } } },
    async (req, reply) => {
      mayView(req.principal!, req.params.unit);
      const { from, to } = range(req.query, 60);
      return reply.type('text/calendar; charset=utf-8').send(await svc.ical(req.params.unit, from, to));
    },
  );

  app.get('/duty/chains/:unit', { schema: { operationId: 'getEscalationChain', tags: ['duty'], summary: "the unit's escalation chain (the default when none is set)", params: UnitParams, response: { 200: Type.Object({ chain: ChainView }), ...errors(401, 403) } } }, async (req) => {
    mayView(req.principal!, req.params.unit);
    return { chain: await svc.chain(req.params.unit) };
  });

  app.put(
    '/duty/chains/:unit',
    { preValidation: app.requireAuth([...EDIT]), schema: { operationId: 'putEscalationChain', tags: ['duty'], summary: 'set the escalation chain (audited); the last step must repeat (a duty office)', params: UnitParams, body: ChainBody, response: { 200: Type.Object({ chain: ChainView }), ...errors(400, 401, 403, 409) } } },
    async (req) => {
      const { expectedVersion, ...input } = req.body;
      return { chain: await svc.saveChain(req.params.unit, input, editor(req.principal!), expectedVersion) };
    },
  );

  app.get(
    '/duty/pages',
    {
      schema: {
        operationId: 'listPages',
        tags: ['duty'],
        summary: 'pages (default: running), with who is being paged now',
        querystring: Type.Object({ status: Type.Optional(literals(['running', 'acked', 'cancelled', 'stopped'])), unit: Type.Optional(Type.String()), ticketId: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: Type.Object({ items: Type.Array(PageView) }), ...errors(401, 403) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const q = req.query;
      const unit = p.role === 'unit' ? (p.unit ?? '\u0000') : q.unit;
      const pages = await paging.store.list({ status: q.ticketId ? q.status : (q.status ?? 'running'), unit, ticketId: q.ticketId, limit: q.limit ?? 200 });
      const attempts = await paging.store.attemptsOf(pages.map((x) => x.id));
      return { items: pages.map((x) => pageView(x, attempts.get(x.id) ?? [])) };
    },
  );

  app.get('/duty/pages/:id', { schema: { operationId: 'getPage', summary: 'one page with its attempts', tags: ['duty'], params: PageParams, response: { 200: Type.Object({ page: PageView, attemptList: Type.Array(AttemptView) }), ...errors(401, 403, 404) } } }, async (req) => {
    const v = await paging.view(req.params.id);
    mayView(req.principal!, v.page.unit);
    return { page: pageView(v.page, v.attempts), attemptList: v.attempts.map(attemptView) };
  });

  app.post(
    '/duty/pages',
    {
      preValidation: app.requireAuth([...OFFICE_ROLES]),
      schema: { operationId: 'createPage', tags: ['duty'], summary: '"page now" for a ticket (one running page per ticket)', body: Type.Object({ ticketId: Type.String({ minLength: 1 }) }, { additionalProperties: false }), response: { 200: Type.Object({ page: PageView, created: Type.Boolean() }), 201: Type.Object({ page: PageView, created: Type.Boolean() }), ...errors(400, 401, 403, 404, 409) } },
    },
    async (req, reply) => {
      const t = await ticketStore.get(req.body.ticketId);
      const p = req.principal!;
      const r = await paging.start(req.body.ticketId, t && !t.unit ? 'unassigned' : 'manual', editor(p));
      return reply.status(r.created ? 201 : 200).send({ page: pageView(r.page, await paging.store.attempts(r.page.id)), created: r.created });
    },
  );

  app.post(
    '/duty/pages/:id/ack',
    { schema: { operationId: 'ackPage', tags: ['duty'], summary: 'acknowledge (签收) from the console; a unit user for their own unit', params: PageParams, response: { 200: Type.Object({ status: Type.String(), by: Type.Optional(Type.String()), page: PageView }), ...errors(401, 403, 404) } } },
    async (req) => {
      const p = req.principal!;
      const v = await paging.view(req.params.id);
      mayView(p, v.page.unit);
      // Office staff stop the calls and take the matter on; only the unit's own users sign for it.
      const side = p.unit && p.unit === v.page.unit ? 'unit' : 'office';
      const r = await paging.acknowledge(req.params.id, { id: p.id, name: p.name, side }, 'console');
      return { status: r.status, ...(r.status === 'already' ? { by: r.by } : {}), page: pageView(r.page, await paging.store.attempts(r.page.id)) };
    },
  );

  app.post(
    '/duty/pages/:id/cancel',
    { preValidation: app.requireAuth([...OFFICE_ROLES]), schema: { operationId: 'cancelPage', summary: 'stop a running page (with a note)', tags: ['duty'], params: PageParams, body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })), response: { 200: Type.Object({ page: PageView }), ...errors(401, 403, 404, 409) } } },
    async (req) => {
      const page = await paging.cancel(req.params.id, editor(req.principal!), req.body?.note);
      return { page: pageView(page, await paging.store.attempts(page.id)) };
    },
  );

  app.get(
    '/duty/changes/:unit',
    {
      schema: {
        operationId: 'getDutyLastChanges',
        tags: ['duty'],
        summary: "who changed the unit's roster, escalation chain and contacts last, and when (from the audit)",
        params: UnitParams,
        response: { 200: Type.Object({ roster: Type.Union([LastChangeView, Type.Null()]), chain: Type.Union([LastChangeView, Type.Null()]), contacts: Type.Union([LastChangeView, Type.Null()]) }), ...errors(401, 403) },
      },
    },
    async (req) => {
      mayView(req.principal!, req.params.unit);
      return svc.lastChanges(req.params.unit);
    },
  );

  // ---- unit contacts and duty coverage ----------------------------------------------------------

  const noContacts = (unit: string) => ({ unit, head: null, deputy: null, officePhone: null, version: 0, updatedAt: new Date(0).toISOString() });

  app.get('/duty/contacts', { schema: { operationId: 'listUnitContacts', tags: ['duty'], summary: "units' head, deputy and office phone (a unit user: their own)", response: { 200: Type.Object({ items: Type.Array(ContactsView) }), ...errors(401) } } }, async (req) => {
    const p = req.principal!;
    return { items: (await svc.allContacts()).filter((c) => p.role !== 'unit' || c.unit === p.unit) };
  });

  app.get('/duty/contacts/:unit', { schema: { operationId: 'getUnitContacts', summary: "one unit's head, deputy and office phone", tags: ['duty'], params: UnitParams, response: { 200: Type.Object({ contacts: ContactsView }), ...errors(401, 403) } } }, async (req) => {
    mayView(req.principal!, req.params.unit);
    return { contacts: (await svc.contacts(req.params.unit)) ?? noContacts(req.params.unit) };
  });

  app.put(
    '/duty/contacts/:unit',
    {
      preValidation: app.requireAuth([...EDIT]),
      schema: { operationId: 'putUnitContacts', tags: ['duty'], summary: "set a unit's head, deputy and office phone (audited; null clears one)", params: UnitParams, body: ContactsBody, response: { 200: Type.Object({ contacts: ContactsView }), ...errors(400, 401, 403, 409) } },
    },
    async (req) => {
      const { expectedVersion, ...input } = req.body;
      return { contacts: await svc.saveContacts(req.params.unit, input, editor(req.principal!), expectedVersion) };
    },
  );

  app.get(
    '/duty/coverage',
    {
      schema: {
        operationId: 'getDutyCoverage',
        tags: ['duty'],
        summary: 'duty cover of every unit over the coming days (default 7): who has a reachable 24-hour duty person, and which contacts are set',
        querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })) }),
        response: { 200: Type.Object({ from: Iso, to: Iso, items: Type.Array(CoverageView), uncovered: Type.Array(Type.String()) }), ...errors(400, 401) },
      },
    },
    async (req) => {
      const p = req.principal!;
      const days = req.query.days ?? 7;
      const from = clock.now();
      const items = (await svc.coverage(from, days)).filter((c) => p.role !== 'unit' || c.unit === p.unit);
      return { from: from.toISOString(), to: new Date(from.getTime() + days * DAY).toISOString(), items, uncovered: items.filter((c) => !c.covered).map((c) => c.unit) };
    },
  );

  app.post(
    '/duty/pages/:id/escalate',
    { preValidation: app.requireAuth([...OFFICE_ROLES]), schema: { operationId: 'escalatePage', tags: ['duty'], summary: 'skip to the next step now', params: PageParams, response: { 200: Type.Object({ page: PageView }), ...errors(401, 403, 404, 409) } } },
    async (req) => {
      const moved = await paging.passOn(req.params.id, null, editor(req.principal!), 'page.escalate');
      if (!moved) throw invalid('page_not_running', '该呼叫已结束');
      return { page: pageView(moved, await paging.store.attempts(moved.id)) };
    },
  );
};

export default duty;
