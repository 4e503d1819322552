import fp from 'fastify-plugin';
import { PUBLIC_PREFIXES } from './rate-limits.js';

/**
 * A cap on the requests one source address may have in progress at once on the public routes: a
 * client that opens many connections and trickles their bodies (slow loris) holds at most `max`
 * of them, each for at most the request timeout. Counted from the first byte of the request, so
 * a body still arriving counts; released when the response is done or the connection drops.
 */
export default fp<{ max: number }>(
  async (app, { max }) => {
    if (!max) return;
    const inFlight = new Map<string, number>();
    app.addHook('onRequest', (req, reply, done) => {
      if (!PUBLIC_PREFIXES.some((p) => req.url.startsWith(p))) return done();
      const ip = req.ip;
      const n = inFlight.get(ip) ?? 0;
      if (n >= max) {
        req.log.warn({ address: ip, inFlight: n }, 'too many requests in progress from one address on a public route');
        reply.status(429).header('retry-after', '5').header('connection', 'close').send({ error: { code: 'too_many_connections', message: '同一地址的并发请求过多，请稍后重试' } });
        return;
      }
      inFlight.set(ip, n + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (inFlight.get(ip) ?? 1) - 1;
        if (left > 0) inFlight.set(ip, left);
        else inFlight.delete(ip);
      };
      reply.raw.once('close', release);
      reply.raw.once('finish', release);
      done();
    });
  },
  { name: 'public-connections', dependencies: ['errors'] },
);
