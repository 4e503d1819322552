/**
 * The event-socket wire format, shared by the inbound client and the outbound server.
 *
 * A frame is a block of `Name: value` lines ended by an empty line, followed by exactly
 * `Content-Length` bytes of body when that header is present. Events (`text/event-plain`)
 * nest a second header block, url-encoded, inside the body.
 *
 * This parser never throws on what arrives from the socket: a bad escape is kept as raw text,
 * a bad length is reported through `onError` and the frame skipped. modesl's parser calls
 * `decodeURIComponent` inside the socket's data handler, so one stray `%` from the switch kills
 * the whole process (see docs/freeswitch.md).
 */
import { invalid } from '../../src/domain/errors.js';

export type EslHeaders = Record<string, string>;

export interface EslFrame {
  headers: EslHeaders;
  body: string;
}

export interface EslEvent {
  name: string;
  headers: EslHeaders;
  body: string;
}

/** Far above any real frame; stops a corrupt length from making us buffer forever. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const LF = 0x0a;

export function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Parses `Name: value` lines; values are url-decoded when `decode` is set. Lines without a colon are dropped. */
export function parseHeaderBlock(text: string, decode: boolean): EslHeaders {
  const headers: EslHeaders = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const name = line.slice(0, at).trim();
    const raw = line.slice(at + 1).replace(/^ /, '').replace(/\r$/, '');
    headers[name] = decode ? safeDecode(raw) : raw;
  }
  return headers;
}

function parseLength(raw: string | undefined): number | null | 'bad' {
  if (raw === undefined) return null;
  const text = raw.trim();
  if (!/^\d{1,10}$/.test(text)) return 'bad';
  const n = Number(text);
  return n > MAX_BODY_BYTES ? 'bad' : n;
}

export class EslParser {
  private buf: Buffer = Buffer.alloc(0);
  private pending: EslHeaders | null = null;
  private pendingLength = 0;

  constructor(
    private readonly onFrame: (frame: EslFrame) => void,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.pending) {
        if (this.buf.length < this.pendingLength) return;
        const body = this.buf.subarray(0, this.pendingLength).toString('utf8');
        this.buf = this.buf.subarray(this.pendingLength);
        const headers = this.pending;
        this.pending = null;
        this.deliver({ headers, body });
        continue;
      }
      // Tolerate stray blank lines between frames.
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === LF || this.buf[start] === 0x0d)) start++;
      if (start > 0) this.buf = this.buf.subarray(start);
      const end = this.buf.indexOf('\n\n');
      if (end < 0) {
        if (this.buf.length > MAX_BODY_BYTES) {
          this.onError(new Error('ESL header block too large; buffer dropped'));
          this.buf = Buffer.alloc(0);
        }
        return;
      }
      const headers = parseHeaderBlock(this.buf.subarray(0, end).toString('utf8'), true);
      this.buf = this.buf.subarray(end + 2);
      const length = parseLength(headers['Content-Length']);
      if (length === 'bad') {
        this.onError(new Error(`ESL frame with invalid Content-Length ${JSON.stringify(headers['Content-Length'])} skipped`));
        continue;
      }
      if (length === null || length === 0) {
        this.deliver({ headers, body: '' });
        continue;
      }
      this.pending = headers;
      this.pendingLength = length;
    }
  }

  private deliver(frame: EslFrame): void {
    try {
      this.onFrame(frame);
    } catch (err) {
      this.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

/**
 * Reads the event carried by a `text/event-plain` or `text/event-json` frame.
 * Returns null (and no exception) for anything it cannot read.
 */
export function eventFromFrame(frame: EslFrame): EslEvent | null {
  const type = frame.headers['Content-Type'];
  if (type === 'text/event-plain') {
    const text = frame.body;
    const end = text.indexOf('\n\n');
    const headerText = end < 0 ? text : text.slice(0, end);
    const headers = parseHeaderBlock(headerText, true);
    let body = '';
    if (end >= 0) {
      const rest = Buffer.from(text.slice(end + 2), 'utf8');
      const length = parseLength(headers['Content-Length']);
      body = typeof length === 'number' ? rest.subarray(0, length).toString('utf8') : rest.toString('utf8');
    }
    const name = headers['Event-Name'];
    return name ? { name, headers, body } : null;
  }
  if (type === 'text/event-json') {
    let data: unknown;
    try {
      data = JSON.parse(frame.body);
    } catch {
      return null;
    }
    if (!data || typeof data !== 'object') return null;
    const headers: EslHeaders = {};
    let body = '';
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
      if (k === '_body') body = String(v);
      else if (v !== null && v !== undefined) headers[k] = String(v);
    }
    const name = headers['Event-Name'];
    return name ? { name, headers, body } : null;
  }
  return null;
}

/**
 * Serialises a command. A newline inside the command or a header value would let text from a
 * caller (a phone number, a prompt) smuggle a second command onto the socket, so it is refused.
 */
export function encodeCommand(line: string, headers: Record<string, string> = {}): string {
  const unsafe = /[\r\n]/;
  if (unsafe.test(line)) throw invalid('esl_unsafe_command', 'ESL 命令中不允许换行');
  let out = `${line}\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (unsafe.test(name) || unsafe.test(value) || name.includes(':')) {
      throw invalid('esl_unsafe_command', `ESL 头 ${name} 含有非法字符`);
    }
    out += `${name}: ${value}\n`;
  }
  return `${out}\n`;
}

/** `+OK ...` / `-ERR ...` as sent in `Reply-Text` or an api/bgapi body. */
export function replyOk(text: string | undefined): boolean {
  return typeof text === 'string' && text.trimStart().startsWith('+OK');
}
