/** play: play an audio URL (looped) and go on. */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

export interface PlayStepSpec extends StepCommon {
  verb: 'play';
  url: string;
  loop: number;
  next: string;
}

export const shorthand = 'url';

export function check(c: VerbCheck): PlayStepSpec | undefined {
  const { o } = c;
  return { verb: 'play', id: c.id, line: c.line, url: o.template('url', true) ?? '', loop: o.int('loop', 1, 1, 10), next: c.continuation() };
}

export const targets = (s: PlayStepSpec): string[] => [s.next];
