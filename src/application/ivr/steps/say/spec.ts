/** say: speak a text (or play its recorded prompt file) and go on. */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

export interface SayStepSpec extends StepCommon {
  verb: 'say';
  /** TTS text (template); with `file` also set, the recorded prompt wins and the text is its transcript */
  text: string;
  file?: string;
  voice?: string;
  next: string;
}

export const shorthand = 'text';

export function check(c: VerbCheck): SayStepSpec | undefined {
  const { o } = c;
  const text = o.template('text');
  const file = o.str('file');
  if (text === undefined && file === undefined) o.fail('say needs text (or a prompt file)');
  return { verb: 'say', id: c.id, line: c.line, text: text ?? '', file, voice: o.str('voice'), next: c.continuation() };
}

export const targets = (s: SayStepSpec): string[] => [s.next];
