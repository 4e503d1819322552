/** sms: send a text message (by default to the caller). */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

export interface SmsStepSpec extends StepCommon {
  verb: 'sms';
  to: string;
  text: string;
  onError?: string;
  next: string;
}

export const shorthand = 'text';

export function check(c: VerbCheck): SmsStepSpec | undefined {
  const { o } = c;
  return { verb: 'sms', id: c.id, line: c.line, to: o.template('to') ?? '{{caller}}', text: o.template('text', true) ?? '', onError: o.target('onError'), next: c.continuation() };
}

export const targets = (s: SmsStepSpec): string[] => [s.next, ...(s.onError ? [s.onError] : [])];
