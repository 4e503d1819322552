/**
 * Export files of platforms that offer no push: CSV, XLSX or JSON → one record per case, keyed by
 * the file's own column names (the mapping file then picks the fields). CSV is read by the one CSV
 * reader (src/domain/csv.ts, csv-parse), XLSX with exceljs; every CSV cell is kept as text so case
 * ids like 0012 or 20260001234567890 are not turned into numbers.
 */
import type ExcelJS from 'exceljs';

/** exceljs takes ~0.4 s to load: only exports and imports need it, so it is loaded on first use. */
const excel = async () => (await import('exceljs')).default;
import { invalid } from '../../domain/errors.js';
import { parseCsvText } from '../../domain/csv.js';
import type { ExportFormat } from './config.js';

export type ExportRecord = Record<string, unknown>;

export interface ParseOptions {
  encoding?: string;
  sheet?: string | null;
  limits?: Partial<ExportLimits>;
}

/**
 * What one export file may hold, checked before the parser runs (an export dropped in a poll
 * directory comes from outside: a huge file, a zip bomb or a million rows must not stall the
 * instance or exhaust its memory). A file over a limit is refused as invalid and set aside.
 */
export interface ExportLimits {
  /** bytes of the file as stored */
  maxBytes: number;
  /** bytes an XLSX inflates to (every part of the zip together) */
  maxInflatedBytes: number;
  /** data rows */
  maxRows: number;
  /** cells (rows × columns) */
  maxCells: number;
}

export const EXPORT_LIMITS: ExportLimits = { maxBytes: 20 * 1024 * 1024, maxInflatedBytes: 100 * 1024 * 1024, maxRows: 20_000, maxCells: 400_000 };

const tooLarge = (what: string) => invalid('export_too_large', `导出文件过大:${what}`);

export async function parseExport(data: Buffer, format: ExportFormat, opts: ParseOptions = {}): Promise<ExportRecord[]> {
  const limits = { ...EXPORT_LIMITS, ...opts.limits };
  if (data.length > limits.maxBytes) throw tooLarge(`${data.length} 字节，上限 ${limits.maxBytes}`);
  if (format === 'csv') checkCsvShape(data, limits);
  if (format === 'xlsx') checkZip(data, limits);
  const records = await parseAny(data, format, opts);
  if (records.length > limits.maxRows) throw tooLarge(`${records.length} 行，上限 ${limits.maxRows}`);
  return records;
}

/** Lines and separators counted on the bytes (a quoted comma counts too: the estimate errs on the safe side). */
function checkCsvShape(data: Buffer, limits: ExportLimits): void {
  let lines = 1;
  let commas = 0;
  for (const b of data) {
    if (b === 0x0a) lines++;
    else if (b === 0x2c) commas++;
  }
  if (lines - 1 > limits.maxRows) throw tooLarge(`约 ${lines - 1} 行，上限 ${limits.maxRows}`);
  if (commas + lines > limits.maxCells) throw tooLarge(`约 ${commas + lines} 个单元格，上限 ${limits.maxCells}`);
}

/**
 * An XLSX is a zip: its central directory states what every part inflates to, so a zip bomb is
 * refused from a few hundred bytes of directory, before anything is inflated.
 */
