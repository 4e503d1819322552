import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ADMIN_ROLES } from '../../../domain/policy.js';
import { Type } from 'typebox';
import { errors, IdParams } from '../../schemas/common.js';
import { SESSION_COOKIE } from '../../plugins/auth.js';
import { sha256, tokenId } from '../../../application/auth.js';
import { notFound } from '../../../domain/errors.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type UsersRouteDeps = Pick<Container, 'auth' | 'clock' | 'users'>;

const UserView = Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.Union([Type.String(), Type.Null()]), role: Type.String(), unit: Type.Union([Type.String(), Type.Null()]), disabled: Type.Boolean() });
const TokenView = Type.Object({ id: Type.String(), createdAt: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]), expired: Type.Boolean() });
const NewToken = Type.Object({ token: Type.String({ description: 'shown once' }), id: Type.String(), expiresAt: Type.Union([Type.String(), Type.Null()]) });
const TokenBody = Type.Object({ expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'empty = no expiry' })) }, { additionalProperties: false });
const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), token: Type.String({ pattern: '^[0-9a-f]{16}$' }) });

/**
 * The credential lifecycle: an admin disables, enables and resets users; everyone changes their
 * own password; API tokens have an optional expiry and are listed and revoked by their owner (or
 * an admin). Whatever ends a credential closes the live sockets opened with it.
 */
const users: FastifyPluginAsyncTypebox<UsersRouteDeps> = async (app, deps) => {
  const { auth, clock } = deps;
  const admin = app.requireAuth([...ADMIN_ROLES]);
  const view = ({ phone: _p, ...u }: { phone: string | null } & Record<string, unknown>) => u as never;
  const tokenView = (t: { id: string; createdAt: Date; expiresAt: Date | null; expired: boolean }) => ({ id: t.id, createdAt: t.createdAt.toISOString(), expiresAt: t.expiresAt?.toISOString() ?? null, expired: t.expired });
  const issue = async (userId: string, days?: number) => {
    const expiresAt = days ? new Date(clock.now().getTime() + days * 86400_000) : null;
    const token = await auth.issueToken(userId, { expiresAt });
    return { token, id: tokenId(sha256(token)), expiresAt: expiresAt?.toISOString() ?? null };
  };

  for (const action of ['disable', 'enable'] as const) {
    app.post(
      `/users/:id/${action}`,
      { preValidation: admin, schema: { operationId: `${action}User`, tags: ['users'], summary: action === 'disable' ? 'disable a user: no login, tokens stop working, sessions end, sockets close' : 'enable a disabled user', params: IdParams, response: { 200: Type.Object({ user: UserView }), ...errors(400, 401, 403, 404) } } },
      async (req) => ({ user: view((await auth.setDisabled(req.params.id, action === 'disable', req.principal!.id)) as never) }),
    );
  }

  app.post(
    '/users/:id/reset-password',
    { preValidation: admin, schema: { operationId: 'resetUserPassword', tags: ['users'], summary: "reset a user's password: a new one is returned once; the user's sessions end", params: IdParams, response: { 200: Type.Object({ password: Type.String() }), ...errors(401, 403, 404) } } },
    async (req) => ({ password: await auth.resetPassword(req.params.id, req.principal!.id) }),
  );

  app.post(
    '/auth/password',
    {
      preValidation: app.requireAuth(),
      schema: {
        operationId: 'changeOwnPassword',
        tags: ['auth'],
        summary: 'change your own password (your other sessions end)',
        body: Type.Object({ current: Type.String({ minLength: 1, maxLength: 200 }), next: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ ok: Type.Boolean() }), ...errors(400, 401, 403) },
      },
    },
    async (req) => {
      await auth.changeOwnPassword(req.principal!.id, req.body.current, req.body.next, req.cookies[SESSION_COOKIE]);
      return { ok: true };
    },
  );

  // Login locks (accounts and addresses) in force; an admin lifts one.
  app.get('/login-locks', { preValidation: admin, schema: { operationId: 'listLoginLocks', tags: ['users'], summary: 'accounts and addresses locked after wrong passwords', response: { 200: Type.Object({ items: Type.Array(Type.Object({ key: Type.String(), lockedUntil: Type.String(), failures: Type.Integer() })) }), ...errors(401, 403) } } }, async () => ({
    items: (await auth.loginLocks()).map((l) => ({ key: l.key, lockedUntil: l.lockedUntil.toISOString(), failures: l.failures })),
  }));
  app.delete('/login-locks/:key', { preValidation: admin, schema: { operationId: 'deleteLoginLock', tags: ['users'], summary: 'lift a login lock (key as listed: account:<name> or address:<ip>)', params: Type.Object({ key: Type.String({ minLength: 3, maxLength: 220 }) }), response: { 200: Type.Object({ wasLocked: Type.Boolean() }), ...errors(401, 403) } } }, async (req) => ({
    wasLocked: await auth.liftLoginLock(req.params.key, req.principal!.id),
  }));

  // Your own API tokens.
  app.get('/tokens', { preValidation: app.requireAuth(), schema: { operationId: 'listOwnTokens', tags: ['tokens'], summary: 'your API tokens', response: { 200: Type.Object({ items: Type.Array(TokenView) }), ...errors(401) } } }, async (req) => ({
    items: (await auth.listTokens(req.principal!.id)).map(tokenView),
  }));
  app.post('/tokens', { preValidation: app.requireAuth(), schema: { operationId: 'createOwnToken', tags: ['tokens'], summary: 'a new API token for yourself (shown once)', body: TokenBody, response: { 201: NewToken, ...errors(400, 401) } } }, async (req, reply) =>
    reply.status(201).send(await issue(req.principal!.id, req.body?.expiresInDays)),
  );
  app.delete('/tokens/:token', { preValidation: app.requireAuth(), schema: { operationId: 'revokeOwnToken', tags: ['tokens'], summary: 'revoke one of your API tokens', params: Type.Object({ token: Type.String({ pattern: '^[0-9a-f]{16}$' }) }), response: { 200: Type.Object({ ok: Type.Boolean() }), ...errors(400, 401, 404) } } }, async (req) => {
    await auth.revokeToken(req.principal!.id, req.params.token, req.principal!.id);
    return { ok: true };
  });

  // Any user's API tokens (admin).
  app.get('/users/:id/tokens', { preValidation: admin, schema: { operationId: 'listUserTokens', summary: "a user's API tokens (admins)", tags: ['tokens'], params: IdParams, response: { 200: Type.Object({ items: Type.Array(TokenView) }), ...errors(401, 403) } } }, async (req) => ({
    items: (await auth.listTokens(req.params.id)).map(tokenView),
  }));
  app.post('/users/:id/tokens', { preValidation: admin, schema: { operationId: 'createUserToken', tags: ['tokens'], summary: 'a new API token for a user (shown once)', params: IdParams, body: TokenBody, response: { 201: NewToken, ...errors(400, 401, 403, 404) } } }, async (req, reply) => {
    if (!(await deps.users.byId(req.params.id))) throw notFound('user', req.params.id);
    return reply.status(201).send(await issue(req.params.id, req.body?.expiresInDays));
  });
  app.delete('/users/:id/tokens/:token', { preValidation: admin, schema: { operationId: 'revokeUserToken', tags: ['tokens'], summary: "revoke a user's API token", params: TokenParams, response: { 200: Type.Object({ ok: Type.Boolean() }), ...errors(400, 401, 403, 404) } } }, async (req) => {
    await auth.revokeToken(req.params.id, req.params.token, req.principal!.id);
    return { ok: true };
  });
};

export default users;
