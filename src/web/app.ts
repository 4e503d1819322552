import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../container.js';
import errors from './plugins/errors.js';
import auth from './plugins/auth.js';
import health from './routes/health.js';
import ticketRoutes from './routes/api/tickets.js';
import authRoutes from './routes/api/auth.js';
import directoryRoutes from './routes/api/directory.js';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: Container;
  }
}

export interface AppOptions {
  /** extra route plugins (channel adapters register their webhooks here) */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/** The HTTP face of Suban: the folder tree under src/web is the boot order. */
export async function buildApp(ctx: Container, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log,
    bodyLimit: 1024 * 1024,
    trustProxy: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('ctx', ctx);
  await app.register(errors);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'", 'ws:', 'wss:'], mediaSrc: ["'self'", 'data:', 'blob:'] },
    },
  });
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Suban (速办) API', version: '1', description: '12345 hotline intake, dispatch, paging and follow-up' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'suban_session' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(auth, { auth: ctx.auth });
  await app.register(health);
  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(ticketRoutes);
      await api.register(directoryRoutes);
    },
    { prefix: '/api/v1' },
  );
  for (const p of opts.plugins ?? []) await app.register(p);
  return app as unknown as FastifyInstance;
}
