/**
 * Export files of platforms that offer no push: CSV, XLSX or JSON → one record per case, keyed by
 * the file's own column names (the mapping file then picks the fields). CSV and XLSX are read with
 * exceljs (already a dependency; its CSV reader wraps fast-csv), with every cell kept as text so
 * case ids like 0012 or 20260001234567890 are not turned into numbers.
 */
import { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';

/** exceljs takes ~0.4 s to load: only exports and imports need it, so it is loaded on first use. */
const excel = async () => (await import('exceljs')).default;
import { invalid } from '../../domain/errors.js';
import type { ExportFormat } from './config.js';

export type ExportRecord = Record<string, unknown>;

export interface ParseOptions {
  encoding?: string;
  sheet?: string | null;
}

export async function parseExport(data: Buffer, format: ExportFormat, opts: ParseOptions = {}): Promise<ExportRecord[]> {
  switch (format) {
    case 'json':
      return parseJson(data);
    case 'csv':
      return parseCsv(data, opts.encoding ?? 'utf-8');
    case 'xlsx':
      return parseXlsx(data, opts.sheet ?? null);
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
  // TextDecoder drops a UTF-8 BOM; a GBK file has none.
  const textValue = new TextDecoder(encoding).decode(data);
  const wb = new (await excel()).Workbook();
  let ws: ExcelJS.Worksheet;
  try {
    ws = await wb.csv.read(Readable.from([textValue]), { map: (v: unknown) => v, parserOptions: { trim: true, ignoreEmpty: true } } as never);
  } catch (e) {
    throw invalid('bad_export', `CSV 导出文件无法解析:${(e as Error).message}`);
  }
  return rowsOf(ws);
}

async function parseXlsx(data: Buffer, sheet: string | null): Promise<ExportRecord[]> {
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch (e) {
    throw invalid('bad_export', `XLSX 导出文件无法解析:${(e as Error).message}`);
  }
  const ws = sheet ? wb.getWorksheet(sheet) : wb.worksheets[0];
  if (!ws) throw invalid('bad_export', sheet ? `XLSX 中没有工作表「${sheet}」` : 'XLSX 中没有工作表');
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
