import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { MAX_PHOTO_BODY, type AttachmentService } from '../../../application/attachments/service.js';
import { errors } from '../../schemas/common.js';
import type { Container } from '../../../composition/container.js';
/** The photo store, and the tickets a photo's reader must be allowed to read. */
export type AttachmentRouteDeps = Pick<Container, 'tickets'> & { attachments: Pick<AttachmentService, 'storeTicketPhoto' | 'open'> };

const AttachmentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * Ticket photos (a unit's reply): upload one, then name its id in the reply; fetched by whoever may
 * read the ticket the reply is on (the uploader before that), 403 for anyone else.
 */
const attachmentRoutes: FastifyPluginAsyncTypebox<AttachmentRouteDeps> = async (app, deps) => {
  const { attachments: svc, tickets } = deps;
  app.addHook('preValidation', app.requireAuth());

  app.post(
    '/attachments',
    {
      preValidation: app.requireAuth(['unit', 'operator', 'supervisor', 'admin']),
      bodyLimit: MAX_PHOTO_BODY + 1024,
      schema: {
        operationId: 'uploadAttachment',
        tags: ['tickets'],
        summary: 'a photo for a ticket reply (JPEG, PNG or WebP by its bytes, at most 6 MB; base64 or a data: URL); its id goes in the reply',
        body: Type.Object({ data: Type.String({ minLength: 16, maxLength: MAX_PHOTO_BODY }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ id: Type.String(), url: Type.String(), type: Type.String(), bytes: Type.Integer() }), ...errors(400, 401, 403, 413) },
      },
    },
    async (req, reply) => reply.status(201).send(await svc.storeTicketPhoto(req.principal!, req.body.data)),
  );

  app.get(
    '/attachments/:id',
    {
      schema: {
        operationId: 'getAttachment',
        tags: ['tickets'],
        summary: 'a ticket photo, for whoever may read the ticket whose reply carries it (the uploader before the reply)',
        params: AttachmentParams,
        response: { 200: Type.Unsafe<unknown>({ type: 'string', format: 'binary', description: 'the photo (image/jpeg, image/png or image/webp)' }), ...errors(401, 403, 404) },
      },
    },
    async (req, reply) => {
      const f = await svc.open(req.principal!, req.params.id, (ticketId) => tickets.get(req.principal!, ticketId));
      return reply
        .type(f.type)
        .header('content-length', String(f.bytes))
        .header('cache-control', 'private, max-age=86400')
        .header('x-content-type-options', 'nosniff')
        .send(f.body);
    },
  );
};

export default attachmentRoutes;
