import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ADMIN_ROLES, DECIDER_ROLES, ROLES } from '../../../domain/policy.js';
import { errors } from '../../schemas/common.js';
import { Unit } from '../../../contracts/directory.js';
import type { Container } from '../../../composition/container.js';
/** What these routes use of the service (src/composition builds it). */
export type DirectoryRouteDeps = Pick<Container, 'units' | 'users' | 'auth'>;

const UserView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  displayName: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  unit: Type.Union([Type.String(), Type.Null()]),
  /** 网格员: township and grid area */
  township: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  gridArea: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  disabled: Type.Boolean(),
});

/** Units of 附件1 and console users. */
const directory: FastifyPluginAsyncTypebox<DirectoryRouteDeps> = async (app, deps) => {
  const { units, users, auth } = deps;

  app.get(
    '/units',
    {
      preValidation: app.requireAuth(),
      schema: { operationId: 'listUnits', summary: 'the units of the directory (附件1) and whether each is active', tags: ['directory'], response: { 200: Type.Object({ items: Type.Array(Unit) }), ...errors(401) } },
    },
    async () => ({ items: (await units.list()).map((u) => ({ name: u.name, kind: u.kind, active: u.active })) }),
  );

  app.get(
    '/users',
    { preValidation: app.requireAuth([...DECIDER_ROLES]), schema: { operationId: 'listUsers', summary: 'users (admins and supervisors)', tags: ['directory'], response: { 200: Type.Object({ items: Type.Array(UserView) }), ...errors(401, 403) } } },
    async () => ({ items: (await users.list()).map(({ phone: _p, ...u }) => u) }),
  );

  app.post(
    '/users',
    {
      preValidation: app.requireAuth([...ADMIN_ROLES]),
      schema: {
        operationId: 'createUser',
        tags: ['directory'],
        summary: 'add a user; the API token is returned once',
        body: Type.Object(
          {
            name: Type.String({ minLength: 2, maxLength: 64 }),
            role: Type.Union(ROLES.map((r) => Type.Literal(r))),
            unit: Type.Optional(Type.String({ maxLength: 64 })),
            township: Type.Optional(Type.String({ maxLength: 64, description: '网格员: the township (a 乡镇 unit)' })),
            gridArea: Type.Optional(Type.String({ maxLength: 100, description: '网格员: the grid area, e.g. 红都社区第3网格' })),
            displayName: Type.Optional(Type.String({ maxLength: 64 })),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ user: UserView, token: Type.String() }), ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const u = await auth.addUser(req.body);
      const token = await auth.issueToken(u.id);
      const { phone: _p, ...user } = u;
      return reply.status(201).send({ user, token });
    },
  );

  app.post(
    '/users/:id/unlock',
    {
      preValidation: app.requireAuth([...ADMIN_ROLES]),
      schema: { operationId: 'unlockUser', tags: ['directory'], summary: 'lift the login lock that wrong passwords put on a user', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ wasLocked: Type.Boolean() }), ...errors(401, 403, 404) } },
    },
    async (req) => auth.unlockLogin(req.params.id, req.principal!.id),
  );
};

export default directory;
