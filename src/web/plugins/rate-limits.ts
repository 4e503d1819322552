import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';

/** Public endpoints anyone on the internet can reach: limited per source address. */
export const PUBLIC_PREFIXES = ['/twilio/', '/wechat/', '/platforms/', '/open311/', '/freeswitch/'];

/**
 * One rate limiter for the app. Routes opt in with `config.rateLimit` (login does); the public
 * webhooks get the configured per-address limit automatically. Provider webhooks arrive from a
 * few provider addresses carrying every citizen's traffic, so that limit is generous: it is a
 * guard against floods, not a quota.
 */
export default fp<{ webhookPerMinute: number }>(
  async (app, { webhookPerMinute }) => {
    // Added before the limiter's own onRoute hook, which reads `config.rateLimit`.
    app.addHook('onRoute', (route) => {
      if (!webhookPerMinute || !PUBLIC_PREFIXES.some((p) => route.url.startsWith(p))) return;
      const config = (route.config ?? {}) as Record<string, unknown>;
      if (config.rateLimit === undefined) route.config = { ...config, rateLimit: { max: webhookPerMinute, timeWindow: '1 minute' } } as typeof route.config;
    });
    await app.register(rateLimit, { global: false, max: 10, timeWindow: '1 minute' });
  },
  { name: 'rate-limits', dependencies: ['errors'] },
);
