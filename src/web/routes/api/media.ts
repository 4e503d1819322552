import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DECIDER_ROLES } from '../../../domain/policy.js';
import { invalid } from '../../../domain/errors.js';
import { errors, IdParams } from '../../schemas/common.js';
import { TicketView } from '../../schemas/tickets.js';
import { ticketView } from '../../views.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type MediaRouteDeps = Pick<Container, 'media' | 'clock'>;

const N = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const MediaItem = Type.Object(
  {
    id: Type.String(),
    number: Type.String(),
    headline: N(Type.String()),
    summary: N(Type.String()),
    category: Type.String(),
    channel: Type.String(),
    township: N(Type.String()),
    unit: N(Type.String()),
    place: N(Type.String({ description: 'street level only' })),
    content: Type.String({ description: 'names, phone and ID numbers and house numbers masked' }),
    reply: N(Type.String()),
    satisfaction: N(Type.String()),
    solved: N(Type.Boolean()),
    createdAt: Type.String(),
    closedAt: Type.String(),
    publishedAt: Type.String(),
  },
  { $id: 'MediaItem' },
);

/** 市融媒体中心: the published tickets (media role, or the office to check what it sees) and the 热线办's choice. */
const media: FastifyPluginAsyncTypebox<MediaRouteDeps> = async (app, deps) => {
  const { media: svc, clock } = deps;
  const readers = app.requireAuth(['media', ...DECIDER_ROLES]);

  app.get(
    '/media/tickets',
    { preValidation: readers, schema: { operationId: 'listMediaTickets', tags: ['media'], summary: 'closed tickets chosen for publication, masked, newest publication first', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }), response: { 200: Type.Object({ items: Type.Array(MediaItem) }), ...errors(401, 403) } } },
    async (req) => ({ items: await svc.list(req.principal!, { limit: req.query.limit }) }),
  );

  app.get(
    '/media/tickets/:id',
    { preValidation: readers, schema: { operationId: 'getMediaTicket', tags: ['media'], summary: 'one published ticket (any other id: 404)', params: IdParams, response: { 200: Type.Object({ item: MediaItem }), ...errors(401, 403, 404) } } },
    async (req) => ({ item: await svc.get(req.principal!, req.params.id) }),
  );

  app.get(
    '/media/feed',
    {
      preValidation: readers,
      schema: {
        operationId: 'getMediaFeed', tags: ['media'],
        summary: "the media centre's feed (JSON): tickets published after `since` (ISO time), for its own system with an API token",
        querystring: Type.Object({ since: Type.Optional(Type.String({ maxLength: 40 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: Type.Object({ generatedAt: Type.String(), items: Type.Array(MediaItem) }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const since = req.query.since ? new Date(req.query.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw invalid('bad_since', 'since 应为 ISO 时间');
      return { generatedAt: clock.now().toISOString(), items: await svc.list(req.principal!, { since, limit: req.query.limit ?? 200 }) };
    },
  );

  app.post(
    '/media/tickets/:id/publish',
    {
      preValidation: app.requireAuth([...DECIDER_ROLES]),
      schema: { operationId: 'publishTicket', tags: ['media'], summary: '选登: the 热线办 chooses a closed ticket for the media centre', params: IdParams, body: Type.Object({ headline: Type.Optional(Type.String({ maxLength: 200 })), summary: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }), response: { 200: Type.Object({ ticket: TicketView }), ...errors(400, 401, 403, 404, 409) } },
    },
    async (req) => ({ ticket: ticketView(await svc.publish(req.principal!, req.params.id, req.body), req.principal!, clock.now()) }),
  );

  app.post(
    '/media/tickets/:id/unpublish',
    { preValidation: app.requireAuth([...DECIDER_ROLES]), schema: { operationId: 'unpublishTicket', tags: ['media'], summary: 'withdraw a ticket from the media centre', params: IdParams, body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false })), response: { 200: Type.Object({ ticket: TicketView }), ...errors(401, 403, 404, 409) } } },
    async (req) => ({ ticket: ticketView(await svc.unpublish(req.principal!, req.params.id, req.body?.note), req.principal!, clock.now()) }),
  );
};

export default media;
