/**
 * Password rules for every way a password is set (user add, reset, own change): at least 10
 * characters, not one of the common passwords of `config/common-passwords.txt`, and not the user
 * name (nor containing it). The list is read once, on first use.
 */
import { readFileSync } from 'node:fs';
import { invalid } from './errors.js';

export const MIN_PASSWORD_LENGTH = 10;
export const COMMON_PASSWORDS_PATH = new URL('../../config/common-passwords.txt', import.meta.url);

let common: Set<string> | null = null;

function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(COMMON_PASSWORDS_PATH, 'utf8')
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l && !l.startsWith('#')),
  );
  return common;
}

/** Why `password` may not be used by `name`, or null when it may. */
export function passwordProblem(password: string, name: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `密码至少 ${MIN_PASSWORD_LENGTH} 位`;
  const lower = password.toLowerCase();
  if (commonPasswords().has(lower)) return '密码过于常见，请换一个';
  const n = name.toLowerCase();
  if (lower === n || (n.length >= 3 && lower.includes(n)) || [...lower].reverse().join('') === n) return '密码不能是或包含用户名';
  return null;
}

/** Throws a 400 `weak_password` when the password breaks a rule. */
export function checkPassword(password: string, name: string): void {
  const problem = passwordProblem(password, name);
  if (problem) throw invalid('weak_password', problem);
}
