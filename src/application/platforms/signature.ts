/**
 * HMAC-SHA256 signatures on platform traffic, both ways. The signed text is
 * `<unix seconds>.<raw body>`, so a captured request cannot be replayed outside the time window
 * with a fresh timestamp, and the body cannot be altered. Headers:
 *   X-Suban-Timestamp: 1764122400
 *   X-Suban-Signature: sha256=<hex>
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-suban-signature';
export const TIMESTAMP_HEADER = 'x-suban-timestamp';
/** How far a timestamp may be from our clock, either way. */
export const MAX_SKEW_SECONDS = 300;

export function sign(secret: string, timestamp: number | string, body: string | Buffer): string {
  const h = createHmac('sha256', secret);
  h.update(`${timestamp}.`);
  h.update(body);
  return `sha256=${h.digest('hex')}`;
}

export function signedHeaders(secret: string, body: string, now: Date): Record<string, string> {
  const ts = Math.floor(now.getTime() / 1000);
  return { [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: sign(secret, ts, body) };
}

export type Verdict = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export function verify(secret: string, headers: { timestamp?: string; signature?: string }, body: Buffer | string, now: Date): Verdict {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!/^\d{9,11}$/.test(timestamp) || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(sign(secret, timestamp, body));
  const got = Buffer.from(signature.toLowerCase());
  return expected.length === got.length && timingSafeEqual(expected, got) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
