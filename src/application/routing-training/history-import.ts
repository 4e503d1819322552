/**
 * Reading a city's own 12345 history (issue #16) into labelled rows for `suban train` and
 * `suban eval`: CSV, XLSX or JSON lines as the hotline's old system or a message board exports
 * them, whatever the column names, encoding and unit spellings.
 *
 * Nothing is guessed silently. A row that cannot be labelled is skipped with its line and a
 * reason in Chinese, and every unit name the resolver could not place is counted, so the office
 * sees which spellings to add to config/unit-aliases.yaml before training on a file that lost a
 * third of its rows to 国网瑞金市供电公司 not matching 供电公司.
 */
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import type ExcelJS from 'exceljs';
import { AppError, invalid } from '../../domain/errors.js';
import { requestText } from '../../domain/routing/request-text.js';

/** exceljs takes ~0.4 s to load: only XLSX history needs it. */
const excel = async () => (await import('exceljs')).default;

export interface HistoryRow {
  /** Where the row starts in the file (1-based: file line for CSV/JSONL, sheet row for XLSX). */
  line: number;
  text: string;
  /** The owning unit as a directory name; null when only the category labels the row. */
  unit: string | null;
  /** Other units that could have handled it (the rest of a 主办、协办 cell), directory names. */
  acceptable: string[];
  category: string | null;
}

export type HistoryFormat = 'csv' | 'xlsx' | 'jsonl';

export interface ImportReport {
  format: HistoryFormat;
  /** The file's own column names that were used (field names for JSONL). */
  columns: { text: string; title?: string; unit?: string; category?: string; place?: string };
  /** Data rows in the file, blank ones not counted. */
  rows: number;
  used: number;
  skipped: { line: number; reason: string }[];
  /** Unit names the resolver could not place, most frequent first. */
  unmatchedUnits: { name: string; count: number }[];
}

export interface ReadHistoryOptions {
  maxBytes?: number;
  maxRows?: number;
}

export const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
export const DEFAULT_MAX_ROWS = 200_000;

type Role = 'text' | 'title' | 'unit' | 'category' | 'place';

/** Header names per role, in order of preference when a file has more than one. */
const HEADERS: Record<Role, string[]> = {
  text: ['诉求内容', '工单内容', '留言详情', '留言内容', '来电内容', '问题描述', '内容', 'text'],
  title: ['标题', '留言主题', '留言标题', '主题', 'title'],
  unit: ['承办单位', '主办单位', '处理单位', '办理单位', '责任单位', 'unit'],
  category: ['一级分类', '类别', '诉求类别', '问题分类', 'category'],
  // Where the matter is, as the operator recorded it: it locates a village matter whose text names no place.
  place: ['诉求地址', '事发地址', '事发地点', '问题地址', '地址', 'place', 'address'],
};

/** One record before labelling, whatever the format. */
interface RawRecord {
  line: number;
  text: string;
  title: string;
  /** 诉求地址 ('' when none). */
  place: string;
  /** The owner's name as written ('' when none), not yet resolved. */
  owner: string;
  /** Other units that could have handled it, as written. */
  others: string[];
  category: string;
  /** Set when the record itself is unreadable (a bad JSON line). */
  error?: string;
}

interface Source {
  columns: ImportReport['columns'];
  records: RawRecord[];
}

/** A history export as the import reads it (adapters/fs-config/history-file.ts: a file on disk). */
export interface HistoryFile {
  /** its name, for the format (by extension) and the messages */
  path: string;
  size(): Promise<number>;
  read(): Promise<Buffer>;
}

/**
 * The labelled rows of a history file and a report of what was used and why the rest was not.
 * The format follows the extension (.csv, .xlsx, .jsonl or .json). Throws (AppError) for an
 * unsupported extension, an unreadable file, one over `maxBytes` or with more than `maxRows` data
 * rows, and a table without a text column (the error lists the headers found).
 */
