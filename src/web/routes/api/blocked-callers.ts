import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf, DECIDER_ROLES, OFFICE_ROLES } from '../../../domain/policy.js';
import { errors } from '../../schemas/common.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type BlockedCallersRouteDeps = Pick<Container, 'blockedCallers'>;

const Entry = Type.Object({
  phone: Type.String(),
  masked: Type.String(),
  reason: Type.String(),
  by: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  at: Type.String({ format: 'date-time' }),
  until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const BlockBody = Type.Object(
  {
    phone: Type.String({ minLength: 3, maxLength: 32 }),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
    // Not nullable: with type coercion on, a null branch would turn 0 into null, i.e. "for ever".
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'how long; absent: until lifted' })),
  },
  { additionalProperties: false },
);
const PhoneParams = Type.Object({ phone: Type.String({ minLength: 3, maxLength: 32 }) });

/**
 * 黑名单 of harassing callers: the hotline office sees it, supervisors and admins decide who is on it. A listed caller still reaches the hotline: the flow lets them leave
 * a message that becomes a ticket for review, it only skips the menu and the operators' queue.
 */
const blockedCallers: FastifyPluginAsyncTypebox<BlockedCallersRouteDeps> = async (app, deps) => {
  const { blockedCallers: list } = deps;
  app.addHook('preValidation', app.requireAuth());

  app.get(
    '/blocked-callers',
    { preValidation: app.requireAuth([...OFFICE_ROLES]), schema: { operationId: 'listBlockedCallers', tags: ['voice'], summary: 'callers on the block list', response: { 200: Type.Object({ items: Type.Array(Entry) }), ...errors(401, 403) } } },
    async () => ({ items: await list.list() }),
  );

  app.post(
    '/blocked-callers',
    { preValidation: app.requireAuth([...DECIDER_ROLES]), schema: { operationId: 'blockCaller', tags: ['voice'], summary: 'put a caller on the block list (audited)', body: BlockBody, response: { 201: Type.Object({ entry: Entry }), ...errors(400, 401, 403) } } },
    async (req, reply) => {
      const entry = await list.block(req.body, actorOf(req.principal!));
      return reply.code(201).send({ entry });
    },
  );

  app.delete(
    '/blocked-callers/:phone',
    { preValidation: app.requireAuth([...DECIDER_ROLES]), schema: { operationId: 'unblockCaller', tags: ['voice'], summary: 'take a caller off the block list (audited)', params: PhoneParams, response: { 204: Type.Null(), ...errors(401, 403, 404) } } },
    async (req, reply) => {
      await list.unblock(req.params.phone, actorOf(req.principal!));
      return reply.code(204).send(null);
    },
  );
};

export default blockedCallers;
