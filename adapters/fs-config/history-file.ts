/** A city's history export on disk (`suban train --in`, `suban eval --in`), imported by application/routing-training/history-import.ts. */
import { readFile, stat } from 'node:fs/promises';
import { importHistory, type HistoryRow, type ImportReport, type ReadHistoryOptions } from '../../src/application/routing-training/history-import.js';

export function readHistory(path: string, resolveUnit: (raw: string) => string | null, opts: ReadHistoryOptions = {}): Promise<{ rows: HistoryRow[]; report: ImportReport }> {
  return importHistory({ path, size: async () => (await stat(path)).size, read: () => readFile(path) }, resolveUnit, opts);
}