export async function importHistory(
  file: HistoryFile,
  resolveUnit: (raw: string) => string | null,
  opts: ReadHistoryOptions = {},
): Promise<{ rows: HistoryRow[]; report: ImportReport }> {
  const { path } = file;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const format = formatOf(path);
  let size: number;
  try {
    size = await file.size();
  } catch (e) {
    throw invalid('history_unreadable', `历史文件无法读取:${path}(${(e as Error).message})`);
  }
  // Before reading: a 2 GB export would otherwise be in memory before any check ran.
  if (size > maxBytes) {
    throw new AppError('too_large', 'history_too_large', `历史文件 ${path} 有 ${mb(size)} MB,超过上限 ${mb(maxBytes)} MB;请分批导出或提高上限`, { size, maxBytes });
  }
  const data = await file.read();
  const tooManyRows = () =>
    new AppError('too_large', 'history_too_many_rows', `历史文件 ${path} 超过 ${maxRows} 行数据的上限;请分批导出或提高上限`, { maxRows });
  const source =
    format === 'csv' ? await readCsv(data, maxRows, tooManyRows) : format === 'xlsx' ? await readXlsx(data, maxRows, tooManyRows) : readJsonLines(data, maxRows, tooManyRows);
  return label(format, source, resolveUnit);
}

function formatOf(path: string): HistoryFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') return 'jsonl';
  const hint = ext === '.xls' ? '(旧版 .xls 请在 Excel 中另存为 .xlsx)' : '';
  throw invalid('history_format', `不支持的历史文件格式 ${ext || '(无扩展名)'}:请使用 .csv、.xlsx 或 .jsonl${hint}`);
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1);

// ---------------------------------------------------------------------------------------------
// Labelling

function label(format: HistoryFormat, source: Source, resolveUnit: (raw: string) => string | null): { rows: HistoryRow[]; report: ImportReport } {
  const rows: HistoryRow[] = [];
  const skipped: ImportReport['skipped'] = [];
  const unmatched = new Map<string, number>();
  const resolve = (name: string) => {
    const unit = resolveUnit(name);
    if (unit === null) unmatched.set(name, (unmatched.get(name) ?? 0) + 1);
    return unit;
  };
  for (const r of source.records) {
    if (r.error) {
      skipped.push({ line: r.line, reason: r.error });
      continue;
    }
    const content = clean(r.text);
    const title = clean(r.title);
    // Read as intake reads a ticket: title first, the recorded place after the text.
    const text = requestText({ content, title, place: clean(r.place) });
    if (!text) {
      skipped.push({ line: r.line, reason: '内容为空' });
      continue;
    }
    const ownerName = clean(r.owner);
    const unit = ownerName ? resolve(ownerName) : null;
    // Only the owner is a label: an unplaced owner never promotes a co-handler to owner.
    const others = r.others.map(clean).filter(Boolean).map(resolve);
    const acceptable = [...new Set(others.filter((u): u is string => u !== null && u !== unit))];
    const category = clean(r.category) || null;
    if (unit === null && category === null) {
      skipped.push({ line: r.line, reason: ownerName ? `承办单位无法匹配:${ownerName}` : '缺少单位和类别' });
      continue;
    }
    rows.push({ line: r.line, text, unit, acceptable, category });
  }
  const unmatchedUnits = [...unmatched].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'zh'));
  return {
    rows,
    report: { format, columns: source.columns, rows: source.records.length, used: rows.length, skipped, unmatchedUnits },
  };
}

/** NULs and lone surrogates break SQLite text, JSON output and the tokenizer; CRLF becomes LF. */
function clean(s: string): string {
  return s
    .replace(/\u0000/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/\r\n?/g, '\n')
    .trim();
}

/**
 * The names in one unit cell, owner first: 市城管局、市住建局 / 市城管局;市住建局 / 市城管局/市住建局.
 * Separators inside brackets do not split (供电公司（城区、象湖供电所）).
 */
