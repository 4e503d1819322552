/**
 * The one CSV reader and writer of every import and export, on csv-parse / csv-stringify (the
 * history import streams csv-parse itself, for record offsets; the knowledge import reads with the
 * same parser and options).
 *
 * Writing (rates, ranking, rosters, knowledge) on csv-stringify: RFC 4180 quoting,
 * CRLF, optional BOM (Excel then reads the Chinese headers), and formula-safe: a text cell that
 * starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula in Excel or
 * LibreOffice (CSV injection), so it gets a leading `'`. Numbers are written as numbers.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { invalid } from './errors.js';

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

/**
 * Reads CSV text into rows of cells: RFC 4180 (quoted commas, doubled quotes and line breaks),
 * CRLF, LF or CR line ends, a UTF-8 BOM dropped, rows of unequal length kept, a quote inside an
 * unquoted cell taken literally (as spreadsheets write them); blank rows are left out. Bad input
 * is an `invalid` error (code bad_csv) with a Chinese message.
 */
export function parseCsvText(text: string): string[][] {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];
  } catch (e) {
    const err = e as { code?: string; message?: string };
    throw invalid('bad_csv', err.code === 'CSV_QUOTE_NOT_CLOSED' ? 'CSV 引号未闭合' : `CSV 无法解析:${err.message ?? String(e)}`);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}
