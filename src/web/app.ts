import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ErrorBody } from './schemas/common.js';
import formbody from '@fastify/formbody';
import securityHeaders, { securityHeaderOptions } from './plugins/security-headers.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from '../composition/container.js';
import errors from './plugins/errors.js';
import textEdge from './plugins/text-edge.js';
import publicConnections from './plugins/public-connections.js';
import auth from './plugins/auth.js';
import rateLimits from './plugins/rate-limits.js';
import health from './routes/health.js';
import ticketRoutes from './routes/api/tickets.js';
import assistRoutes from './routes/api/assist.js';
import authRoutes from './routes/api/auth.js';
import directoryRoutes from './routes/api/directory.js';
import userRoutes from './routes/api/users.js';
import statsRoutes from './routes/api/stats.js';
import supervisionRoutes from './routes/api/supervision.js';
import dutyRoutes from './routes/api/duty.js';
import blockedCallerRoutes from './routes/api/blocked-callers.js';
import knowledgeRoutes from './routes/api/knowledge.js';
import gridRoutes from './routes/api/grid.js';
import mediaRoutes from './routes/api/media.js';
import attachmentRoutes from './routes/api/attachments.js';
import { AttachmentService } from '../application/attachments/service.js';
import mayorDayRoutes from './routes/api/mayor-day.js';
import answerRoutes from './routes/api/answers.js';
import firstContactRoutes from './routes/api/first-contact.js';
import kpiRuleRoutes from './routes/api/kpi-rules.js';
import accountabilityRoutes from './routes/api/accountability.js';
import platformRoutes from './routes/platforms.js';
import open311Routes from './routes/open311.js';
import consoleRoutes from './routes/console.js';
import { mediaPhotoStore } from '../../adapters/files/photo-store.js';
import { consoleBundle } from '../../adapters/files/console-bundle.js';
import { directoryExists } from '../../adapters/files/directories.js';
import { localRecordingFiles } from '../../adapters/freeswitch/recording-files.js';
import websocket from '@fastify/websocket';
import operatorSocket, { closeSocketsForRestart } from './ws/operator.js';
import liveSockets from './ws/live-sockets.js';
import liveHub from './ws/hub.js';
import { socketErrorHandler } from './ws/socket-errors.js';
import { twilioRoutes } from './routes/webhooks/twilio.js';
import { wechatMpRoutes } from './routes/webhooks/wechat-mp.js';
import { simRoutes } from './routes/sim.js';
import { freeswitchRecordings, privateMedia } from './routes/freeswitch-recordings.js';

export interface AppOptions {
  /** extra route plugins, beside the API and the console (signed-in users are known there) */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
  /** extra provider webhooks, beside Twilio's and WeChat's (no session cookie, no websocket) */
  webhooks?: ((app: FastifyInstance) => Promise<void>)[];
  /** what /media/ serves (default the container's mediaDir, ./data/media) */
  mediaDir?: string;
  /** the level of the one access-log line per request (the demo: debug, so a terminal shows what matters) */
  requestLogLevel?: 'info' | 'debug';
}

/** Only the named parts of the container: what a route plugin declares it uses (its `…RouteDeps`). */
function pick<K extends keyof Container>(ctx: Container, ...keys: K[]): Pick<Container, K> {
  return Object.fromEntries(keys.map((k) => [k, ctx[k]])) as Pick<Container, K>;
}