export function splitUnitCell(cell: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of cell) {
    if ('(（[【〔'.includes(ch)) depth++;
    else if (')）]】〕'.includes(ch)) depth = Math.max(0, depth - 1);
    if (depth === 0 && '、,，;；/／'.includes(ch)) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Tables (CSV, XLSX): a header row, then one record per row

const headerKey = (s: string) => s.normalize('NFKC').replace(/[\s:]+/g, '').toLowerCase();
const HEADER_KEYS: Record<Role, string[]> = Object.fromEntries(Object.entries(HEADERS).map(([role, names]) => [role, names.map(headerKey)])) as Record<Role, string[]>;

type ColumnMap = Partial<Record<Role, number>>;

/** Which column holds what; throws when there is no text column or nothing to label with. */
function mapColumns(header: readonly string[], where: string): { map: ColumnMap; columns: ImportReport['columns'] } {
  const keys = header.map(headerKey);
  const map: ColumnMap = {};
  for (const role of Object.keys(HEADERS) as Role[]) {
    for (const k of HEADER_KEYS[role]) {
      const i = keys.indexOf(k);
      if (i >= 0) {
        map[role] = i;
        break;
      }
    }
  }
  const found = header.map((h) => h.trim()).filter(Boolean);
  const listed = found.length ? found.join('、') : '(无)';
  if (map.text === undefined) {
    throw invalid('history_no_text_column', `${where}没有内容列(应为 ${HEADERS.text.join('、')} 之一);找到的表头:${listed}`, { headers: found });
  }
  if (map.unit === undefined && map.category === undefined) {
    throw invalid('history_no_label_column', `${where}没有承办单位列或分类列(${[...HEADERS.unit, ...HEADERS.category].join('、')});找到的表头:${listed}`, { headers: found });
  }
  const columns: ImportReport['columns'] = { text: header[map.text].trim() };
  for (const role of ['title', 'unit', 'category', 'place'] as const) {
    if (map[role] !== undefined) columns[role] = header[map[role]!].trim();
  }
  return { map, columns };
}

function recordOf(cells: readonly string[], map: ColumnMap, line: number): RawRecord {
  const cell = (role: Role) => (map[role] === undefined ? '' : (cells[map[role]!] ?? ''));
  const [owner = '', ...others] = splitUnitCell(cell('unit'));
  return { line, text: cell('text'), title: cell('title'), place: cell('place'), owner, others, category: cell('category') };
}

const isBlank = (cells: readonly string[]) => cells.every((c) => c.trim() === '');

/** UTF-8 (BOM or not) when the bytes are valid UTF-8, else GBK: what Excel in Chinese saves as "CSV". */
export function decodeCsvBytes(data: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return new TextDecoder('gbk').decode(data);
  }
}

async function readCsv(data: Buffer, maxRows: number, tooMany: () => Error): Promise<Source> {
  // Decoded once (GBK or UTF-8, BOM dropped), then parsed as UTF-8 bytes so record offsets can be
  // turned into line numbers: csv-parse's own line count drifts on CRLF inside quoted fields.
  const bytes = Buffer.from(decodeCsvBytes(data), 'utf8');
  // csv-parse, not a split on commas: exported 诉求内容 routinely holds quoted commas and newlines.
  const parser = parseCsv(bytes, {
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
    record_delimiter: ['\r\n', '\n', '\r'],
  });
  const lines = lineCounter(bytes);
  let end = 0;
  let header: string[] | null = null;
  let map: ColumnMap = {};
  let columns: ImportReport['columns'] = { text: '' };
  const records: RawRecord[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
      const line = lines(end);
      end = info.bytes;
      if (isBlank(record)) continue;
      if (!header) {
        header = record;
        ({ map, columns } = mapColumns(header, 'CSV '));
        continue;
      }
      if (records.length >= maxRows) throw tooMany();
      records.push(recordOf(record, map, line));
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw invalid('history_bad_csv', `CSV 无法解析:${(e as Error).message}`);
  } finally {
    parser.destroy();
  }
  if (!header) throw invalid('history_no_text_column', 'CSV 文件是空的,没有表头');
  return { columns, records };
}

/**
 * The 1-based line of the first record starting at or after a byte offset (blank lines skipped),
 * for offsets that only grow. CRLF, LF and CR each end one line.
 */
