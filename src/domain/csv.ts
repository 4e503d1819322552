/**
 * The one CSV writer of every export (rates, ranking, rosters), on csv-stringify: RFC 4180 quoting,
 * CRLF, optional BOM (Excel then reads the Chinese headers), and formula-safe: a text cell that
 * starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula in Excel or
 * LibreOffice (CSV injection), so it gets a leading `'`. Numbers are written as numbers.
 */
import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell made inert for a spreadsheet. */
export const defuse = (s: string): string => (FORMULA_START.test(s) ? `'${s}` : s);

/** Undoes `defuse` when our own export is read back (a roster file edited and imported again). */
export const undefuse = (s: string): string => (/^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s);

export type CsvCell = string | number | null | undefined;

export function toCsvText(rows: CsvCell[][], opts: { bom?: boolean } = {}): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : typeof c === 'number' ? String(c) : defuse(c))));
  // Quote a cell with leading or trailing spaces too, so a reader that trims keeps them.
  const text = stringify(cells, { record_delimiter: 'windows', quoted_match: /^\s|\s$/ });
  return `${opts.bom ? '\uFEFF' : ''}${text}`;
}
