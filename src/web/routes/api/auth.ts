import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors } from '../../schemas/common.js';
import { User } from '../../../contracts/directory.js';
import { SESSION_COOKIE } from '../../plugins/auth.js';
import { AppError } from '../../../domain/errors.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type AuthRouteDeps = Pick<Container, 'auth' | 'config'>;


const auth: FastifyPluginAsyncTypebox<AuthRouteDeps> = async (app, deps) => {
  const { auth: svc, config } = deps;

  app.post(
    '/auth/login',
    {
      // Password guessing is slowed per client address here, and per account and address with growing locks in AuthService.
      config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
      // JSON only: a cross-site HTML form can post form-encoded or text/plain bodies, never JSON
      // (login CSRF would sign the victim's browser into the attacker's account).
      onRequest: (req, _reply, done) => {
        if (/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return done();
        done(new AppError('invalid', 'json_only', '登录请求必须是 application/json'));
      },
      schema: {
        operationId: 'login',
        security: [],
        tags: ['auth'],
        summary: 'console login (sets an httpOnly session cookie; returns the CSRF token to echo in x-csrf-token)',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ user: User, csrf: Type.String() }), ...errors(400, 401, 429) },
      },
    },
    async (req, reply) => {
      const r = await svc.login(req.body.name, req.body.password, req.ip);
      reply.setCookie(SESSION_COOKIE, r.session, { httpOnly: true, secure: config.cookieSecure, sameSite: 'lax', path: '/', expires: r.expiresAt });
      return { user: { id: r.user.id, name: r.user.displayName ?? r.user.name, role: r.user.role, unit: r.user.unit }, csrf: r.csrf };
    },
  );

  app.post('/auth/logout', { schema: { operationId: 'logout', summary: 'end the console session (clears the cookie)', tags: ['auth'], response: { 200: Type.Object({ ok: Type.Boolean() }), ...errors(403, 503) } } }, async (req, reply) => {
    const s = req.cookies[SESSION_COOKIE];
    if (s) await svc.logout(s);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/auth/me', { schema: { operationId: 'getCurrentUser', summary: 'the signed-in user', tags: ['auth'], response: { 200: Type.Object({ user: User }), ...errors(401) } }, preValidation: app.requireAuth() }, async (req) => ({ user: req.principal! }));
};

export default auth;
