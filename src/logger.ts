import pino, { type Logger, type LoggerOptions } from 'pino';
import { maskContact } from './domain/phone.js';

/**
 * Log paths that may hold personal data or secrets. Phone numbers are masked (they help a
 * support engineer correlate), secrets are removed outright.
 */
const PHONE_PATHS = ['contact', 'phone', 'from', 'to', 'caller', 'From', 'To', 'Caller', 'Called', 'openid', 'FromUserName'];
const SECRET_PATHS = ['token', 'password', 'secret', 'authToken', 'access_token', 'session', 'csrf', 'echostr'];

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  ...PHONE_PATHS.flatMap((p) => [p, `*.${p}`]),
  ...SECRET_PATHS.flatMap((p) => [p, `*.${p}`]),
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const opts: LoggerOptions = {
    level,
    redact: {
      paths: redactPaths,
      censor: (value, path) => {
        const key = path[path.length - 1] ?? '';
        if (PHONE_PATHS.includes(key) && typeof value === 'string') return maskContact(value);
        return '[redacted]';
      },
    },
    serializers: {
      // Method and path only: headers carry credentials and cookies, and redacting them on every request is most of a log line's cost.
      req: (req: { method: string; url: string }) => ({ method: req.method, url: maskUrl(req.url) }),
    },
  };
  return destination ? pino(opts, destination) : pino(opts);
}

/** Query strings can carry numbers or tokens (e.g. a GET webhook); mask long digit runs and token-ish values. */
export function maskUrl(url: string): string {
  return url.replace(/(\+?\d{3})\d{4}(\d{4})(?!\d)/g, '$1****$2').replace(/((?:token|signature|echostr|access_token)=)[^&]+/gi, '$1[redacted]');
}
