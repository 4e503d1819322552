/**
 * The table of other spellings of the directory's unit names (alias: unit), config/unit-aliases.yaml
 * (read by adapters/fs-config/unit-aliases.ts). Kept as data so the hotline office can add the
 * spellings its own exports use without a release; checked at load so a typo in a target stops
 * `suban train` with every bad line listed at once, instead of quietly dropping the rows that
 * spelling labels.
 */
import { parse } from 'yaml';
import { invalid } from '../errors.js';
import { checkUnitAliases } from './unit-names.js';

/**
 * The alias table of a YAML text from `source`. With `names` (the directory's units and
 * townships) every target is checked here; without them the check happens in
 * `createUnitResolver`, which throws the same error. An empty file is an empty table.
 */
export function parseUnitAliases(text: string, source: string, names?: readonly string[]): Record<string, string> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw invalid('unit_aliases_invalid', `单位别名 ${source} 不是有效的 YAML:${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalid('unit_aliases_invalid', `单位别名 ${source} 应为"别名: 单位"的映射`);
  }
  const table: Record<string, string> = {};
  const errors: string[] = [];
  for (const [alias, target] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof target !== 'string') errors.push(`${alias}: 目标应为单位名称,实际是 ${JSON.stringify(target)}`);
    else table[alias] = target.trim();
  }
  if (names) errors.push(...checkUnitAliases(table, names));
  if (errors.length > 0) {
    throw invalid('unit_aliases_invalid', `单位别名 ${source} 有 ${errors.length} 处错误:\n${errors.join('\n')}`, { errors });
  }
  return table;
}
