/** hangup: end the call, recording its outcome. */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

export interface HangupStepSpec extends StepCommon {
  verb: 'hangup';
  /** outcome recorded on the call (paging: acknowledged, not_reached ...) */
  result?: string;
}

export const shorthand = 'result';

export function check(c: VerbCheck): HangupStepSpec | undefined {
  c.noNext('hangup ends the call');
  return { verb: 'hangup', id: c.id, line: c.line, result: c.o.str('result') };
}

export const targets = (_s: HangupStepSpec): string[] => [];
