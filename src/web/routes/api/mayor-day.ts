import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DECIDER_ROLES } from '../../../domain/policy.js';
import { errors } from '../../schemas/common.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type MayorDayRouteDeps = Pick<Container, 'mayorDay'>;

const ItemParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), itemId: Type.String({ minLength: 1, maxLength: 64 }) });

/** 市长热线日: agendas, items from the 联席会议, units' positions and the decisions (supervisors and admins). */
const mayorDay: FastifyPluginAsyncTypebox<MayorDayRouteDeps> = async (app, deps) => {
  const { mayorDay: svc } = deps;
  app.addHook('preValidation', app.requireAuth([...DECIDER_ROLES]));

  app.get('/mayor-day', { schema: { operationId: 'listMayorDays', tags: ['supervision'], summary: '市长热线日 agendas (the next first) with their items, tickets, positions and decisions', response: { 200: Type.Any(), ...errors(401, 403) } } }, async (req) => ({ items: await svc.agendas(req.principal!) }));

  app.get('/mayor-day/candidates', { schema: { operationId: 'listMayorDayCandidates', tags: ['supervision'], summary: '联席会议 items not yet on an agenda (with their keys)', response: { 200: Type.Any(), ...errors(401, 403) } } }, async (req) => ({ items: await svc.candidates(req.principal!) }));

  app.post(
    '/mayor-day',
    { schema: { operationId: 'createMayorDay', tags: ['supervision'], summary: 'a new 市长热线日 agenda', body: Type.Object({ date: Type.String({ maxLength: 10, description: 'YYYY-MM-DD' }), title: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }), response: { 200: Type.Any(), ...errors(400, 401, 403) } } },
    async (req) => ({ agenda: await svc.createAgenda(req.principal!, req.body) }),
  );

  app.post(
    '/mayor-day/items',
    {
      schema: {
        operationId: 'addMayorDayItem', tags: ['supervision'],
        summary: '提交市长热线日: a 联席会议 item the meeting could not decide (by key), or chosen tickets, on the next agenda',
        body: Type.Object(
          {
            jointMeetingKey: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            ticketIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 200 })),
            title: Type.Optional(Type.String({ maxLength: 200 })),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
            agendaId: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Any(), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => ({ item: await svc.addItem(req.principal!, req.body) }),
  );

  app.post(
    '/mayor-day/:id/items/:itemId/positions',
    { schema: { operationId: 'setMayorDayPosition', tags: ['supervision'], summary: "a unit's stated position on an item", params: ItemParams, body: Type.Object({ unit: Type.String({ minLength: 1, maxLength: 64 }), position: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }), response: { 200: Type.Any(), ...errors(400, 401, 403, 404, 409) } } },
    async (req) => ({ item: await svc.setPosition(req.principal!, req.params.id, req.params.itemId, req.body) }),
  );

  app.post(
    '/mayor-day/:id/items/:itemId/decision',
    {
      schema: {
        operationId: 'decideMayorDayItem', tags: ['supervision'],
        summary: 'the decision: recorded on each ticket (timeline); with unit, the tickets are reassigned to it',
        params: ItemParams,
        body: Type.Object({ decision: Type.String({ minLength: 1, maxLength: 4000 }), unit: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])) }, { additionalProperties: false }),
        response: { 200: Type.Any(), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req) => ({ item: await svc.decide(req.principal!, req.params.id, req.params.itemId, req.body) }),
  );
};

export default mayorDay;
