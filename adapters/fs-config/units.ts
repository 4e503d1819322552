/** config/units.json (附件1) from the file system; made into directory units by the application (directoryUnits). */
import { readConfigText } from './read.js';
import { directoryUnits, type UnitsFile } from '../../src/application/seed.js';
import type { Unit } from '../../src/application/ports/users.js';

export const DEFAULT_UNITS_PATH = 'config/units.json';

/** The member units, townships and reviewing departments listed at `path`. */
export function loadUnits(path: string | URL = DEFAULT_UNITS_PATH): Unit[] {
  return directoryUnits(JSON.parse(readConfigText(path, 'units_unreadable', '单位目录')) as UnitsFile);
}
