/**
 * What `play_and_detect_speech` leaves in `detect_speech_result`, read into one small union.
 *
 * The variable holds one of:
 *  - an NLSML document (RFC 6787 §6.3) from the recognizer: `<result><interpretation
 *    confidence="…"><input mode="speech">…</input></interpretation></result>`; `mode="dtmf"` when
 *    the recognizer took keys; `<input><noinput/></input>` / `<input><nomatch/></input>`;
 *  - `Completion-Cause: 002` when the recognition completed without a body (mod_unimrcp writes the
 *    MRCP completion cause instead: 001 no-match, 002 no-input-timeout, …);
 *  - `DIGIT: 5` when a key listed in `playback_terminators` ended the prompt or the wait (mod_dptools);
 *  - nothing, when the recognizer closed or failed.
 *
 * Whatever the switch or an MRCP server sends, this never throws: anything unreadable is `junk`,
 * which the caller treats as no input.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type AsrResult =
  | { kind: 'speech'; text: string; confidence?: number }
  /** `bargeIn`: one key that ended the prompt (DIGIT: x), not the recognizer's full entry */
  | { kind: 'dtmf'; digits: string; confidence?: number; bargeIn?: boolean }
  | { kind: 'noinput' }
  | { kind: 'nomatch' }
  /** the recognizer failed (MRCP completion cause, e.g. 006 recognizer-error) */
  | { kind: 'error'; cause: string }
  /** not a result this reader knows (malformed XML, a DOCTYPE, something else entirely) */
  | { kind: 'junk'; reason: string };

/** A recognizer result is a few hundred bytes; anything this large is not one. */
export const MAX_RESULT_BYTES = 64 * 1024;
/** Longest text handed on: a caller's description, not a recording's transcript. */
export const MAX_TEXT_CHARS = 2000;

const FORBIDDEN_DECL_RE = /<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;
const CDATA_RE = /<!\[CDATA\[[\s\S]*?]]>/g;
/** `&` that starts no entity: some recognizers put the text in unescaped. */
const BARE_AMP_RE = /&(?!(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);)/g;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Numeric character references (&#x4F60;) are decoded only with htmlEntities; DOCTYPE is refused first.
  processEntities: true,
  htmlEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // <result xmlns="urn:ietf:params:xml:ns:mrcpv2"> and prefixed forms (<nlsml:result>) read alike.
  removeNSPrefix: true,
  alwaysCreateTextNode: true,
  isArray: (name) => name === 'interpretation' || name === 'input',
  maxNestedTags: 32,
});

/** MRCP completion causes (RFC 6787 §9.4.11) that mean the caller gave nothing usable. */
const NO_INPUT_CAUSES = new Set(['000', '002', '008', '011']);
const NO_MATCH_CAUSES = new Set(['001', '013', '014', '015']);

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

function list(v: unknown): Node[] {
  if (Array.isArray(v)) return v.filter(isNode);
  return isNode(v) ? [v] : [];
}

/** The text of an element, children's text included (a server may wrap words in tags). */
function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(textOf).join(' ');
  if (!isNode(v)) return '';
  return Object.entries(v)
    .filter(([k]) => !k.startsWith('@_'))
    .map(([, c]) => textOf(c))
    .join(' ');
}

function has(v: unknown, name: string): boolean {
  if (Array.isArray(v)) return v.some((x) => has(x, name));
  if (!isNode(v)) return false;
  return Object.entries(v).some(([k, c]) => k === name || (!k.startsWith('@_') && has(c, name)));
}

function cleanText(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT_CHARS);
}

/**
 * MRCPv2 confidence is 0.0–1.0; MRCPv1 NLSML and mod_pocketsphinx write 0–100. Values above 1 are
 * taken as percent.
 */
export function normaliseConfidence(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) return undefined;
  return Math.min(1, n > 1 ? n / 100 : n);
}

const KEY_WORDS: Array<[RegExp, string]> = [
  [/pound|hash/gi, '#'],
  [/star|asterisk/gi, '*'],
];

