/** config/unit-aliases.yaml from the file system; parsed and checked by the domain (parseUnitAliases). */
import { readFileSync } from 'node:fs';
import { invalid } from '../../src/domain/errors.js';
import { parseUnitAliases } from '../../src/domain/directory/unit-aliases.js';

export const DEFAULT_UNIT_ALIASES_PATH = 'config/unit-aliases.yaml';

/** The alias table at `path`; with `names`, every target is checked (see parseUnitAliases). */
export function loadUnitAliases(path: string | URL = DEFAULT_UNIT_ALIASES_PATH, names?: readonly string[]): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid('unit_aliases_unreadable', `单位别名文件无法读取:${String(path)}(${(e as Error).message})`);
  }
  return parseUnitAliases(text, String(path), names);
}
