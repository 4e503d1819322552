import { shanghaiParts } from '../clock.js';

/** The Shanghai calendar day a ticket number belongs to. */
export const numberDay = (at: Date): string => shanghaiParts(at).date;

/** Human ticket number: `20261126-0001`, the per-day sequence zero-padded to at least 4 digits. */
export function formatTicketNumber(day: string, seq: number): string {
  return `${day.replace(/-/g, '')}-${String(seq).padStart(4, '0')}`;
}

export const TICKET_NUMBER_RE = /^\d{8}-\d{4,}$/;

/** Citizens key numbers in on a phone without the dash: 2026112600012 → 20261126-0012. */
export function parseTicketNumber(raw: string): string | null {
  const s = raw.replace(/[\s#*]/g, '');
  if (TICKET_NUMBER_RE.test(s)) return s;
  if (/^\d{12,}$/.test(s)) return `${s.slice(0, 8)}-${s.slice(8)}`;
  return null;
}
