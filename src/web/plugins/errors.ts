import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Pages another plugin provides for this one: the console's own 404 page for a browser's unknown URL. */
export interface ErrorPages {
  notFound?: (reply: FastifyReply) => unknown;
}

declare module 'fastify' {
  interface FastifyInstance {
    errorPages: ErrorPages;
  }
}

/** Paths of the API, sockets, webhooks and files: an unknown one answers JSON, never the console. */
const MACHINE_PATHS = /^\/(api|ws|assets|docs|media|twilio|wechat|platforms|open311|freeswitch|metrics|healthz|readyz)(\/|$)/;

/** A browser navigating to a page (not a script fetching data). */
function wantsPage(req: FastifyRequest): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && /text\/html/.test(String(req.headers.accept ?? '')) && !MACHINE_PATHS.test(req.url.split('?')[0] ?? '');
}
import { AppError, type ErrorKind } from '../../domain/errors.js';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

/** Fastify's own client-error codes and the stable codes we answer with. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_VALIDATION: 'validation',
};

/** Status codes the framework or a plugin (rate limiter) raises without a code of ours. */
const STATUS_CODES: Record<number, string> = { 404: 'not_found', 405: 'method_not_allowed', 408: 'request_timeout', 413: 'body_too_large', 415: 'unsupported_media_type', 429: 'rate_limited', 431: 'headers_too_large' };

/** The stable code of a 4xx a framework error carries: never Fastify's own FST_ERR_… name. */
export function clientErrorCode(err: { code?: string; statusCode?: number }): string {
  if (err.code && FASTIFY_CODES[err.code]) return FASTIFY_CODES[err.code]!;
  if (err.statusCode && STATUS_CODES[err.statusCode]) return STATUS_CODES[err.statusCode]!;
  if (err.code && !err.code.startsWith('FST_')) return err.code.toLowerCase();
  return 'bad_request';
}

/** An address inside the service (host:port, an IP, a URL) has no place in an answer to a client. */
export const scrubAddresses = (s: string): string =>
  s
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"）)]+/gi, '[内部地址]')
    .replace(/\[[0-9a-f:.]+\](:\d+)?|\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b|::1\b/gi, '[内部地址]')
    .replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b/g, '[内部地址]')
    .replace(/\b[a-z][a-z0-9-]*(\.[a-z0-9-]+)*:\d{2,5}\b/gi, '[内部地址]');

/**
 * The database is away or too slow right now: the client should come back later (503 +
 * Retry-After), not be told the server is broken. Besides refused and reset connections this is
 * every deadline of the pool: `Query read timeout` (no answer within SUBAN_DB_QUERY_TIMEOUT_MS, as
 * in a network partition), `Connection terminated due to connection timeout` and `timeout
 * exceeded when trying to connect` (SUBAN_DB_CONNECT_TIMEOUT_MS), and the server's own
 * statement_timeout (57014).
 */
export const isDatabaseDown = (e: unknown): boolean => {
  const err = e as { code?: string; message?: string; cause?: unknown };
  const code = err?.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P03', '57014', '08006', '08001', '08003', 'SQLITE_BUSY'].includes(code)) return true;
  if (/Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(err?.message ?? '')) return true;
  return err?.cause ? isDatabaseDown(err.cause) : false;
};

/** The one error shape: `{error:{code,message}}`. Anything a client sends gets a 4xx, never a 5xx. */
export default fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
      if (err instanceof AppError) {
        const status = STATUS[err.kind];
        if (status === 503) {
          // A provider or peer that is away: the reason is logged, the client is not told where it lives.
          req.log.warn({ code: err.code, err: err.message }, 'service unavailable');
          return reply.status(503).header('retry-after', '5').send({ error: { code: err.code, message: scrubAddresses(err.message) } });
        }
        if (status === 429 && typeof err.details?.retryAfter === 'number') reply.header('retry-after', String(err.details.retryAfter));
        return reply.status(status).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
      }
      const fe = err as FastifyError;
      if (fe.validation) {
        return reply.status(400).send({ error: { code: 'validation', message: `请求参数无效:${fe.message}` } });
      }
      if (isDatabaseDown(err)) {
        // `err` goes through the logger's serializer, which drops the statement's parameters.
        req.log.warn({ err: fe.message }, 'database unavailable');
        return reply.status(503).header('retry-after', '5').send({ error: { code: 'unavailable', message: '服务暂时不可用,请稍后重试' } });
      }
      const status = fe.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        return reply.status(status).send({ error: { code: clientErrorCode(fe), message: fe.message } });
      }
      req.log.error({ err }, 'unhandled error');
      return reply.status(500).send({ error: { code: 'internal', message: '服务器内部错误' } });
    });
    const pages: ErrorPages = {};
    app.decorate('errorPages', pages);
    app.setNotFoundHandler((req, reply) => {
      // A person who typed or followed a wrong console address gets the console's 404 page, not JSON.
      if (pages.notFound && wantsPage(req)) return pages.notFound(reply.status(404));
      return reply.status(404).send({ error: { code: 'route_not_found', message: `没有这个接口:${req.method} ${req.url.split('?')[0]}` } });
    });
  },
  { name: 'errors' },
);
