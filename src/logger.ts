import pino, { stdSerializers, type Logger, type LoggerOptions } from 'pino';
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

const PHONE_KEYS = new Set(PHONE_PATHS);
const CENSORED_KEYS = new Set([...PHONE_PATHS, ...SECRET_PATHS]);
const SECRET_HEADERS: Record<string, ReadonlySet<string>> = {
  req: new Set(['authorization', 'cookie', 'x-twilio-signature', 'x-csrf-token']),
  res: new Set(['set-cookie']),
};

const censor = (value: unknown, key: string): string => (PHONE_KEYS.has(key) && typeof value === 'string' ? maskContact(value) : '[redacted]');

/** `obj`, or a copy (same prototype, every own property) with the values of the keys in `keys` censored: the caller's object is never changed. */
function censorKeys<T extends object>(obj: T, keys: ReadonlySet<string>): T {
  let out: Record<string, unknown> | null = null;
  for (const k of Object.keys(obj)) {
    if (!keys.has(k)) continue;
    out ??= Object.create(Object.getPrototypeOf(obj), Object.getOwnPropertyDescriptors(obj)) as Record<string, unknown>;
    out[k] = censor((obj as Record<string, unknown>)[k], k);
  }
  return (out ?? obj) as T;
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The `redactPaths` one level down (`*.phone`, `req.headers.cookie`). pino's own redaction does the
 * same but parses every path again for every key of every line, and with wildcard paths that is
 * every key: it was most of the cost of a log line (~15 µs of ~20). The top-level paths stay with
 * pino, which censors them with a lookup per key (child logger bindings included). An object
 * interpolated into the message (`%j`, `%o`; nothing here logs that way) gets only the top level.
 */
function censorNested(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const k of Object.keys(obj)) {
    // `req` is reduced to method and masked URL by its serializer; the rest of a request never reaches the line.
    if (k === 'req' || CENSORED_KEYS.has(k)) continue;
    const v = obj[k];
    if (!isObject(v)) continue;
    let c = censorKeys(v, CENSORED_KEYS);
    const headers = SECRET_HEADERS[k];
    const h = headers && (c as { headers?: unknown }).headers;
    if (headers && isObject(h)) {
      const ch = censorKeys(h, headers);
      if (ch !== h) c = { ...c, headers: ch };
    }
    if (c !== v) (out ??= { ...obj })[k] = c;
  }
  return out ?? obj;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const opts: LoggerOptions = {
    level,
    redact: {
      paths: [...PHONE_PATHS, ...SECRET_PATHS],
      censor: (value, path) => censor(value, path[path.length - 1] ?? ''),
    },
    formatters: { log: censorNested },
    serializers: {
      // Method and path only: headers carry credentials and cookies, and redacting them on every request is most of a log line's cost.
      req: (req: { method: string; url: string }) => ({ method: req.method, url: maskUrl(req.url) }),
      // A failed query's message and `params` carry the statement's values (phone numbers, texts).
      err: scrubError,
    },
  };
  const logger = destination ? pino(opts, destination) : pino(opts);
  // Child bindings are written once per child and skip `formatters.log`: they get the nested censoring here (children inherit this `child`).
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, censorNested(bindings), options);
  } as typeof child;
  return logger;
}

/** Query strings can carry numbers or tokens (e.g. a GET webhook, Open311's api_key); mask long digit runs and credential-ish values. */
export function maskUrl(url: string): string {
  return url.replace(/(\+?\d{3})\d{4}(\d{4})(?!\d)/g, '$1****$2').replace(/((?:token|signature|echostr|api_key|apikey|key|password|passwd|secret|session)=)[^&#]+/gi, '$1[redacted]');
}

/** The values of a failed statement: drizzle's `params: …` line, and digit runs long enough to be a phone or ID number. */
export function scrubErrorText(s: string): string {
  return s.replace(/(^|\n)(\s*params:)[^\n]*/g, '$1$2 [redacted]').replace(/(\+?\d{3})\d{4}(\d{4})(?!\d)/g, '$1****$2');
}

/**
 * Every logged `err` (an Error, or the string some call sites log): the standard serialization,
 * with the query parameters a database error carries (`params`, the `params:` line of drizzle's
 * message, a PostgreSQL `detail` like `Key (contact)=(138…)`) removed, the cause too.
 */
export function scrubError(err: unknown, depth = 0): unknown {
  if (typeof err === 'string') return scrubErrorText(err);
  if (!(err instanceof Error) || depth > 4) return err;
  const out = stdSerializers.err(err) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) {
    if (k === 'params' || k === 'parameters' || k === 'values') out[k] = '[redacted]';
    else if (typeof v === 'string') out[k] = scrubErrorText(v);
  }
  const cause = (err as { cause?: unknown }).cause;
  if (cause !== undefined) out.cause = cause instanceof Error ? scrubError(cause, depth + 1) : typeof cause === 'string' ? scrubErrorText(cause) : '[redacted]';
  return out;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
/** Keys every line has, or that say nothing to a person reading a terminal. */
const QUIET_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v']);

/**
 * One JSON log line as a person reads it on a terminal: `09:30:12 INFO  message  key=value …`
 * (Beijing time; an error's message and the first frame of its stack). Anything that is not JSON
 * passes through unchanged.
 */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const t = typeof o.time === 'number' ? new Date(o.time + 8 * 3600_000).toISOString().slice(11, 19) : '';
  const level = LEVEL_NAMES[o.level as number] ?? String(o.level);
  const extras: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (QUIET_KEYS.has(k) || v === undefined) continue;
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as { message?: string; stack?: string };
      const at = e.stack?.split('\n').find((l) => /^\s+at /.test(l))?.trim();
      extras.push(`err=${JSON.stringify(e.message ?? '')}${at ? ` (${at})` : ''}`);
      continue;
    }
    if (k === 'req' && v && typeof v === 'object') {
      const r = v as { method?: string; url?: string };
      extras.push(`${r.method ?? ''} ${r.url ?? ''}`.trim());
      continue;
    }
    if (k === 'res' && v && typeof v === 'object') {
      extras.push(String((v as { statusCode?: number }).statusCode ?? ''));
      continue;
    }
    const s = typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v);
    extras.push(`${k}=${s.length > 160 ? `${s.slice(0, 157)}…` : s}`);
  }
  return `${t} ${level} ${String(o.msg ?? '')}${extras.length ? `  ${extras.join(' ')}` : ''}\n`;
}

/** A pino destination that writes `prettyLine`s to `out` (stdout by default). */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): pino.DestinationStream {
  return { write: (chunk: string) => void out.write(chunk.split('\n').filter(Boolean).map(prettyLine).join('')) };
}

/** Human-readable on a terminal, JSON lines otherwise (a pipe, a file, a container's log collector). */
export function logDestination(out: NodeJS.WriteStream = process.stdout): pino.DestinationStream | undefined {
  return out.isTTY ? prettyDestination(out) : undefined;
}
