import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import client from 'prom-client';
import fp from 'fastify-plugin';

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

/** Liveness, readiness (database reachable, classifier loaded, calendar covered) and Prometheus metrics. */
const health: FastifyPluginAsyncTypebox = async (app) => {
  const { db, ticketStore, clock, calendarCoverage, config, bus, duty } = app.ctx;
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
  void app.ctx.classifierReady().then(() => {
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
  const registry = new client.Registry();
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

  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({ ok: true }));

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], response: { 200: Readiness, 503: Readiness } } },
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

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};

export default fp(health, { name: 'health' });