function lineCounter(buf: Uint8Array): (offset: number) => number {
  let pos = 0;
  let line = 1;
  const step = () => {
    if (buf[pos] === 0x0d) {
      line++;
      if (buf[pos + 1] === 0x0a) pos++;
    } else if (buf[pos] === 0x0a) line++;
    pos++;
  };
  return (offset) => {
    while (pos < offset) step();
    while (pos < buf.length && (buf[pos] === 0x0a || buf[pos] === 0x0d)) step();
    return line;
  };
}

async function readXlsx(data: Buffer, maxRows: number, tooMany: () => Error): Promise<Source> {
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch (e) {
    throw invalid('history_bad_xlsx', `XLSX 无法解析:${(e as Error).message}`);
  }
  const ws = wb.worksheets[0];
  if (!ws) throw invalid('history_bad_xlsx', 'XLSX 中没有工作表');
  let header: string[] | null = null;
  let map: ColumnMap = {};
  let columns: ImportReport['columns'] = { text: '' };
  const records: RawRecord[] = [];
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const cells = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
    if (isBlank(cells)) return;
    if (!header) {
      header = cells;
      ({ map, columns } = mapColumns(header, 'XLSX 第一个工作表'));
      return;
    }
    if (records.length >= maxRows) throw tooMany();
    records.push(recordOf(cells, map, n));
  });
  if (!header) throw invalid('history_no_text_column', 'XLSX 第一个工作表是空的,没有表头');
  return { columns, records };
}

/** A cell as the text a person sees: rich text joined, a formula's result, a link's text. */
function cellText(v: ExcelJS.CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
  if ('text' in v) return typeof v.text === 'string' ? v.text : cellText(v.text as ExcelJS.CellValue);
  if ('error' in v) return '';
  return '';
}

// ---------------------------------------------------------------------------------------------
// JSON lines: {"text","unit"} with optional "acceptable", "title" and "place" (or "address"), or {"text","category"}

function readJsonLines(data: Buffer, maxRows: number, tooMany: () => Error): Source {
  const text = new TextDecoder('utf-8').decode(data);
  const records: RawRecord[] = [];
  const seen = new Set<'title' | 'unit' | 'category' | 'place'>();
  const add = (line: number, doc: unknown) => {
    if (records.length >= maxRows) throw tooMany();
    records.push(jsonRecord(line, doc, seen));
  };
  if (text.trimStart().startsWith('[')) {
    // A .json export that is one array: "line" is then the element's position (1-based).
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (e) {
      throw invalid('history_bad_json', `JSON 数组无法解析:${(e as Error).message}`);
    }
    (list as unknown[]).forEach((doc, i) => add(i + 1, doc));
  } else {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i].trim();
      if (!raw) continue;
      let doc: unknown;
      try {
        doc = JSON.parse(raw);
      } catch {
        doc = BAD_JSON;
      }
      add(i + 1, doc);
    }
  }
  const columns: ImportReport['columns'] = { text: 'text' };
  for (const f of ['title', 'unit', 'category', 'place'] as const) if (seen.has(f)) columns[f] = f;
  return { columns, records };
}

const BAD_JSON = Symbol('bad json');

function jsonRecord(line: number, doc: unknown, seen: Set<'title' | 'unit' | 'category' | 'place'>): RawRecord {
  const empty = { line, text: '', title: '', place: '', owner: '', others: [], category: '' };
  if (doc === BAD_JSON) return { ...empty, error: '不是有效的 JSON' };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { ...empty, error: '不是 JSON 对象' };
  const o = doc as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
  for (const f of ['title', 'unit', 'category'] as const) if (typeof o[f] === 'string') seen.add(f);
  const place = typeof o.place === 'string' ? o.place : typeof o.address === 'string' ? o.address : '';
  if (place) seen.add('place');
  // "unit" may itself be a 主办、协办 cell; "acceptable" adds to what it lists.
  const [owner = '', ...others] = typeof o.unit === 'string' ? splitUnitCell(o.unit) : [];
  if (Array.isArray(o.acceptable)) others.push(...o.acceptable.map(str));
  return { line, text: str(o.text), title: str(o.title), place, owner, others, category: str(o.category) };
}
