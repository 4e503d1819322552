/**
 * Password rules for every way a password is set (user add, reset, own change): at least 10
 * characters, not one of the common passwords (config/common-passwords.txt, read by
 * adapters/fs-config/common-passwords.ts), and not the user name (nor containing it).
 */
import { invalid } from './errors.js';

export const MIN_PASSWORD_LENGTH = 10;

/** One password a line, compared without case; `#` starts a comment line. */
export function parseCommonPasswords(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l && !l.startsWith('#')),
  );
}

/** Why `password` may not be used by `name`, or null when it may. `common` is lower-case. */
export function passwordProblem(password: string, name: string, common: ReadonlySet<string>): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `密码至少 ${MIN_PASSWORD_LENGTH} 位`;
  const lower = password.toLowerCase();
  if (common.has(lower)) return '密码过于常见，请换一个';
  const n = name.toLowerCase();
  if (lower === n || (n.length >= 3 && lower.includes(n)) || [...lower].reverse().join('') === n) return '密码不能是或包含用户名';
  return null;
}

/** Throws a 400 `weak_password` when the password breaks a rule. */
export function checkPassword(password: string, name: string, common: ReadonlySet<string>): void {
  const problem = passwordProblem(password, name, common);
  if (problem) throw invalid('weak_password', problem);
}
