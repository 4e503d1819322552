/** goto: continue at another step. */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

export interface GotoStepSpec extends StepCommon {
  verb: 'goto';
  to: string;
}

export const shorthand = 'to';

export function check(c: VerbCheck): GotoStepSpec | undefined {
  c.noNext('goto names its target itself');
  const to = c.o.target('to', true);
  return to === undefined ? undefined : { verb: 'goto', id: c.id, line: c.line, to };
}

export const targets = (s: GotoStepSpec): string[] => [s.to];
