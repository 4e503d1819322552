/**
 * Import and export of the knowledge base as CSV or XLSX, in the shape of a 12345 centre's own
 * 知识库 export: common Chinese headers are recognised (标题/知识标题, 相似问法/扩展问, 答复口径 ...),
 * unknown headers are reported, every skipped row names its line and why. CSV through csv-parse
 * (GBK or UTF-8, as history-import reads it), XLSX through exceljs; exports through the stats
 * exports' writers (formula-safe CSV with a BOM, XLSX).
 */
import { parse as parseCsv } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { AppError, invalid } from '../../domain/errors.js';
import { decodeCsvBytes } from '../routing-training/history-import.js';
import { toCsv, toXlsx, type Column } from '../supervision/rates-report.js';
import { undefuse } from '../../domain/csv.js';
import {
  approveEntry,
  createEntry,
  isKnowledgeReviewer,
  latestContent,
  mayEditKnowledge,
  REVIEW_STATE_LABELS,
  submitEntry,
  updateEntry,
  type ContentInput,
  type KnowledgeActor,
  type KnowledgeChange,
  type KnowledgeEntry,
} from '../../domain/knowledge/entry.js';
import type { KnowledgeService } from './service.js';
import { randomUUID } from 'node:crypto';

export type TableFormat = 'csv' | 'xlsx';
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 20_000;

type Field = 'id' | 'title' | 'question' | 'variants' | 'answer' | 'unit' | 'tags' | 'validFrom' | 'validTo' | 'source' | 'readable';

/** Header names per field, as centres' exports spell them (compared without spaces and brackets). */
export const KNOWLEDGE_HEADERS: Record<Field, string[]> = {
  id: ['编号', '知识编号', '知识id', 'id', '序号编码'],
  title: ['标题', '知识标题', '知识名称', '名称', 'title'],
  question: ['问题', '常见问题', '标准问', '标准问题', 'question'],
  variants: ['相似问法', '扩展问', '相似问', '扩展问法', '相似问题', 'variants'],
  answer: ['答复', '答案', '答复口径', '知识内容', '答复内容', '回复口径', 'answer'],
  unit: ['责任单位', '所属单位', '来源单位', '提供单位', '主管单位', 'unit'],
  tags: ['标签', '分类', '知识分类', '类别', '关键词', 'tags'],
  validFrom: ['生效日期', '有效期起', '生效时间', '开始日期', 'validfrom'],
  validTo: ['失效日期', '有效期止', '失效时间', '截止日期', '有效期至', 'validto'],
  source: ['政策依据', '来源文件', '依据', '文件依据', 'source'],
  readable: ['可播报', '语音播报', '可语音播报', 'readable'],
};

const headerKey = (h: string) => h.replace(/[\s（）()：:*＊]/g, '').toLowerCase();

export interface ImportRow {
  line: number;
  id: string | null;
  input: ContentInput;
}

export interface ImportReport {
  format: TableFormat;
  /** field → the file's own column name */
  columns: Partial<Record<Field, string>>;
  unknownHeaders: string[];
  rows: number;
  created: number;
  updated: number;
  approved: number;
  skipped: { line: number; reason: string }[];
  dryRun: boolean;
}

/** exceljs takes ~0.4 s to load: loaded on first use. */
const excel = async () => (await import('exceljs')).default;

/** A cell as the text a person sees. */
function cellText(v: ExcelJS.CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
  if ('text' in v) return typeof v.text === 'string' ? v.text : cellText(v.text as ExcelJS.CellValue);
  return '';
}

/** The first sheet (XLSX) or the file (CSV) as rows of cell texts with their line numbers. */
export async function readTable(data: Buffer, format: TableFormat): Promise<{ line: number; cells: string[] }[]> {
  if (data.length > MAX_IMPORT_BYTES) throw new AppError('too_large', 'knowledge_import_too_large', `文件超过 ${MAX_IMPORT_BYTES / 1024 / 1024} MB 上限 (file too large)`);
  const out: { line: number; cells: string[] }[] = [];
  const tooMany = () => new AppError('too_large', 'knowledge_import_too_many_rows', `文件超过 ${MAX_IMPORT_ROWS} 行上限，请分批导入 (too many rows)`);
  if (format === 'csv') {
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = parseCsv(decodeCsvBytes(data), { relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true, record_delimiter: ['\r\n', '\n', '\r'] }) as never;
    } catch (e) {
      throw invalid('knowledge_bad_csv', `CSV 无法解析：${(e as Error).message}`);
    }
    for (const { record, info } of records) {
      if (out.length > MAX_IMPORT_ROWS) throw tooMany();
      out.push({ line: info.lines, cells: record.map((c) => undefuse(String(c ?? ''))) });
    }
    return out;
  }
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch (e) {
    throw invalid('knowledge_bad_xlsx', `XLSX 无法解析：${(e as Error).message}`);
  }
  const ws = wb.worksheets[0];
  if (!ws) throw invalid('knowledge_bad_xlsx', 'XLSX 中没有工作表');
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    if (out.length > MAX_IMPORT_ROWS) throw tooMany();
    out.push({ line: n, cells: (row.values as ExcelJS.CellValue[]).slice(1).map(cellText) });
  });
  return out;
}

