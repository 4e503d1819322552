/**
 * Text no database stores alike: NUL (PostgreSQL refuses it in text and jsonb, SQLite keeps it)
 * and unpaired UTF-16 surrogates (not Unicode: jsonb refuses their \u escapes, and they turn into
 * U+FFFD on the way to UTF-8). Checked once at the edge: refused in what people send, stripped
 * from a signed push whose sender would otherwise retry it forever.
 */
const BAD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BAD_G = new RegExp(BAD.source, 'g');

export const hasBadText = (s: string): boolean => BAD.test(s);
export const stripBadText = (s: string): string => (BAD.test(s) ? s.replace(BAD_G, '') : s);

/** The path of the first string (or key) in `v` with a NUL or a lone surrogate, or null. */
export function findBadText(v: unknown, path = '', depth = 0): string | null {
  if (typeof v === 'string') return hasBadText(v) ? path || '(value)' : null;
  if (depth > 32 || v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findBadText(v[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  for (const [k, x] of Object.entries(v)) {
    if (hasBadText(k)) return `${path}.${stripBadText(k)}`;
    const p = findBadText(x, path ? `${path}.${k}` : k, depth + 1);
    if (p) return p;
  }
  return null;
}

/** A copy of `v` with every string (and key) stripped; `v` itself when there is nothing to strip. */
export function stripBadDeep<T>(v: T, depth = 0): T {
  if (typeof v === 'string') return stripBadText(v) as T;
  if (depth > 32 || v === null || typeof v !== 'object' || Buffer.isBuffer(v) || !findBadText(v)) return v;
  if (Array.isArray(v)) return v.map((x) => stripBadDeep(x, depth + 1)) as T;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [stripBadText(k), stripBadDeep(x, depth + 1)])) as T;
}
