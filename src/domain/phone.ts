/** Phone numbers and WeChat ids are personal data: anything shown to a unit or written to a log is masked. */
export function maskContact(contact: string | null | undefined): string {
  if (!contact) return '';
  // Already masked (138****1002): masking it again would read its digits as a new number (138100****1002).
  if (contact.includes('*')) return contact;
  const digits = contact.replace(/[^\d+]/g, '');
  if (/^\+?\d{7,}$/.test(digits)) {
    const d = digits;
    return `${d.slice(0, d.length - 8)}****${d.slice(-4)}`;
  }
  if (contact.length <= 6) return '***';
  return `${contact.slice(0, 3)}***${contact.slice(-3)}`;
}

/**
 * The one phone-number normaliser (mainland China). Every number that is stored, compared, looked
 * up or dialled goes through it: callers' IDs, SMS senders, numbers typed in a chat, duty rosters,
 * unit contacts, the block list, Twilio's E.164.
 *
 * - mobile: 11 digits 1[3-9]xxxxxxxxx (138 0013 8000, +86 138-0013-8000, 0086 13800138000)
 * - landline: area code with its 0 and the number, 10–12 digits (0797-1234567 → 07971234567)
 * - service: hotlines and short codes, 3–6 digits (110, 12345, 95598) and 400/800 numbers
 * - other: any other 3–20 digits with an optional + (extensions, foreign numbers) kept as given
 *
 * Full-width digits (１３８…), spaces, hyphens, dots and parentheses are removed first.
 */
export type PhoneKind = 'mobile' | 'landline' | 'service' | 'other';

export interface Phone {
  /** The canonical form: what is stored and compared (mainland numbers without +86). */
  national: string;
  kind: PhoneKind;
  /** +86… for mainland mobile and landline numbers, the given + number for foreign ones, else null (short codes). */
  e164: string | null;
}

const FULLWIDTH_DIGIT = /[\uFF10-\uFF19]/g;
const SEPARATORS = /[\s\-.()（）\u2010-\u2015\u00A0]/g;

/** Digits (and a leading +) of what was typed or sent. */
function compact(raw: string): string {
  return raw.replace(FULLWIDTH_DIGIT, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/＋/g, '+').replace(SEPARATORS, '');
}

/** Parses a number; null when it is not one (letters, too short or too long). */
export function parsePhone(raw: string | null | undefined): Phone | null {
  if (typeof raw !== 'string') return null;
  const s = compact(raw.trim());
  if (!/^\+?\d{3,20}$/.test(s)) return null;
  // The country code, written +86, 0086 or (before 11 digits of a mobile) a bare 86.
  const cn = /^(?:\+86|0086)(\d+)$/.exec(s) ?? /^86(1[3-9]\d{9})$/.exec(s);
  if (cn) {
    const rest = cn[1]!;
    if (/^1[3-9]\d{9}$/.test(rest)) return { national: rest, kind: 'mobile', e164: `+86${rest}` };
    // +86 797 1234567: the area code's 0 is dropped after the country code.
    const landline = rest.startsWith('0') ? rest : `0${rest}`;
    if (/^0\d{9,11}$/.test(landline)) return { national: landline, kind: 'landline', e164: `+86${landline.slice(1)}` };
    if (/^[48]00\d{7}$/.test(rest)) return { national: rest, kind: 'service', e164: `+86${rest}` };
    return null;
  }
  if (/^1[3-9]\d{9}$/.test(s)) return { national: s, kind: 'mobile', e164: `+86${s}` };
  if (/^0\d{9,11}$/.test(s)) return { national: s, kind: 'landline', e164: `+86${s.slice(1)}` };
  if (/^[48]00\d{7}$/.test(s)) return { national: s, kind: 'service', e164: `+86${s}` };
  if (/^\d{3,6}$/.test(s)) return { national: s, kind: 'service', e164: null };
  if (s.startsWith('+')) return { national: s, kind: 'other', e164: s.length >= 8 ? s : null };
  return { national: s, kind: 'other', e164: null };
}

/**
 * The canonical form of a number (parsePhone's `national`); text that is not a number comes back
 * without separators, so two spellings of the same thing still compare equal.
 */
export function normalisePhone(raw: string): string {
  return parsePhone(raw)?.national ?? compact(raw.trim());
}

/** Whether the text is a phone number at all (3–20 digits once separators are gone). */
export const isPhoneNumber = (raw: string | null | undefined): raw is string => parsePhone(raw) !== null;

/** A number a citizen can be called back on: a mainland mobile or landline. */
export function callbackPhone(raw: string | null | undefined): string | null {
  const p = parsePhone(raw);
  return p && (p.kind === 'mobile' || p.kind === 'landline') ? p.national : null;
}

/** E.164 for a provider (Twilio); a number without one (a short code) is passed on as it is. */
export function toE164(raw: string): string {
  const p = parsePhone(raw);
  return p?.e164 ?? p?.national ?? compact(raw.trim());
}
