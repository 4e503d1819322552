/** branch: go one way or the other on a condition. */
import { isMap, isScalar } from 'yaml';
import type { StepCommon } from '../../flow.js';
import type { Opts, VerbCheck } from '../check.js';

export type Condition =
  | { kind: 'workingHours' }
  | { kind: 'callerBlocked' }
  | { kind: 'equals'; var: string; value: string | number | boolean | null }
  | { kind: 'in'; var: string; values: (string | number | boolean)[] };

export interface BranchStepSpec extends StepCommon {
  verb: 'branch';
  if: Condition;
  then: string;
  else: string;
}

export const shorthand = undefined;

export function check(c: VerbCheck): BranchStepSpec | undefined {
  const { o } = c;
  c.noNext('use then / else');
  const cond = condition(o, 'if');
  const then = o.target('then', true);
  const otherwise = o.target('else', true);
  if (!cond || then === undefined || otherwise === undefined) return undefined;
  return { verb: 'branch', id: c.id, line: c.line, if: cond, then, else: otherwise };
}

export const targets = (s: BranchStepSpec): string[] => [s.then, s.else];

function condition(o: Opts, key: string): Condition | undefined {
  const n = o.get(key);
  if (n === undefined) {
    o.fail(`missing \`${key}\``);
    return undefined;
  }
  if (isScalar(n) && (n.value === 'workingHours' || n.value === 'callerBlocked')) return { kind: n.value };
  if (isMap(n)) {
    const js = n.toJSON() as Record<string, unknown>;
    const keys = Object.keys(js).sort().join(',');
    const plain = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);
    if (keys === 'digits' && plain(js.digits)) return { kind: 'equals', var: 'digits', value: String(js.digits) };
    if (keys === 'equals,var' && typeof js.var === 'string' && plain(js.equals)) {
      o.r.checkTemplate(n, o.step, `{{${js.var}}}`);
      return { kind: 'equals', var: js.var, value: js.equals as string | number | boolean | null };
    }
    if (keys === 'in,var' && typeof js.var === 'string' && Array.isArray(js.in) && js.in.every(plain)) {
      o.r.checkTemplate(n, o.step, `{{${js.var}}}`);
      return { kind: 'in', var: js.var, values: js.in as (string | number | boolean)[] };
    }
  }
  o.r.error(n, o.step, 'a condition is workingHours, callerBlocked, {digits: "1"}, {var: x, equals: v} or {var: x, in: [..]}');
  return undefined;
}
