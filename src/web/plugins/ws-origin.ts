import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';

/**
 * Cross-site websocket hijacking: a page on another site can open a websocket to us and the browser
 * sends the console's session cookie with it. Browsers always send `Origin` on an upgrade, so an
 * upgrade whose Origin is neither the public URL's nor this request's own host is refused (403)
 * in the socket routes' preValidation, before any socket exists. Programs that send no Origin
 * authenticate with a bearer token.
 */
export function assertSocketOrigin(req: FastifyRequest, publicUrl: string): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  const host = req.headers.host;
  if (origin === new URL(publicUrl).origin || (!!host && (origin === `http://${host}` || origin === `https://${host}`))) return;
  req.log.warn({ origin: String(origin).slice(0, 200) }, 'websocket upgrade from another origin refused');
  throw new AppError('forbidden', 'bad_origin', '不允许从其他网站建立连接');
}
