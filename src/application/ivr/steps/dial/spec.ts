/** dial: connect the caller to a number. */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

export interface DialStepSpec extends StepCommon {
  verb: 'dial';
  number: string;
  timeoutSec: number;
  callerId?: string;
  onFailed?: string;
  next: string;
}

export const shorthand = 'number';

export function check(c: VerbCheck): DialStepSpec | undefined {
  const { o } = c;
  return { verb: 'dial', id: c.id, line: c.line, number: o.template('number', true) ?? '', timeoutSec: o.int('timeout', 30, 5, 120), callerId: o.str('callerId'), onFailed: o.target('onFailed'), next: c.continuation() };
}

export const targets = (s: DialStepSpec): string[] => [s.next, ...(s.onFailed ? [s.onFailed] : [])];