/** `1 2 3 pound` → `123#`; anything that is not a phone key is dropped. */
export function dtmfDigits(text: string): string {
  let s = text;
  for (const [re, key] of KEY_WORDS) s = s.replace(re, key);
  return s.replace(/[^0-9*#A-Da-d]/g, '').toUpperCase();
}

function fromCompletionCause(cause: string): AsrResult {
  if (NO_INPUT_CAUSES.has(cause)) return { kind: 'noinput' };
  if (NO_MATCH_CAUSES.has(cause)) return { kind: 'nomatch' };
  return { kind: 'error', cause };
}

function fromXml(raw: string): AsrResult {
  if (Buffer.byteLength(raw, 'utf8') > MAX_RESULT_BYTES) return { kind: 'junk', reason: 'too large' };
  if (FORBIDDEN_DECL_RE.test(raw.replace(CDATA_RE, ''))) return { kind: 'junk', reason: 'DOCTYPE or entity declaration' };
  let xml = raw;
  if (XMLValidator.validate(xml) !== true) {
    xml = raw.replace(BARE_AMP_RE, '&amp;');
    if (XMLValidator.validate(xml) !== true) return { kind: 'junk', reason: 'malformed XML' };
  }
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return { kind: 'junk', reason: 'unparsable XML' };
  }
  if (!isNode(doc)) return { kind: 'junk', reason: 'no root element' };
  // Some recognizers leave out the <result> wrapper.
  const root = isNode(doc.result) ? doc.result : doc;
  const interpretations = list(root.interpretation);
  if (interpretations.length === 0) {
    if (has(root, 'nomatch')) return { kind: 'nomatch' };
    if (has(root, 'noinput') || isNode(doc.result)) return { kind: 'noinput' };
    return { kind: 'junk', reason: 'no NLSML result' };
  }
  // n-best: the most confident interpretation that carries input; ties keep the recognizer's order.
  let best: { result: AsrResult; confidence: number } | null = null;
  let sawNoMatch = false;
  for (const interp of interpretations) {
    const inputs = list(interp.input);
    if (inputs.some((i) => has(i, 'nomatch')) || has(interp, 'nomatch')) sawNoMatch = true;
    const input = inputs.find((i) => !has(i, 'noinput') && !has(i, 'nomatch') && cleanText(textOf(i)) !== '');
    // A server that fills only <instance> (dictation) still told us what was said.
    const text = cleanText(textOf(input ?? interp.instance));
    if (!text) continue;
    const confidence = normaliseConfidence(interp['@_confidence']) ?? normaliseConfidence(input?.['@_confidence']);
    const mode = String(input?.['@_mode'] ?? '').toLowerCase();
    let result: AsrResult;
    if (mode === 'dtmf') {
      const digits = dtmfDigits(text);
      if (!digits) continue;
      result = { kind: 'dtmf', digits, ...(confidence !== undefined ? { confidence } : {}) };
    } else {
      result = { kind: 'speech', text, ...(confidence !== undefined ? { confidence } : {}) };
    }
    const score = confidence ?? 0;
    if (!best || score > best.confidence) best = { result, confidence: score };
  }
  if (best) return best.result;
  return sawNoMatch ? { kind: 'nomatch' } : { kind: 'noinput' };
}

/** Reads `detect_speech_result`. Never throws. */
export function parseDetectSpeechResult(raw: string | undefined | null): AsrResult {
  if (typeof raw !== 'string') return { kind: 'noinput' };
  const s = raw.trim();
  if (s === '') return { kind: 'noinput' };
  const digit = /^DIGIT:\s*([0-9*#A-Da-d])\s*$/.exec(s);
  if (digit) return { kind: 'dtmf', digits: digit[1]!.toUpperCase(), bargeIn: true };
  const cause = /^Completion-Cause:\s*(\d{3})\b/i.exec(s);
  if (cause) return fromCompletionCause(cause[1]!);
  if (s.startsWith('<')) return fromXml(s);
  return { kind: 'junk', reason: 'not NLSML' };
}