export function checkZip(data: Buffer, limits: Pick<ExportLimits, 'maxInflatedBytes'>): void {
  const min = Math.max(0, data.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = data.length - 22; i >= min; i--) {
    if (data.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw invalid('bad_export', 'XLSX 导出文件无法解析:不是 zip 文件');
  const entries = data.readUInt16LE(eocd + 10);
  let p = data.readUInt32LE(eocd + 16);
  if (entries === 0xffff || p === 0xffffffff) throw tooLarge('zip64 文件');
  if (entries > 10_000) throw tooLarge(`${entries} 个部件`);
  let inflated = 0;
  for (let n = 0; n < entries; n++) {
    if (p + 46 > data.length || data.readUInt32LE(p) !== 0x02014b50) throw invalid('bad_export', 'XLSX 导出文件无法解析:zip 目录损坏');
    const size = data.readUInt32LE(p + 24);
    if (size === 0xffffffff) throw tooLarge('zip64 部件');
    inflated += size;
    if (inflated > limits.maxInflatedBytes) throw tooLarge(`解压后超过 ${limits.maxInflatedBytes} 字节`);
    p += 46 + data.readUInt16LE(p + 28) + data.readUInt16LE(p + 30) + data.readUInt16LE(p + 32);
  }
}

async function parseAny(data: Buffer, format: ExportFormat, opts: ParseOptions): Promise<ExportRecord[]> {
  switch (format) {
    case 'json':
      return parseJson(data);
    case 'csv':
      return parseCsv(data, opts.encoding ?? 'utf-8');
    case 'xlsx':
      return parseXlsx(data, opts.sheet ?? null, { ...EXPORT_LIMITS, ...opts.limits });
  }
}

function parseJson(data: Buffer): ExportRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8').decode(data));
  } catch (e) {
    throw invalid('bad_export', `JSON 导出文件无法解析:${(e as Error).message}`);
  }
  // Either a bare array, or an envelope with one array in it ({"total": 3, "rows": [...]}).
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' ? Object.values(doc).find(Array.isArray) : undefined;
  if (!list) throw invalid('bad_export', 'JSON 导出文件中没有案件数组');
  return list as ExportRecord[];
}

async function parseCsv(data: Buffer, encoding: string): Promise<ExportRecord[]> {
  // TextDecoder drops a UTF-8 BOM; a GBK file has none. The one CSV reader (src/domain/csv.ts).
  const textValue = new TextDecoder(encoding).decode(data);
  let rows: string[][];
  try {
    rows = parseCsvText(textValue);
  } catch (e) {
    throw invalid('bad_export', `CSV 导出文件无法解析:${(e as Error).message}`);
  }
  const [head, ...body] = rows;
  if (!head) throw invalid('bad_export', '导出文件没有表头');
  const header = head.map((h) => h.trim());
  const out: ExportRecord[] = [];
  for (const cells of body) {
    const rec: ExportRecord = {};
    cells.forEach((v, i) => {
      const value = v.trim();
      if (header[i] && value !== '') rec[header[i]] = value;
    });
    if (Object.keys(rec).length) out.push(rec);
  }
  return out;
}

async function parseXlsx(data: Buffer, sheet: string | null, limits: ExportLimits): Promise<ExportRecord[]> {
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch (e) {
    throw invalid('bad_export', `XLSX 导出文件无法解析:${(e as Error).message}`);
  }
  const ws = sheet ? wb.getWorksheet(sheet) : wb.worksheets[0];
  if (!ws) throw invalid('bad_export', sheet ? `XLSX 中没有工作表「${sheet}」` : 'XLSX 中没有工作表');
  // Rows and columns as the sheet states them, before walking its cells.
  if (ws.rowCount - 1 > limits.maxRows) throw tooLarge(`${ws.rowCount - 1} 行，上限 ${limits.maxRows}`);
  if (ws.rowCount * ws.columnCount > limits.maxCells) throw tooLarge(`${ws.rowCount * ws.columnCount} 个单元格，上限 ${limits.maxCells}`);
  return rowsOf(ws);
}

/** First row = column names; blank rows are skipped. */
function rowsOf(ws: ExcelJS.Worksheet): ExportRecord[] {
  const header: string[] = [];
  const out: ExportRecord[] = [];
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    const values = (row.values as unknown[]).slice(1);
    if (n === 1 || !header.length) {
      values.forEach((v, i) => (header[i] = String(v ?? '').trim()));
      return;
    }
    const rec: ExportRecord = {};
    values.forEach((v, i) => {
      if (header[i] && v !== null && v !== undefined && v !== '') rec[header[i]] = v;
    });
    if (Object.keys(rec).length) out.push(rec);
  });
  if (!header.length) throw invalid('bad_export', '导出文件没有表头');
  return out;
}
