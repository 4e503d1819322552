/** config/units.json (附件1) from the file system; made into directory units by the application (directoryUnits). */
import { readFileSync } from 'node:fs';
import { invalid } from '../../src/domain/errors.js';
import { directoryUnits, type UnitsFile } from '../../src/application/seed.js';
import type { Unit } from '../../src/application/ports/users.js';

export const DEFAULT_UNITS_PATH = 'config/units.json';

/** The member units, townships and reviewing departments listed at `path`. */
export function loadUnits(path: string | URL = DEFAULT_UNITS_PATH): Unit[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid('units_unreadable', `单位目录文件无法读取:${String(path)}(${(e as Error).message})`);
  }
  return directoryUnits(JSON.parse(text) as UnitsFile);
}