const TRUE = /^(是|可|可以|能|y|yes|true|1|√|✓)$/i;

/** Maps a table onto import rows; throws when neither an answer nor a title/question column is found. */
export function parseKnowledgeTable(table: { line: number; cells: string[] }[]): { rows: ImportRow[]; columns: ImportReport['columns']; unknownHeaders: string[]; skipped: ImportReport['skipped'] } {
  const nonBlank = table.filter((r) => r.cells.some((c) => c.trim()));
  const header = nonBlank[0];
  if (!header) throw invalid('knowledge_empty_file', '文件是空的，没有表头 (the file is empty)');
  const index: Partial<Record<Field, number>> = {};
  const columns: ImportReport['columns'] = {};
  const unknownHeaders: string[] = [];
  header.cells.forEach((raw, i) => {
    const k = headerKey(raw);
    if (!k) return;
    const field = (Object.keys(KNOWLEDGE_HEADERS) as Field[]).find((f) => KNOWLEDGE_HEADERS[f].some((h) => headerKey(h) === k));
    if (field && index[field] === undefined) {
      index[field] = i;
      columns[field] = raw.trim();
    } else if (!field) unknownHeaders.push(raw.trim());
  });
  if (index.answer === undefined || (index.title === undefined && index.question === undefined)) {
    throw invalid('knowledge_no_columns', `找不到标题/问题和答复列；表头为：${header.cells.filter((c) => c.trim()).join('、')} (need a title or question column and an answer column)`, { headers: header.cells });
  }
  const rows: ImportRow[] = [];
  const skipped: ImportReport['skipped'] = [];
  for (const r of nonBlank.slice(1)) {
    const cell = (f: Field) => (index[f] === undefined ? '' : (r.cells[index[f]!] ?? '').trim());
    const question = cell('question');
    const title = cell('title') || question;
    if (!title || !cell('answer')) {
      skipped.push({ line: r.line, reason: !title ? '缺少标题/问题' : '缺少答复' });
      continue;
    }
    const variants = cell('variants')
      .split(/[\n;；|｜]+/)
      .map((v) => v.trim())
      .filter(Boolean);
    if (question && question !== title) variants.unshift(question);
    const readable = cell('readable');
    rows.push({
      line: r.line,
      id: cell('id') || null,
      input: {
        title,
        variants,
        answer: cell('answer'),
        unit: cell('unit') || undefined,
        tags: cell('tags') ? cell('tags').split(/[\s,，、;；|｜/]+/).filter(Boolean) : [],
        validFrom: cell('validFrom') || null,
        validTo: cell('validTo') || null,
        source: cell('source') || null,
        readable: readable ? TRUE.test(readable) : false,
      },
    });
  }
  return { rows, columns, unknownHeaders, skipped };
}

export interface ImportOptions {
  format: TableFormat;
  /** Publish at once (the centre's own, already reviewed 知识库): reviewers only. */
  approve?: boolean;
  dryRun?: boolean;
  /** Maps a unit name as written (国网瑞金市供电公司) to a directory unit, or null. */
  resolveUnit: (raw: string) => string | null;
}

/**
 * Imports a table: a row whose 编号 names an entry here (or its id in the centre's system, kept as
 * externalId) updates it, other rows create entries. A unit imports only its own unit's rows.
 */
