import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EMERGENCY_TYPES } from '../../../domain/tickets/assist.js';
import type { Principal } from '../../../domain/policy.js';
import type { Ticket } from '../../../domain/tickets/ticket.js';
import { literals } from '../../schemas/common.js';
import { errors, IdParams } from '../../schemas/common.js';
import { AttachmentIn, TicketView } from '../../schemas/tickets.js';
import { ticketView } from '../../views.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type AssistRouteDeps = Pick<Container, 'assist' | 'clock'>;

const Ok = { 200: Type.Object({ ticket: TicketView }), ...errors(400, 401, 403, 404, 409) };
const UnitName = Type.String({ minLength: 1, maxLength: 64 });
const When = Type.String({ maxLength: 40, format: 'date-time', description: 'ISO time; default now' });
const UnitParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), unit: UnitName });

/** 协办 parts, 应急联动 and 现场处置 on a ticket. */
const assistRoutes: FastifyPluginAsyncTypebox<AssistRouteDeps> = async (app, deps) => {
  const { assist, clock } = deps;
  const view = (t: Ticket, p: Principal) => ({ ticket: ticketView(t, p, clock.now()) });
  app.addHook('preValidation', app.requireAuth());

  app.post(
    '/tickets/:id/assists',
    {
      schema: {
        operationId: 'addAssists',
        tags: ['lifecycle'],
        summary: '协办: add supporting units (office); each signs and replies its own part with its own deadlines',
        params: IdParams,
        body: Type.Object({ units: Type.Array(UnitName, { minItems: 1, maxItems: 30 }), note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: Ok,
      },
    },
    async (req) => view(await assist.add(req.principal!, req.params.id, req.body.units, req.body.note), req.principal!),
  );

  app.delete(
    '/tickets/:id/assists/:unit',
    {
      schema: {
        operationId: 'removeAssist',
        tags: ['lifecycle'],
        summary: '协办: take a supporting unit off the ticket (office)',
        params: UnitParams,
        querystring: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }),
        response: Ok,
      },
    },
    async (req) => view(await assist.remove(req.principal!, req.params.id, req.params.unit, req.query.reason), req.principal!),
  );

  app.post(
    '/tickets/:id/assist/sign',
    { schema: { operationId: 'signAssist', tags: ['lifecycle'], summary: '协办签收: the 协办 unit signs its part', params: IdParams, response: Ok } },
    async (req) => view(await assist.sign(req.principal!, req.params.id), req.principal!),
  );

  app.post(
    '/tickets/:id/assist/reply',
    {
      schema: {
        operationId: 'replyAssist',
        tags: ['lifecycle'],
        summary: '协办答复: the 协办 unit replies its part (the lead unit reads it on the ticket)',
        params: IdParams,
        body: Type.Object({ reply: Type.String({ minLength: 1, maxLength: 5000 }), attachments: Type.Optional(Type.Array(AttachmentIn, { maxItems: 20 })) }, { additionalProperties: false }),
        response: Ok,
      },
    },
    async (req) => view(await assist.reply(req.principal!, req.params.id, req.body.reply, req.body.attachments), req.principal!),
  );

  app.get(
    '/tickets/:id/assist/warning',
    {
      schema: {
        operationId: 'assistReplyWarning',
        tags: ['lifecycle'],
        summary: 'what the lead unit is warned of before replying: 协办 parts still open (they become 主办已答复)',
        params: IdParams,
        response: { 200: Type.Object({ warning: Type.Union([Type.String(), Type.Null()]) }), ...errors(401, 404) },
      },
    },
    async (req) => ({ warning: await assist.replyWarning(req.principal!, req.params.id) }),
  );

  app.get(
    '/linkage',
    {
      schema: {
        operationId: 'linkageConfig',
        tags: ['lifecycle'],
        summary: '应急联动: the 突发事件 types and the units each pages (config/linkage.yaml)',
        response: { 200: Type.Object({ types: Type.Array(Type.String()), units: Type.Array(Type.String()), byType: Type.Record(Type.String(), Type.Array(Type.String())) }), ...errors(401) },
      },
    },
    async () => ({ types: [...EMERGENCY_TYPES], units: assist.linkageConfig.units, byType: assist.linkageConfig.byType as Record<string, string[]> }),
  );

  app.post(
    '/tickets/:id/linkage',
    {
      schema: {
        operationId: 'startLinkage',
        tags: ['lifecycle'],
        summary: '应急联动 for a 突发事件 (office): the configured units become 协办 and, with the lead unit, are paged at once — one page per unit',
        params: IdParams,
        body: Type.Object(
          {
            emergencyType: literals([...EMERGENCY_TYPES]),
            note: Type.Optional(Type.String({ maxLength: 500 })),
            units: Type.Optional(Type.Array(UnitName, { maxItems: 30, description: 'more units beside the configured ones' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ ticket: TicketView, units: Type.Array(Type.String()) }), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const r = await assist.startLinkage(req.principal!, req.params.id, req.body.emergencyType, req.body.note, req.body.units ?? []);
      return { ...view(r.ticket, req.principal!), units: r.units };
    },
  );

  app.post(
    '/tickets/:id/onsite/dispatch',
    {
      schema: {
        operationId: 'onsiteDispatch',
        tags: ['lifecycle'],
        summary: '现场处置: who was sent to the scene (names, count), with what equipment, and when',
        params: IdParams,
        body: Type.Object(
          {
            unit: Type.Optional(UnitName),
            sentAt: Type.Optional(When),
            people: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 100 }),
            count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
            equipment: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
            note: Type.Optional(Type.String({ maxLength: 500 })),
            attachments: Type.Optional(Type.Array(AttachmentIn, { maxItems: 20 })),
          },
          { additionalProperties: false },
        ),
        response: Ok,
      },
    },
    async (req) => view(await assist.recordDispatch(req.principal!, req.params.id, req.body), req.principal!),
  );

  app.post(
    '/tickets/:id/onsite/arrival',
    {
      schema: {
        operationId: 'onsiteArrival',
        tags: ['lifecycle'],
        summary: '现场处置: the people sent arrived at the scene (also by SMS 「到达 <code>」 or key 1 on the arrival call), with photos',
        params: IdParams,
        body: Type.Object({ unit: Type.Optional(UnitName), arrivedAt: Type.Optional(When), attachments: Type.Optional(Type.Array(AttachmentIn, { maxItems: 20 })) }, { additionalProperties: false }),
        response: Ok,
      },
    },
    async (req) => view(await assist.recordArrival(req.principal!, req.params.id, req.body), req.principal!),
  );
};

export default assistRoutes;
