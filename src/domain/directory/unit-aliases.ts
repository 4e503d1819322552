/**
 * Loading config/unit-aliases.yaml, the table of other spellings of the directory's unit names
 * (alias: unit). Kept as data so the hotline office can add the spellings its own exports use
 * without a release; checked at load so a typo in a target stops `suban train` with every bad
 * line listed at once, instead of quietly dropping the rows that spelling labels.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { invalid } from '../errors.js';
import { checkUnitAliases } from './unit-names.js';

export const DEFAULT_UNIT_ALIASES_PATH = 'config/unit-aliases.yaml';

/**
 * The alias table at `path`. With `names` (the directory's units and townships) every target is
 * checked here; without them the check happens in `createUnitResolver`, which throws the same
 * error. An empty file is an empty table.
 */
export function loadUnitAliases(path: string | URL = DEFAULT_UNIT_ALIASES_PATH, names?: readonly string[]): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid('unit_aliases_unreadable', `单位别名文件无法读取:${String(path)}(${(e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw invalid('unit_aliases_invalid', `单位别名 ${String(path)} 不是有效的 YAML:${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalid('unit_aliases_invalid', `单位别名 ${String(path)} 应为"别名: 单位"的映射`);
  }
  const table: Record<string, string> = {};
  const errors: string[] = [];
  for (const [alias, target] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof target !== 'string') errors.push(`${alias}: 目标应为单位名称,实际是 ${JSON.stringify(target)}`);
    else table[alias] = target.trim();
  }
  if (names) errors.push(...checkUnitAliases(table, names));
  if (errors.length > 0) {
    throw invalid('unit_aliases_invalid', `单位别名 ${String(path)} 有 ${errors.length} 处错误:\n${errors.join('\n')}`, { errors });
  }
  return table;
}
