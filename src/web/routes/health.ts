import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import client from 'prom-client';
import fp from 'fastify-plugin';
import { createServer, type Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Container } from '../../composition/container.js';

const Readiness = Type.Object({
  ok: Type.Boolean(),
  database: Type.String(),
  bus: Type.String(),
  classifier: Type.String(),
  calendar: Type.Any(),
  /** A warning, never a reason to be unready: units without a reachable 24-hour duty person in the coming 7 days. */
  duty: Type.Optional(Type.Any()),
});

/** How long one duty-coverage check is reused by probes (83 rosters over 7 days each time would be wasteful). */
const DUTY_CHECK_MS = 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** the separate /metrics listener, when SUBAN_METRICS_LISTEN is set */
    metricsServer?: Server;
  }
}

/** A token (compared in constant time) when one is set; otherwise a direct connection from this host. */
export function metricsAllowed(token: string, authorization: string | undefined, remote: string | undefined, proxied: boolean): boolean {
  if (token) {
    const given = Buffer.from(authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : '');
    const want = Buffer.from(token);
    return given.length === want.length && timingSafeEqual(given, want);
  }
  return !proxied && (remote === '127.0.0.1' || remote === '::1' || remote === '::ffff:127.0.0.1');
}

/** Liveness, readiness (database reachable, classifier loaded, calendar covered) and Prometheus metrics. */
/** What the health routes use of the service (src/composition builds it). */
export type HealthRouteDeps = Pick<Container, 'db' | 'ticketStore' | 'clock' | 'calendarCoverage' | 'config' | 'bus' | 'duty' | 'classifierReady' | 'metrics'>;

const health: FastifyPluginAsyncTypebox<HealthRouteDeps> = async (app, deps) => {
  const { db, ticketStore, clock, calendarCoverage, config, bus, duty } = deps;
  let dutyCheck: { at: number; value: Promise<unknown> } | null = null;
  const dutyCoverage = (): Promise<unknown> => {
    const now = clock.now();
    if (!dutyCheck || now.getTime() - dutyCheck.at >= DUTY_CHECK_MS || now.getTime() < dutyCheck.at) {
      const value = duty.coverage(now, 7).then(
        (items) => {
          const uncovered = items.filter((c) => !c.covered).map((c) => c.unit);
          return uncovered.length
            ? { ok: false, warning: `${uncovered.length}个单位未来7天没有可联系的24小时值班人员，其呼叫、催办、督办转热线办值班员`, uncovered }
            : { ok: true, uncovered: [] };
        },
        (err: unknown) => ({ ok: false, warning: `值班覆盖检查失败：${err instanceof Error ? err.message : String(err)}`, uncovered: [] }),
      );
      dutyCheck = { at: now.getTime(), value };
    }
    return dutyCheck.value;
  };
  // Informational only: an instance whose cross-instance bus is reconnecting still serves requests, so it stays ready.
  const busState = (): string => bus.linkState();
  // The classifier's worker loads it for about a second after the port opens: requests meanwhile wait
  // for it, and a load balancer is told to send them elsewhere until then.
  let classifier = 'loading';
  void deps.classifierReady().then(() => {
    classifier = 'ok';
  });
  // A load balancer's probe needs an answer within seconds, not after the pool's query deadline
  // (SUBAN_DB_QUERY_TIMEOUT_MS). Probes share one ping in flight, so a silent database costs one
  // pooled connection, not one per probe.
  let pinging: Promise<void> | null = null;
  const ping = (): Promise<void> => {
    pinging ??= db.ping().finally(() => {
      pinging = null;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database ping timed out')), config.readyTimeoutMs);
    });
    return Promise.race([pinging, deadline]).finally(() => clearTimeout(timer));
  };
  // One registry per container: the services record into it (job runner, paging, calls, classifier,
  // providers); the Node/process defaults are appended at scrape (adapters/metrics/prom.ts).
  const metrics = deps.metrics;
  const registry = metrics.registry;
  // An app built again on the same container (tests) registers these again.
  for (const name of ['suban_http_request_duration_seconds', 'suban_tickets', 'suban_open_urgent_tickets']) registry.removeSingleMetric(name);
  const latency = new client.Histogram({
    name: 'suban_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new client.Gauge({
    name: 'suban_tickets',
    help: 'tickets by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [state, n] of Object.entries(await ticketStore.countByState().catch(() => ({})))) this.set({ state }, n);
    },
  });
  new client.Gauge({
    name: 'suban_open_urgent_tickets',
    help: 'open 即办 tickets',
    registers: [registry],
    async collect() {
      const r = await ticketStore.list({ urgent: true, state: ['accepted', 'dispatched', 'returned', 'handling'] }, { limit: 1000 }).catch(() => ({ items: [] }));
      this.set(r.items.length);
    },
  });
  // Every route's latency, webhooks included (the plugin is not encapsulated for this); a callback hook costs no promise.
  app.addHook('onResponse', (req, reply, done) => {
    latency.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  app.get('/healthz', { schema: { operationId: 'getHealth', summary: 'liveness: the process answers', security: [], tags: ['ops'], response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }));

  app.get(
    '/readyz',
    { schema: { operationId: 'getReadiness', summary: 'readiness: the database answered its ping in time; bus, classifier and calendar state', security: [], tags: ['ops'], response: { 200: Readiness, 503: Readiness } } },
    async (_req, reply) => {
      const calendar = calendarCoverage(clock.now());
      try {
        await ping();
      } catch {
        return reply.status(503).header('retry-after', '5').send({ ok: false, database: 'unreachable', bus: busState(), classifier, calendar });
      }
      if (classifier !== 'ok') return reply.status(503).header('retry-after', '1').send({ ok: false, database: 'ok', bus: busState(), classifier, calendar });
      return { ok: true, database: 'ok', bus: busState(), classifier, calendar, duty: await dutyCoverage() };
    },
  );

  // Metrics tell an outsider the traffic, the queues and every route's timing: a token, a separate
  // listener (then the public port has none), or else only a direct scraper on this host.
  if (!config.metricsListen) {
    app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
      if (!metricsAllowed(config.metricsToken, req.headers.authorization, req.socket.remoteAddress, req.headers['x-forwarded-for'] !== undefined)) {
        return reply.status(config.metricsToken ? 401 : 403).send({ error: { code: 'metrics_forbidden', message: config.metricsToken ? '需要监控令牌(Authorization: Bearer)' : '只允许本机直接抓取监控指标' } });
      }
      reply.header('content-type', registry.contentType);
      return metrics.text();
    });
  } else {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics' || (config.metricsToken && !metricsAllowed(config.metricsToken, req.headers.authorization, undefined, false))) {
        res.writeHead(req.url?.split('?')[0] === '/metrics' ? 401 : 404).end();
        return;
      }
      metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    app.decorate('metricsServer', server);
    app.addHook('onReady', async () => {
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.metricsListen!.port, config.metricsListen!.host, () => resolve()));
    });
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  }
};

export default fp(health, { name: 'health' });
