/**
 * 一次性答复 at the desk (issue 24): the top entries for what the operator types or the caller said,
 * and the direct answer that creates the ticket and records it as 直接答复 in one step.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { OFFICE_ROLES } from '../../../domain/policy.js';
import { Type } from 'typebox';
import { invalid } from '../../../domain/errors.js';
import { isChannel, type Channel } from '../../../domain/tickets/ticket.js';
import { errors } from '../../schemas/common.js';
import { TicketView } from '../../schemas/tickets.js';
import { ticketView } from '../../views.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type AnswersRouteDeps = Pick<Container, 'answers' | 'clock'>;

const Hit = Type.Object({
  entryId: Type.String(),
  title: Type.String(),
  answer: Type.String(),
  unit: Type.Union([Type.String(), Type.Null()]),
  confidence: Type.Number(),
  readable: Type.Boolean(),
  matched: Type.Array(Type.String()),
});

const SuggestBody = Type.Object(
  {
    text: Type.String({ maxLength: 5000 }),
    channel: Type.Optional(Type.String({ maxLength: 40 })),
    /** The operator filed the request as a ticket without an answer: a search without a confident entry counts as a miss. */
    recordMiss: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const AnswerBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: 5000 }),
    channel: Type.Optional(Type.String({ maxLength: 40 })),
    contact: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    contactName: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    place: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    entryId: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()]),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    answer: Type.String({ minLength: 1, maxLength: 5000 }),
    /** 短信发送答复: the answer is also texted to the caller (logged on the ticket). */
    sms: Type.Optional(Type.Boolean()),
    externalRef: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

const answers: FastifyPluginAsyncTypebox<AnswersRouteDeps> = async (app, deps) => {
  const { answers: svc, clock } = deps;
  app.addHook('preValidation', app.requireAuth([...OFFICE_ROLES]));

  app.post(
    '/answers/suggest',
    {
      schema: {
        operationId: 'suggestAnswers',
        tags: ['answers'],
        summary: '一次性答复: the top 5 knowledge-base entries for the citizen\'s words (the desk, while the operator types)',
        body: SuggestBody,
        response: { 200: Type.Object({ hits: Type.Array(Hit), confident: Type.Boolean(), confidentAt: Type.Number(), enabled: Type.Boolean() }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      const r = await svc.suggest(req.body.text, { channel: req.body.channel ?? 'phone', limit: 5, recordMiss: !!req.body.recordMiss });
      return {
        hits: r.hits.map((h) => ({ entryId: h.entryId, title: h.title, answer: h.answer, unit: h.unit, confidence: h.confidence, readable: h.readable, matched: [...h.matched] })),
        confident: r.confident,
        confidentAt: r.confidentAt,
        enabled: svc.enabled,
      };
    },
  );

  app.post(
    '/answers',
    {
      schema: {
        operationId: 'recordDirectAnswer',
        tags: ['answers'],
        summary: '直接答复: create the ticket and record the answer read to the citizen (no dispatch); 回访 follows, or it closes at once (SUBAN_ANSWER_FOLLOWUP)',
        body: AnswerBody,
        response: { 201: Type.Object({ ticket: TicketView, created: Type.Boolean(), smsSent: Type.Union([Type.Boolean(), Type.Null()]) }), 200: Type.Object({ ticket: TicketView, created: Type.Boolean(), smsSent: Type.Union([Type.Boolean(), Type.Null()]) }), ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const channel = (b.channel ?? 'phone') as Channel;
      if (!isChannel(channel) || /^(platform:|open311$)/.test(channel)) throw invalid('bad_channel', `渠道 ${channel} 不能在话务台直接答复`);
      const p = req.principal!;
      const r = await svc.record(
        {
          channel,
          content: b.content,
          contact: b.contact ?? null,
          contactName: b.contactName ?? null,
          place: b.place ?? null,
          externalRef: b.externalRef ?? null,
          sourceKey: b.idempotencyKey ? `api:${p.id}:${b.idempotencyKey}` : null,
          answer: { entryId: b.entryId, answer: b.answer, sms: !!b.sms, ...(b.title ? { title: b.title } : {}) },
        },
        { id: p.id, role: p.role, name: p.name },
        'console',
      );
      return reply.status(r.created ? 201 : 200).send({ ticket: ticketView(r.ticket, p, clock.now()), created: r.created, smsSent: r.smsSent });
    },
  );
};

export default answers;
