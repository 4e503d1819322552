import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { OFFICE_ROLES, type Principal } from '../../../domain/policy.js';
import { allowedEvents } from '../../../domain/tickets/lifecycle.js';
import { isChannel, type Channel, type Ticket, type TicketState } from '../../../domain/tickets/ticket.js';
import { STATES } from '../../../domain/tickets/ticket.js';
import { invalid } from '../../../domain/errors.js';
import { errors, IdParams } from '../../schemas/common.js';
import { Classification, CreateTicketBody, Duplicate, ListQuery, TicketEventView, TicketView } from '../../schemas/tickets.js';
import { eventView, ticketView } from '../../views.js';
import type { IntakeRequest } from '../../../application/tickets/service.js';
import { BULK_MAX, type BulkItemResult } from '../../../application/tickets/bulk.js';
import { MAX_REPLY_PHOTOS, type AttachmentService } from '../../../application/attachments/service.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it), and the photo store replies link to. */
export type TicketRouteDeps = Pick<Container, 'tickets' | 'ticketStore' | 'clock'> & { attachments: Pick<AttachmentService, 'forReply' | 'link'> };

const WithReason = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
const Ok = { 200: Type.Object({ ticket: TicketView }), ...errors(400, 401, 403, 404, 409) };

/** Ticket intake, search and every lifecycle action as its own endpoint. */
/** Channels only an adapter may set: a person filing one would pose as an outside platform or an Open311 client. */
const ADAPTER_ONLY_CHANNEL = /^(platform:|open311$)/;

