import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { Principal, Role } from '../../domain/policy.js';
import type { AuthService } from '../../application/auth.js';

export const SESSION_COOKIE = 'suban_session';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** SHA-256 of the token or session the principal came with (live sockets are closed by it) */
    credentialHash: string | null;
  }
  interface FastifyInstance {
    /** preValidation hook (auth before schema checks, so a stranger learns nothing from a 400) that requires a signed-in principal, optionally with one of the roles. */
    requireAuth(roles?: Role[]): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/** Where a grid or media user may go on routes that admit every signed-in user (their tickets, their own account). */
const RESTRICTED_ROLE_PATHS: Partial<Record<Role, RegExp>> = {
  // a grid worker's own photos are under /media/grid/ (random names); recordings and the rest are not theirs;
  // ticket photos (attachments) check the ticket themselves
  grid: /^\/(api\/v1\/(auth|tokens|tickets|grid|console|attachments)(\/|\?|$)|media\/grid\/)/,
  media: /^\/api\/v1\/(auth|tokens|media|console)(\/|\?|$)/,
};

/**
 * Bearer API tokens for programs, a session cookie for the console. Cookie-authenticated writes
 * must echo the session's CSRF token in `x-csrf-token` (a cross-site form cannot read it).
 */
export default fp<{ auth: AuthService }>(
  async (app, { auth }) => {
    await app.register(cookie);
    app.decorateRequest('principal', null);
    app.decorateRequest('credentialHash', null);
    const identify = async (req: FastifyRequest): Promise<void> => {
      const header = req.headers.authorization;
      if (header?.startsWith('Bearer ')) {
        const found = await auth.authenticate(header.slice(7).trim(), 'token');
        req.principal = found?.principal ?? null;
        req.credentialHash = found?.hash ?? null;
        return;
      }
      const session = req.cookies[SESSION_COOKIE];
      if (!session) return;
      const found = await auth.authenticate(session, 'session');
      if (!found) return;
      if (UNSAFE.has(req.method) && !req.url.startsWith('/api/v1/auth/login')) {
        if (req.headers['x-csrf-token'] !== found.csrf) throw new AppError('forbidden', 'csrf', '缺少或错误的 CSRF 令牌');
      }
      req.principal = found.principal;
      req.credentialHash = found.hash;
    };
    // Most requests carry no credentials (webhooks, the console's assets): they pass without a promise.
    app.addHook('onRequest', (req, _reply, done) => {
      if (!req.headers.authorization?.startsWith('Bearer ') && !req.cookies[SESSION_COOKIE]) return done();
      identify(req).then(() => done(), done);
    });
    app.decorate('requireAuth', (roles?: Role[]) => async (req: FastifyRequest) => {
      if (!req.principal) throw new AppError('unauthorized', 'unauthenticated', '请先登录');
      if (roles && !roles.includes(req.principal.role)) throw new AppError('forbidden', 'forbidden', '没有权限执行此操作');
      // 网格员 and the 融媒体中心 have their own views: a route open to every signed-in user admits them only there.
      const own = RESTRICTED_ROLE_PATHS[req.principal.role];
      if (!roles && own && !own.test(req.url)) throw new AppError('forbidden', 'forbidden', '没有权限执行此操作');
    });
  },
  { name: 'auth', dependencies: ['errors'] },
);
