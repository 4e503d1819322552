/** queue: put the caller in an operator queue (the screen pop), with a time limit. */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

export interface QueueStepSpec extends StepCommon {
  verb: 'queue';
  name: string;
  /** 1 = most urgent */
  priority: number;
  holdMusic?: string;
  timeLimitSec: number;
  onTimeout: string;
  /** after the operator conversation; without it the call ends */
  onAnswered?: string;
}

export const shorthand = 'name';

export function check(c: VerbCheck): QueueStepSpec | undefined {
  const { o } = c;
  c.noNext('use onTimeout / onAnswered');
  const spec: QueueStepSpec = {
    verb: 'queue',
    id: c.id,
    line: c.line,
    name: o.str('name', true) ?? '',
    priority: o.int('priority', 5, 1, 10),
    holdMusic: o.str('holdMusic'),
    timeLimitSec: o.int('timeLimit', 120, 5, 3600),
    onAnswered: o.target('onAnswered'),
    onTimeout: o.target('onTimeout') ?? '',
  };
  if (!spec.onTimeout) spec.onTimeout = c.followingStep();
  return spec;
}

export const targets = (s: QueueStepSpec): string[] => [s.onTimeout, ...(s.onAnswered ? [s.onAnswered] : [])];