const tickets: FastifyPluginAsyncTypebox<TicketRouteDeps> = async (app, deps) => {
  const { tickets: svc, ticketStore, clock, attachments } = deps;
  const view = (t: Ticket, p: Principal) => ({ ticket: ticketView(t, p, clock.now()) });
  app.addHook('preValidation', app.requireAuth());

  app.post(
    '/tickets',
    {
      schema: {
        operationId: 'createTicket',
        tags: ['tickets'],
        summary: '受理:create a ticket (classified and dispatched by the 职责清单 unless the operator chose)',
        body: CreateTicketBody,
        response: { 200: Type.Object({ ticket: TicketView, created: Type.Boolean(), classification: Classification, duplicates: Type.Array(Duplicate) }), 201: Type.Object({ ticket: TicketView, created: Type.Boolean(), classification: Classification, duplicates: Type.Array(Duplicate) }), ...errors(400, 401, 403) },
      },
      preValidation: app.requireAuth([...OFFICE_ROLES]),
    },
    async (req, reply) => {
      const b = req.body;
      const channel = (b.channel ?? 'web') as Channel;
      if (!isChannel(channel)) throw invalid('bad_channel', `未知渠道:${channel}`);
      // An outside platform's channel (and with it its case reference, a signed reply to that platform
      // and the skipped review) and Open311's come only from their adapters, never from a person.
      if (ADAPTER_ONLY_CHANNEL.test(channel)) throw invalid('adapter_channel', `渠道 ${channel} 只能由对接接口产生，不能手工受理`);
      const request: IntakeRequest = Object.assign({}, b, { channel, sourceKey: b.idempotencyKey ? `api:${req.principal!.id}:${b.idempotencyKey}` : null });
      const r = await svc.intake(request, { id: req.principal!.id, role: req.principal!.role, name: req.principal!.name }, 'api');
      return reply.status(r.created ? 201 : 200).send({ ticket: ticketView(r.ticket, req.principal!, clock.now()), created: r.created, classification: r.classification, duplicates: r.duplicates });
    },
  );

  app.post(
    '/tickets/duplicates',
    {
      schema: {
        operationId: 'draftDuplicates',
        tags: ['tickets'],
        summary: '并单 candidates of a ticket not yet taken (the desk warns before dispatch): same caller in 72 h, same place in 24 h',
        body: Type.Object(
          {
            content: Type.String({ maxLength: 5000 }),
            contact: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
            place: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
            unit: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ duplicates: Type.Array(Duplicate) }), ...errors(400, 401, 403) },
      },
      preValidation: app.requireAuth([...OFFICE_ROLES]),
    },
    async (req) => ({ duplicates: await svc.draftDuplicates(req.principal!, req.body) }),
  );

  app.get(
    '/tickets',
    { schema: { operationId: 'listTickets', tags: ['tickets'], summary: 'search and filter tickets (cursor pagination)', querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(TicketView), next: Type.Union([Type.String(), Type.Null()]) }), ...errors(400, 401) } } },
    async (req) => {
      const q = req.query;
      const states = q.state ? q.state.split(',').map((s) => s.trim()) : undefined;
      if (states?.some((s) => !(STATES as readonly string[]).includes(s))) throw invalid('bad_state', `未知状态;可选:${STATES.join(',')}`);
      const r = await svc.list(
        req.principal!,
        {
          state: states as TicketState[] | undefined,
          unit: q.unit,
          channel: q.channel,
          urgent: q.urgent,
          overdueAt: q.overdue ? clock.now() : undefined,
          needsDispatch: q.needsDispatch,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          q: q.q,
        },
        { limit: q.limit ?? 50, cursor: q.cursor },
      );
      return { items: r.items.map((t) => ticketView(t, req.principal!, clock.now())), next: r.next };
    },
  );

  // 工单导出: the filtered list (the list's filters, no paging) as CSV or XLSX with Chinese headers; the
  // citizen's number is left out (an export leaves the system). A unit gets its own tickets only.
  const EXPORT_MAX = 10_000;
  const { limit: _limit, cursor: _cursor, ...filterProps } = ListQuery.properties;
  const ExportQuery = Type.Object({ ...filterProps, format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')])) }, { additionalProperties: false });
  app.get(
    '/tickets/export',
    {
      schema: {
        operationId: 'exportTickets',
        tags: ['tickets'],
        summary: 'the filtered ticket list as CSV or XLSX (Chinese headers, at most 10,000 rows, newest first)',
        querystring: ExportQuery,
        response: { 200: Type.Any(), ...errors(400, 401) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const states = q.state ? q.state.split(',').map((s) => s.trim()) : undefined;
      if (states?.some((s) => !(STATES as readonly string[]).includes(s))) throw invalid('bad_state', `未知状态;可选:${STATES.join(',')}`);
      const filter = { state: states as TicketState[] | undefined, unit: q.unit, channel: q.channel, urgent: q.urgent, overdueAt: q.overdue ? clock.now() : undefined, needsDispatch: q.needsDispatch, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined, q: q.q };
      const rows: Ticket[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Ticket[]; next: string | null } = await svc.list(req.principal!, filter, { limit: 200, cursor });
        rows.push(...page.items);
        cursor = page.next;
      } while (cursor && rows.length < EXPORT_MAX);
      const format = q.format ?? 'csv';
      const { toCsv, toXlsx } = await import('../../../application/supervision/rates-report.js');
      const { TICKET_EXPORT_COLUMNS } = await import('../../../application/tickets/export.js');
      const name = `工单导出_${new Date(clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10)}`;
      reply.header('content-disposition', `attachment; filename="tickets.${format}"; filename*=UTF-8''${encodeURIComponent(`${name}.${format}`)}`);
      const data = rows.slice(0, EXPORT_MAX);
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(toCsv(TICKET_EXPORT_COLUMNS, data));
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(TICKET_EXPORT_COLUMNS, data, '工单'));
    },
  );

  app.get(
    '/tickets/:id',
    { schema: { operationId: 'getTicket', summary: 'one ticket, the actions allowed to you and its classification', tags: ['tickets'], params: IdParams, response: { 200: Type.Object({ ticket: TicketView, allowed: Type.Array(Type.String()), classification: Type.Any() }), ...errors(401, 404) } } },
    async (req) => {
      const t = await svc.get(req.principal!, req.params.id);
      return { ticket: ticketView(t, req.principal!, clock.now()), allowed: allowedEvents(t.state), classification: await ticketStore.classification(t.id) };
    },
  );

  app.get(
    '/tickets/by-number/:number',
    { schema: { operationId: 'getTicketByNumber', summary: 'one ticket by its number (20261126-0001)', tags: ['tickets'], params: Type.Object({ number: Type.String({ pattern: '^\\d{8}-\\d{4,}$' }) }), response: { 200: Type.Object({ ticket: TicketView }), ...errors(400, 401, 404) } } },
    async (req) => {
      const found = await svc.getByNumber(req.params.number);
      const t = await svc.get(req.principal!, found?.id ?? req.params.number);
      return view(t, req.principal!);
    },
  );

  app.get(
    '/tickets/:id/events',
    { schema: { operationId: 'listTicketEvents', tags: ['tickets'], summary: 'the append-only timeline', params: IdParams, response: { 200: Type.Object({ events: Type.Array(TicketEventView) }), ...errors(401, 404) } } },
    async (req) => ({ events: (await svc.timeline(req.principal!, req.params.id)).map((e) => eventView(e, req.principal!)) }),
  );

  const action = <B extends Parameters<typeof Type.Object>[0]>(path: string, summary: string, body: B | null, run: (p: Principal, id: string, b: Record<string, unknown>) => Promise<Ticket>) =>
    app.post(
      `/tickets/:id/${path}`,
      {
        schema: {
          operationId: `ticket${path.split(/[/-]/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`,
          tags: ['lifecycle'],
          summary,
          params: IdParams,
          ...(body ? { body: Type.Object(body, { additionalProperties: false }) } : {}),
          response: Ok,
        },
      },
      async (req) => view(await run(req.principal!, req.params.id, (req.body ?? {}) as Record<string, unknown>), req.principal!),
    );

  action('dispatch', '派单 to a unit', { unit: Type.String({ minLength: 1, maxLength: 64 }), note: Type.Optional(Type.String({ maxLength: 500 })) }, (p, id, b) => svc.dispatch(p, id, b.unit as string, b.note as string | undefined));
  action('sign', '签收 by the unit', null, (p, id) => svc.sign(p, id));
  action('return', '退单 with a reason', WithReason.properties, (p, id, b) => svc.returnTicket(p, id, b.reason as string));
  action('extension', '申请延期 (working days)', { days: Type.Integer({ minimum: 1, maximum: 30 }), reason: Type.String({ minLength: 1, maxLength: 2000 }) }, (p, id, b) => svc.requestExtension(p, id, b.days as number, b.reason as string));
  action('extension/decision', '延期审批', { approved: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 500 })) }, (p, id, b) => svc.decideExtension(p, id, b.approved as boolean, b.note as string | undefined));
  action(
    'reply',
    '反馈 the result, with photos uploaded by POST /attachments (their ids)',
    { reply: Type.String({ minLength: 1, maxLength: 5000 }), attachmentIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_REPLY_PHOTOS, description: `at most ${MAX_REPLY_PHOTOS} photos, each uploaded by the replying user` })) },
    async (p, id, b) => {
      const ids = (b.attachmentIds as string[] | undefined) ?? [];
      const photos = ids.length ? await attachments.forReply(p, id, ids) : undefined;
      const t = await svc.reply(p, id, b.reply as string, photos);
      if (ids.length) await attachments.link(t.id, ids);
      return t;
    },
  );
  action('review', '审核 the reply (merged-review platforms)', { approved: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 500 })) }, (p, id, b) => svc.review(p, id, b.approved as boolean, b.note as string | undefined));
  action(
    'followup',
    '回访 result recorded by hand',
    {
      satisfaction: Type.Union(['满意', '基本满意', '不满意', '未回访'].map((s) => Type.Literal(s))),
      solved: Type.Optional(Type.Boolean()),
      reason: Type.Optional(Type.String({ maxLength: 2000 })),
      wrongUnit: Type.Optional(Type.Boolean()),
    },
    (p, id, b) => svc.recordFollowUp(p, id, { satisfaction: b.satisfaction as '满意', solved: b.solved as boolean | undefined, reason: b.reason as string | undefined, via: 'manual' }, !!b.wrongUnit),
  );
  action('reopen', '重办', { reason: Type.String({ minLength: 1, maxLength: 2000 }), toOperator: Type.Optional(Type.Boolean()) }, (p, id, b) => svc.reopen(p, id, b.reason as string, !!b.toOperator));
  action('close', '办结', { note: Type.Optional(Type.String({ maxLength: 500 })) }, (p, id, b) => svc.close(p, id, b.note as string | undefined));
  action('supervise', '督办 mark', { level: Type.Union([Type.Literal('催办'), Type.Literal('督办'), Type.Literal('通报')]), note: Type.Optional(Type.String({ maxLength: 500 })) }, (p, id, b) => svc.supervise(p, id, b.level as '督办', b.note as string | undefined));
  action('merge', '并单 into another ticket, given by its id or its ticket number', { into: Type.String({ minLength: 1, maxLength: 64, description: 'target ticket id or number (20261126-0001)' }) }, (p, id, b) => svc.merge(p, id, b.into as string));
  action('notes', '备注', { text: Type.String({ minLength: 1, maxLength: 2000 }) }, (p, id, b) => svc.note(p, id, b.text as string));
  action('urgency', '即办核实: confirm a 即办 flag (the unit is paged now) or clear it (nobody is paged)', { urgent: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 500 })) }, (p, id, b) =>
    svc.checkUrgency(p, id, b.urgent as boolean, b.note as string | undefined),
  );

  // 批量派单 / 批量催办 (the ticket list's selection): the single action for each id, each in its own
  // transaction, answered per id; a ticket that does not allow it is reported and the others go on.
  const BulkIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: BULK_MAX, description: `ticket ids (at most ${BULK_MAX}; a repeated id is done once)` });
  const BulkResults = {
    200: Type.Object({
      results: Type.Array(
        Type.Object({
          id: Type.String(),
          ok: Type.Boolean(),
          number: Type.Optional(Type.String({ description: 'the ticket number, when done' })),
          error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() }, { description: 'why this ticket was not done: the error the single action gives' })),
        }),
      ),
      succeeded: Type.Integer(),
      failed: Type.Integer(),
    }),
    ...errors(400, 401, 403),
  };
  const answer = (results: BulkItemResult[]) => ({ results, succeeded: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length });
  app.post(
    '/tickets/bulk/dispatch',
    {
      schema: {
        operationId: 'bulkDispatchTickets',
        tags: ['lifecycle'],
        summary: `批量派单: 派单 each ticket to one unit (at most ${BULK_MAX}), each in its own transaction, answered per id`,
        body: Type.Object({ ids: BulkIds, unit: Type.String({ minLength: 1, maxLength: 64 }), note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: BulkResults,
      },
    },
    async (req) => answer(await svc.bulkDispatch(req.principal!, req.body.ids, req.body.unit, req.body.note, (err, id) => req.log.error({ err, ticket: id }, 'bulk dispatch failed'))),
  );
  app.post(
    '/tickets/bulk/urge',
    {
      schema: {
        operationId: 'bulkUrgeTickets',
        tags: ['lifecycle'],
        summary: `批量催办: mark each ticket 催办 (at most ${BULK_MAX}), each in its own transaction, answered per id`,
        body: Type.Object({ ids: BulkIds, note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: BulkResults,
      },
    },
    async (req) => answer(await svc.bulkUrge(req.principal!, req.body.ids, req.body.note, (err, id) => req.log.error({ err, ticket: id }, 'bulk urge failed'))),
  );

  app.get(
    '/urgent-checks',
    {
      schema: {
        operationId: 'listUrgentChecks',
        tags: ['dispatch'],
        summary: '待核实即办: possible dangers (risk wording, a broad rule, the model alone) waiting for an operator, each paged anyway at `until`',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ ticket: TicketView, until: Type.String({ format: 'date-time' }), reasons: Type.Array(Type.String({ description: 'what made it 待核实, with the cue' })) })) }), ...errors(401, 403) },
      },
    },
    async (req) => ({ items: (await svc.urgentChecks(req.principal!)).map((c) => ({ ticket: ticketView(c.ticket, req.principal!, clock.now()), until: c.until.toISOString(), reasons: c.reasons })) }),
  );

  app.post(
    '/tickets/:id/reveal-contact',
    { schema: { operationId: 'revealTicketContact', tags: ['tickets'], summary: 'show the full caller contact (audited as an event)', params: IdParams, response: { 200: Type.Object({ contact: Type.Union([Type.String(), Type.Null()]) }), ...errors(401, 403, 404, 409) } } },
    async (req) => ({ contact: (await svc.revealContact(req.principal!, req.params.id)).contact }),
  );

  app.post(
    '/classify',
    { schema: { operationId: 'classifyText', tags: ['dispatch'], summary: 'classify a text by the 职责清单', body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false }), response: { 200: Classification, ...errors(400, 401) } } },
    async (req) => svc.classify(req.body.text),
  );
};

export default tickets;