export async function importKnowledge(kb: KnowledgeService, actor: KnowledgeActor, data: Buffer, opts: ImportOptions, now: Date): Promise<ImportReport> {
  if (opts.approve && !isKnowledgeReviewer(actor)) throw new AppError('forbidden', 'forbidden', '只有热线办可以导入即发布 (only the office imports as approved)');
  const parsed = parseKnowledgeTable(await readTable(data, opts.format));
  const report: ImportReport = { format: opts.format, columns: parsed.columns, unknownHeaders: parsed.unknownHeaders, rows: parsed.rows.length + parsed.skipped.length, created: 0, updated: 0, approved: 0, skipped: [...parsed.skipped], dryRun: !!opts.dryRun };
  const changes: { change: KnowledgeChange; expectedVersion: number | null }[] = [];
  const seen = new Set<string>();
  for (const row of parsed.rows) {
    try {
      let unit: string | null | undefined = undefined;
      if (row.input.unit) {
        unit = opts.resolveUnit(String(row.input.unit));
        if (!unit) throw invalid('knowledge_unit', `责任单位「${String(row.input.unit)}」不在单位目录中`);
      } else unit = actor.role === 'unit' ? actor.unit : null;
      const input = { ...row.input, unit };
      if (!mayEditKnowledge(actor, unit)) throw invalid('knowledge_unit', `不能导入其他单位（${unit ?? '热线办'}）的条目`);
      const existing = row.id ? ((await kb.store.get(row.id)) ?? (await kb.store.getByExternalId(row.id))) : null;
      if (existing && seen.has(existing.id)) throw invalid('knowledge_duplicate', `编号 ${row.id} 在文件中重复`);
      let chain: KnowledgeChange[];
      if (existing) {
        seen.add(existing.id);
        const up = updateEntry(existing, input, actor, now, 'import');
        chain = [up];
        if (opts.approve) {
          const sub = submitEntry(up.entry, actor, now);
          chain.push(sub, approveEntry(sub.entry, actor, now, '导入即发布'));
        }
        let v = existing.version;
        for (const c of chain) {
          changes.push({ change: c, expectedVersion: v });
          v = c.entry.version;
        }
        report.updated++;
      } else {
        const id = randomUUID();
        const c = createEntry(id, input, actor, now, { approved: !!opts.approve, externalId: row.id, action: 'import' });
        if (row.id) {
          if (seen.has(`ext:${row.id}`)) throw invalid('knowledge_duplicate', `编号 ${row.id} 在文件中重复`);
          seen.add(`ext:${row.id}`);
        }
        changes.push({ change: c, expectedVersion: null });
        report.created++;
      }
      if (opts.approve) report.approved++;
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      report.skipped.push({ line: row.line, reason: e.message });
    }
  }
  report.skipped.sort((a, b) => a.line - b.line);
  if (!opts.dryRun) await kb.applyChanges(changes);
  return report;
}

const fmtDate = (d: Date | null) => (d ? new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10) : null);

/** Export columns; the headers are the first names import recognises, so an export imports back. */
export const EXPORT_COLUMNS: Column<KnowledgeEntry>[] = [
  { header: '编号', kind: 'text', value: (e) => e.id },
  { header: '标题', kind: 'text', value: (e) => latestContent(e)?.title ?? e.title },
  { header: '相似问法', kind: 'text', value: (e) => latestContent(e)?.variants.join('\n') ?? '' },
  { header: '答复口径', kind: 'text', value: (e) => latestContent(e)?.answer ?? '' },
  { header: '责任单位', kind: 'text', value: (e) => e.unit },
  { header: '标签', kind: 'text', value: (e) => latestContent(e)?.tags.join('；') ?? '' },
  { header: '生效日期', kind: 'text', value: (e) => latestContent(e)?.validFrom ?? null },
  { header: '失效日期', kind: 'text', value: (e) => latestContent(e)?.validTo ?? null },
  { header: '政策依据', kind: 'text', value: (e) => latestContent(e)?.source ?? null },
  { header: '可播报', kind: 'text', value: (e) => (latestContent(e)?.readable ? '是' : '否') },
  { header: '状态', kind: 'text', value: (e) => REVIEW_STATE_LABELS[e.state] },
  { header: '示例', kind: 'text', value: (e) => (e.sample ? '是' : '否') },
  { header: '最后审核', kind: 'text', value: (e) => fmtDate(e.reviewedAt) },
  { header: '更新时间', kind: 'text', value: (e) => fmtDate(e.updatedAt) },
];

export async function exportKnowledge(entries: KnowledgeEntry[], format: TableFormat): Promise<Buffer | string> {
  return format === 'csv' ? toCsv(EXPORT_COLUMNS, entries) : toXlsx(EXPORT_COLUMNS, entries, '知识库');
}
