/** record: record the caller (a voicemail) into a variable. */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

export interface RecordStepSpec extends StepCommon {
  verb: 'record';
  maxLengthSec: number;
  silenceTimeoutSec: number;
  beep: boolean;
  finishOnKey: string;
  storeAs: string;
  /** where to go when nothing was recorded; defaults to next */
  onNoInput?: string;
  next: string;
}

export const shorthand = undefined;

export function check(c: VerbCheck): RecordStepSpec | undefined {
  const { o } = c;
  const storeAs = o.varName('storeAs') ?? 'recordingUrl';
  c.defineVar(storeAs);
  return {
    verb: 'record',
    id: c.id,
    line: c.line,
    maxLengthSec: o.int('maxLength', 120, 5, 3600),
    silenceTimeoutSec: o.int('silenceTimeout', 5, 1, 60),
    beep: o.bool('beep', true),
    finishOnKey: o.keys('finishOnKey', '#'),
    storeAs,
    onNoInput: o.target('onNoInput'),
    next: c.continuation(),
  };
}

export const targets = (s: RecordStepSpec): string[] => [s.next, ...(s.onNoInput ? [s.onNoInput] : [])];
