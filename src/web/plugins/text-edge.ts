import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { findBadText } from '../../domain/text.js';

/**
 * Signed pushes (Twilio, the WeChat Official Account, the platforms of 附件2): the signature covers
 * the bytes as sent, so their adapters strip NUL and lone surrogates after the check instead of
 * refusing (a refused push is retried by its platform forever).
 */
export const SIGNED_PUSH_PREFIXES = ['/twilio/', '/wechat/', '/platforms/', '/freeswitch/'];

/**
 * One check at the edge, the same on both engines: a NUL or an unpaired surrogate anywhere in the
 * query, the path parameters or a parsed body is a 400 with the one error shape (Open311 answers in
 * its own), before any route or database sees it.
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', (req: FastifyRequest, _reply, done) => {
      const where = findBadText(req.query, 'query') ?? findBadText(req.params, 'params') ?? (SIGNED_PUSH_PREFIXES.some((p) => req.url.startsWith(p)) ? null : findBadText(req.body, 'body'));
      if (!where) return done();
      done(new AppError('invalid', 'invalid_text', `请求含有不允许的字符(NUL 或不成对的代理字符):${where}`));
    });
  },
  { name: 'text-edge', dependencies: ['errors'] },
);
