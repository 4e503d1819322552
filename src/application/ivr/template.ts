/**
 * `{{var}}` interpolation for prompts, SMS texts and action arguments.
 *
 * Syntax: `{{ name }}`, `{{ ticket.number }}` (dotted path into an object a step stored),
 * `{{ ticketNumber | digits }}` (filters, left to right). Unknown variables render as ''
 * at run time; the validator catches unknown filters and malformed braces beforehand.
 */

export interface TemplateExpr {
  path: string[];
  filters: string[];
}

export type TemplatePart = string | TemplateExpr;

export class TemplateSyntaxError extends Error {}

const EXPR_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

/** Chinese readings used when a number must be read digit by digit (电话号码 style, 0 as 〇). */
const CHINESE_DIGITS = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/**
 * Filters turn a value into what TTS should say. Numbers like ticket numbers must be read
 * digit by digit: TTS would otherwise say "两千零二十六亿…".
 */
export const FILTERS: Record<string, (v: string) => string> = {
  /** 20261126-0012 → 二〇二六一一二六，〇〇一二 (separators become a pause) */
  digits: (v) => spellDigits(v, 'zh'),
  /** 20261126-0012 → "2 0 2 6 1 1 2 6, 0 0 1 2" for engines that read Arabic digits singly */
  spaced: (v) => spellDigits(v, 'spaced'),
  trim: (v) => v.trim(),
};

export function spellDigits(value: string, style: 'zh' | 'spaced'): string {
  const groups = value
    .split(/[^0-9A-Za-z]+/)
    .filter((g) => g.length > 0)
    .map((g) => [...g].map((c) => (style === 'zh' && /[0-9]/.test(c) ? CHINESE_DIGITS[Number(c)] : c.toUpperCase())));
  return style === 'zh' ? groups.map((g) => g.join('')).join('，') : groups.map((g) => g.join(' ')).join(', ');
}

export function parseTemplate(source: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let rest = source;
  for (;;) {
    const open = rest.indexOf('{{');
    const strayClose = rest.indexOf('}}');
    if (strayClose !== -1 && (open === -1 || strayClose < open)) throw new TemplateSyntaxError(`"}}" without "{{" in "${source}"`);
    if (open === -1) {
      if (rest) parts.push(rest);
      return parts;
    }
    if (open > 0) parts.push(rest.slice(0, open));
    const close = rest.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateSyntaxError(`unclosed "{{" in "${source}"`);
    const [head, ...filters] = rest
      .slice(open + 2, close)
      .split('|')
      .map((s) => s.trim());
    if (!head || !EXPR_RE.test(head)) throw new TemplateSyntaxError(`"{{${rest.slice(open + 2, close)}}}" is not a variable name`);
    for (const f of filters) {
      if (!(f in FILTERS)) throw new TemplateSyntaxError(`unknown filter "${f}" (known: ${Object.keys(FILTERS).join(', ')})`);
    }
    parts.push({ path: head.split('.'), filters });
    rest = rest.slice(close + 2);
  }
}

/** Variable names (first path segment) a template reads. */
export function templateVariables(source: string): string[] {
  return parseTemplate(source).flatMap((p) => (typeof p === 'string' ? [] : [p.path[0]]));
}

export function lookup(vars: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let v: unknown = vars;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Parsed templates by source text. Templates come from the flows (a bounded set) and every turn
 * renders several of them; parsing the same text again on every call was wasted work. Entries are
 * never changed.
 */
const parsed = new Map<string, readonly TemplatePart[]>();
const PARSED_MAX = 4096;

function parsedTemplate(source: string): readonly TemplatePart[] {
  let parts = parsed.get(source);
  if (parts === undefined) {
    parts = parseTemplate(source);
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(source, parts);
  }
  return parts;
}

export function renderTemplate(source: string, vars: Readonly<Record<string, unknown>>): string {
  const parts = parsedTemplate(source);
  // Most prompts are plain text.
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  return parts
    .map((p) => (typeof p === 'string' ? p : p.filters.reduce((acc, f) => FILTERS[f](acc), asText(lookup(vars, p.path)))))
    .join('');
}

/**
 * Renders an action argument. A string that is exactly one unfiltered `{{var}}` keeps the
 * variable's own type (an object, a boolean), so flows can pass structured results along.
 */
export function renderValue(value: unknown, vars: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') {
    const parts = parsedTemplate(value);
    if (parts.length === 1 && typeof parts[0] !== 'string' && parts[0].filters.length === 0) return lookup(vars, parts[0].path);
    return renderTemplate(value, vars);
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, vars)]));
  }
  return value;
}

/** Digits a caller said instead of keying them in: "二零二六 幺二" → "202612". */
export function digitsFromSpeech(speech: string): string {
  const map: Record<string, string> = { 零: '0', 〇: '0', 洞: '0', 一: '1', 幺: '1', 二: '2', 两: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9' };
  return [...speech].map((c) => (/[0-9]/.test(c) ? c : (map[c] ?? ''))).join('');
}
