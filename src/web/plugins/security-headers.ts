import type { IncomingMessage, ServerResponse } from 'node:http';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import { tilesOrigin } from '../../config.js';

/**
 * helmet's security headers (CSP, HSTS, nosniff, frame options...) on every response. They are the
 * same for every request, so helmet runs once at start and its headers are replayed; the Fastify
 * wrapper rebuilt helmet's middleware, CSP parsing included, on every request.
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

/**
 * The service's helmet options for its public URL. Over plain HTTP (an intranet name or address
 * such as http://10.0.0.8:3000 or http://suban.intranet) the CSP must not carry
 * `upgrade-insecure-requests` (the browser would fetch the console's scripts and styles over https,
 * where nothing answers) and HSTS has no place on an http response; over https both stay.
 * Cross-Origin-Opener-Policy goes too over http: browsers ignore it on an untrustworthy origin and
 * say so as a console error on every page.
 */
export function securityHeaderOptions(publicUrl: string, mapTilesUrl = ''): HelmetOptions {
  const https = publicUrl.toLowerCase().startsWith('https://');
  // The board's map loads its tiles from SUBAN_MAP_TILES_URL's origin, and from nowhere else.
  const tiles = tilesOrigin(mapTilesUrl);
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', ...(tiles ? [tiles] : [])],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        mediaSrc: ["'self'", 'data:', 'blob:'],
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    strictTransportSecurity: https,
    crossOriginOpenerPolicy: https,
  };
}

export default fp<{ helmet: HelmetOptions }>(
  async (app, opts) => {
    const headers = helmetHeaders(opts.helmet);
    app.addHook('onRequest', (_req, reply, done) => {
      reply.headers(headers);
      done();
    });
  },
  { name: 'security-headers' },
);
