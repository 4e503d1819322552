import { readFileSync } from 'node:fs';
import { invalid } from '../../src/domain/errors.js';

/**
 * The text of a config file. One that cannot be read is an `invalid` error naming what the file
 * is and where, so a start that fails on it says which file to fix.
 */
export function readConfigText(path: string | URL, code: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw invalid(code, `${what}文件无法读取:${String(path)}(${(e as Error).message})`);
  }
}
