import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MAX_PHOTO_BODY, type AttachmentService } from '../../../application/attachments/service.js';
import type { Attachment } from '../../../domain/tickets/ticket.js';
import { errors, IdParams } from '../../schemas/common.js';
import { AttachmentIn, Classification, TicketView } from '../../schemas/tickets.js';
import { ticketView } from '../../views.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it), and where patrol photos go. */
export type GridRouteDeps = Pick<Container, 'grid' | 'clock'> & { attachments: Pick<AttachmentService, 'storeGridPhoto'> };

const Worker = Type.Object({ id: Type.String(), name: Type.String(), township: Type.Union([Type.String(), Type.Null()]), gridArea: Type.Union([Type.String(), Type.Null()]) });
const Photos = Type.Optional(Type.Array(AttachmentIn, { maxItems: 9 }));
const Ok = { 200: Type.Object({ ticket: TicketView }), ...errors(400, 401, 403, 404, 409) };

/**
 * 网格员 (grid workers): patrol reports, photos, their task list, reports back and on-the-spot
 * confirmation; townships and the hotline office hand tickets to them.
 */
const gridRoutes: FastifyPluginAsyncTypebox<GridRouteDeps> = async (app, deps) => {
  const { grid, clock, attachments } = deps;
  app.addHook('preValidation', app.requireAuth());

  app.get('/grid/me', { schema: { operationId: 'getGridMe', tags: ['grid'], summary: "the grid worker's township and grid area", response: { 200: Type.Object({ worker: Worker }), ...errors(401, 403) } } }, async (req) => ({ worker: await grid.worker(req.principal!) }));

  app.get(
    '/grid/tasks',
    { schema: { operationId: 'listGridTasks', tags: ['grid'], summary: '我的任务: tickets handed to the grid worker and their own reports, newest first', response: { 200: Type.Object({ items: Type.Array(TicketView) }), ...errors(401, 403) } } },
    async (req) => ({ items: (await grid.mine(req.principal!)).map((t) => ticketView(t, req.principal!, clock.now())) }),
  );

  app.post(
    '/grid/reports',
    {
      schema: {
        operationId: 'createGridReport', tags: ['grid'],
        summary: '发现上报: a matter found on patrol becomes a ticket on channel grid (the one intake pipeline)',
        body: Type.Object(
          {
            content: Type.String({ minLength: 1, maxLength: 4000 }),
            place: Type.Optional(Type.String({ maxLength: 200 })),
            location: Type.Optional(Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }), accuracy: Type.Optional(Type.Number({ minimum: 0 })) }, { additionalProperties: false })),
            attachments: Photos,
            urgent: Type.Optional(Type.Boolean()),
            idempotencyKey: Type.Optional(Type.String({ minLength: 8, maxLength: 100, description: 'made by the form once per report: a retried submit returns the same ticket' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ ticket: TicketView, created: Type.Boolean(), classification: Classification }), 201: Type.Object({ ticket: TicketView, created: Type.Boolean(), classification: Classification }), ...errors(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const r = await grid.report(req.principal!, { ...req.body, attachments: req.body.attachments as Attachment[] | undefined });
      return reply.status(r.created ? 201 : 200).send({ ticket: ticketView(r.ticket, req.principal!, clock.now()), created: r.created, classification: r.classification });
    },
  );

  app.post(
    '/grid/photos',
    {
      bodyLimit: MAX_PHOTO_BODY + 1024,
      schema: {
        operationId: 'uploadGridPhoto', tags: ['grid'],
        summary: 'a photo (JPEG, PNG or WebP by its bytes, at most 6 MB; base64 or a data: URL) stored under /media/grid/; returns its URL for a report',
        body: Type.Object({ data: Type.String({ minLength: 16, maxLength: MAX_PHOTO_BODY }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ url: Type.String() }), ...errors(400, 401, 403, 413) },
      },
    },
    async (req) => attachments.storeGridPhoto(req.body.data),
  );

  app.get(
    '/grid/workers',
    {
      schema: { operationId: 'listGridWorkers', tags: ['grid'], summary: "grid workers a ticket may be handed to (a township's own; the office: any, or of one township)", querystring: Type.Object({ township: Type.Optional(Type.String({ maxLength: 64 })) }), response: { 200: Type.Object({ items: Type.Array(Worker) }), ...errors(401, 403) } },
    },
    async (req) => ({ items: await grid.workers(req.principal!, req.query.township) }),
  );

  app.post(
    '/grid/tickets/:id/assign',
    { schema: { operationId: 'assignGridWorker', tags: ['grid'], summary: '交网格员: a township (its own tickets) or the hotline office hands a ticket to a grid worker', params: IdParams, body: Type.Object({ workerId: Type.String({ minLength: 1, maxLength: 64 }), note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }), response: Ok } },
    async (req) => ({ ticket: ticketView(await grid.assign(req.principal!, req.params.id, req.body.workerId, req.body.note), req.principal!, clock.now()) }),
  );

  app.post(
    '/grid/tickets/:id/report',
    { schema: { operationId: 'reportGridTask', tags: ['grid'], summary: "网格员反馈: the grid worker's on-the-spot check or handling, with photos", params: IdParams, body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }), attachments: Photos }, { additionalProperties: false }), response: Ok } },
    async (req) => ({ ticket: ticketView(await grid.reportBack(req.principal!, req.params.id, req.body.text, (req.body.attachments ?? []) as Attachment[]), req.principal!, clock.now()) }),
  );

  app.post(
    '/grid/tickets/:id/confirm',
    {
      schema: {
        operationId: 'confirmGridTask', tags: ['grid'],
        summary: '现场确认: the unit’s result holds (the 回访 follows) or not (back to the unit)',
        params: IdParams,
        body: Type.Object({ ok: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 2000 })), attachments: Photos }, { additionalProperties: false }),
        response: Ok,
      },
    },
    async (req) => ({ ticket: ticketView(await grid.confirm(req.principal!, req.params.id, req.body.ok, req.body.note, (req.body.attachments ?? []) as Attachment[]), req.principal!, clock.now()) }),
  );
};

export default gridRoutes;
