/** config/common-passwords.txt, the passwords no account may use (src/domain/password-policy.ts). */
import { readFileSync } from 'node:fs';
import { parseCommonPasswords } from '../../src/domain/password-policy.js';

export const COMMON_PASSWORDS_PATH = new URL('../../config/common-passwords.txt', import.meta.url);

let common: ReadonlySet<string> | null = null;

/** Read once per process. */
export function loadCommonPasswords(): ReadonlySet<string> {
  common ??= parseCommonPasswords(readFileSync(COMMON_PASSWORDS_PATH, 'utf8'));
  return common;
}