/** The HTTP face of Suban: the folder tree under src/web is the boot order. */
export async function buildApp(ctx: Container, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log,
    bodyLimit: 1024 * 1024,
    // Only the configured proxies may name the client (X-Forwarded-For); otherwise a header per request
    // would pick a new address and reset every per-address limit (login, webhooks).
    trustProxy: ctx.config.trustProxy.length ? ctx.config.trustProxy : false,
    // A client gets this long for its headers, and for the whole request (body included), before
    // its connection is closed; Fastify's default is no limit, so a trickled body held it forever.
    requestTimeout: ctx.config.requestTimeoutMs,
    http: { headersTimeout: ctx.config.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, Math.ceil(ctx.config.headersTimeoutMs / 2)) },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Fastify's own 503 while closing lacks our error shape and Retry-After: the hook below answers instead.
    return503OnClosing: false,
    // One access-log line per request (below), not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // The router answers a malformed percent-escape or an over-long path parameter itself, before any
    // hook or error handler; without this its bodies would not have the one error shape.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply
        .status(tooLong ? 414 : 400)
        .send({ error: { code: tooLong ? 'url_too_long' : 'bad_url', message: tooLong ? '请求地址过长' : '请求地址无效(百分号编码错误)' } });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Hooks that run for every request take a callback: an async one costs a promise and a microtask each time.
  const requestLogLevel = opts.requestLogLevel ?? 'info';
  app.addHook('onResponse', (req, reply, done) => {
    req.log[requestLogLevel]({ req, res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime) }, 'request completed');
    done();
  });
  await app.register(errors);
  await app.register(textEdge);
  await app.register(publicConnections, { max: ctx.config.publicConnectionsPerAddress });
  // Graceful shutdown: requests in flight finish, but one that arrives after closing began (on a
  // keep-alive connection that was still busy) is turned away at once, told when to retry, and its
  // connection closed so the client's next attempt reaches an instance that is staying up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', (_req, reply, done) => {
    if (!closing) return done();
    reply.status(503).header('retry-after', '5').header('connection', 'close').send({ error: { code: 'shutting_down', message: '服务正在重启，请稍后重试' } });
  });
  // upgrade-insecure-requests and HSTS only when the service is reached over https
  await app.register(securityHeaders, { helmet: securityHeaderOptions(ctx.config.publicUrl, ctx.config.mapTiles.url) });
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Suban (速办) API', version: '1', description: '12345 hotline intake, dispatch, paging and follow-up' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token (suban user add, POST /api/v1/tokens)' },
          session: { type: 'apiKey', in: 'cookie', name: 'suban_session', description: 'the console session (POST /api/v1/auth/login); writes echo x-csrf-token' },
          api_key: { type: 'apiKey', in: 'query', name: 'api_key', description: 'an Open311 client key (suban open311 add-client); POST requests may carry it as a body field instead' },
          platform_signature: { type: 'apiKey', in: 'header', name: 'X-Suban-Signature', description: 'HMAC-SHA256 of the timestamp and body with the platform secret (sha256=<hex>), with X-Suban-Timestamp' },
        },
      },
      // The API's default; health, Open311, the platforms' pushes and the console's login say otherwise per route.
      security: [{ bearer: [] }, { session: [] }],
    },
    // Schemas with an $id are named components (Ticket, Error, Open311ServiceRequest …), so generated clients get named types.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.addSchema(ErrorBody);
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimits, { webhookPerMinute: ctx.config.webhookRateLimit });
  await app.register(health, pick(ctx, 'db', 'ticketStore', 'clock', 'calendarCoverage', 'config', 'bus', 'duty', 'classifierReady', 'metrics'));
  app.addHook('onReady', async () => {
    await ctx.calls.start();
  });
  app.addHook('onClose', async () => {
    await ctx.calls.stop();
  });
  // Provider webhooks (Twilio, the WeChat Official Account) are called by the provider's servers,
  // which prove who they are by a signature over the request, never by a console session: the
  // session cookie and the websocket upgrade check stay out of their path, which every call and
  // every citizen message takes.
  await app.register(async (providers) => {
    if (ctx.config.voice === 'twilio' || ctx.config.sms === 'twilio') {
      const c = ctx.config;
      await providers.register(twilioRoutes({ voice: ctx.calls, queue: ctx.operatorQueue, inbox: ctx.smsInbox, authToken: c.twilio.authToken, publicUrl: c.publicUrl, state: ctx.state, dedupe: ctx.dedupe, clock: ctx.clock, log: ctx.log, users: ctx.users }));
    }
    // WeChat Official Account webhook (no routes unless WECHAT_MP_TOKEN is set).
    await providers.register(wechatMpRoutes(ctx.wechatMp, ctx.log));
    for (const p of opts.webhooks ?? []) await providers.register(p);
  });
  // Everything people and their programs use: the console, the API, screen pops, media.
  const mediaDir = opts.mediaDir ?? ctx.mediaDir;
  // Ticket and grid photos: the ticket routes link them to replies, the grid routes store patrol photos.
  const attachments = new AttachmentService({ photos: mediaPhotoStore(mediaDir), state: ctx.state, clock: ctx.clock });
  await app.register(async (site) => {
    await site.register(auth, { auth: ctx.auth });
    await site.register(
      async (api) => {
        await api.register(authRoutes, pick(ctx, 'auth', 'config'));
        await api.register(ticketRoutes, { ...pick(ctx, 'tickets', 'ticketStore', 'clock'), attachments });
        await api.register(assistRoutes, pick(ctx, 'assist', 'clock'));
        await api.register(directoryRoutes, pick(ctx, 'units', 'users', 'auth'));
        await api.register(userRoutes, pick(ctx, 'auth', 'clock', 'users'));
        await api.register(statsRoutes, pick(ctx, 'ticketStore', 'clock', 'kpi', 'kpiRules', 'unitNames', 'isMirrorChannel', 'config'));
        await api.register(supervisionRoutes, pick(ctx, 'supervision', 'hotspots', 'followup', 'clock'));
        await api.register(dutyRoutes, pick(ctx, 'duty', 'paging', 'clock', 'ticketStore'));
        await api.register(blockedCallerRoutes, pick(ctx, 'blockedCallers'));
        await api.register(knowledgeRoutes, pick(ctx, 'knowledge', 'clock', 'unitNames', 'directoryUnits', 'unitAliases'));
        await api.register(gridRoutes, { ...pick(ctx, 'grid', 'clock'), attachments });
        await api.register(attachmentRoutes, { ...pick(ctx, 'tickets'), attachments });
        await api.register(mediaRoutes, pick(ctx, 'media', 'clock'));
        await api.register(mayorDayRoutes, pick(ctx, 'mayorDay'));
        await api.register(answerRoutes, pick(ctx, 'answers', 'clock'));
        await api.register(firstContactRoutes, pick(ctx, 'ticketStore', 'clock', 'knowledge', 'classifier', 'segmenter'));
        await api.register(kpiRuleRoutes, pick(ctx, 'kpiRules'));
        await api.register(accountabilityRoutes, pick(ctx, 'accountability', 'clock', 'unitNames'));
      },
      { prefix: '/api/v1' },
    );
    // Voice: operator screen pops and the simulator's console API.
    await site.register(liveSockets, pick(ctx, 'metrics', 'bus'));
    // The one websocket hub: the operator desks' and the consoles' sockets.
    await site.register(liveHub, pick(ctx, 'bus', 'operatorQueue'));
    await site.register(websocket, { options: { maxPayload: 64 * 1024 }, preClose: closeSocketsForRestart, errorHandler: socketErrorHandler });
    await site.register(operatorSocket, pick(ctx, 'auth', 'config'));
    // The simulator's routes only for the simulated providers (each route for its own provider).
    await site.register(simRoutes({ sim: ctx.config.voice === 'sim' ? ctx.simVoice : null, sms: ctx.config.sms === 'sim' ? ctx.simSms : null, inbox: ctx.smsInbox, clock: ctx.clock, bus: ctx.bus }));
    // Outside platforms (附件2 push endpoint) and Open311 GeoReport v2: each keeps its own body parser / error shape inside.
    await site.register(platformRoutes, pick(ctx, 'platforms', 'clock'));
    await site.register(open311Routes, pick(ctx, 'tickets', 'ticketStore', 'state', 'clock', 'unitNames', 'config', 'dutyList'));
    // FreeSWITCH recordings: the upload route (or the shared directory) and the provider's record targets.
    if (ctx.config.voice === 'freeswitch') await site.register(freeswitchRecordings({ config: ctx.config.freeswitch.recordings, recordings: ctx.freeswitchRecordings, clock: ctx.clock, files: localRecordingFiles }));
    // Recordings, WeChat images and voice: signed-in console users only (the console's <audio>/<img> send the session cookie).
    // Ticket photos under <media>/attachments/ are not among them: /api/v1/attachments/:id checks the ticket.
    await site.register(privateMedia({ root: mediaDir, prefix: '/media/', exclude: ['attachments'], exists: directoryExists }));
    for (const p of opts.plugins ?? []) await site.register(p);
    // The web console last: its client routes never shadow an API route.
    await site.register(consoleRoutes, { ...pick(ctx, 'auth', 'clock', 'config', 'state', 'calls', 'dutyList', 'flowFiles'), bundle: consoleBundle() });
  });
  return app as unknown as FastifyInstance;
}
