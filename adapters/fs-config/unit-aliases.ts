/** config/unit-aliases.yaml from the file system; parsed and checked by the domain (parseUnitAliases). */
import { readConfigText } from './read.js';
import { parseUnitAliases } from '../../src/domain/directory/unit-aliases.js';

export const DEFAULT_UNIT_ALIASES_PATH = 'config/unit-aliases.yaml';

/** The alias table at `path`; with `names`, every target is checked (see parseUnitAliases). */
export function loadUnitAliases(path: string | URL = DEFAULT_UNIT_ALIASES_PATH, names?: readonly string[]): Record<string, string> {
  return parseUnitAliases(readConfigText(path, 'unit_aliases_unreadable', '单位别名'), String(path), names);
}
