/** answer: 一次性答复 from the knowledge base (issue 24). */
import type { StepCommon } from '../../flow.js';
import type { VerbCheck } from '../check.js';

/**
 * Reads a short answer from the knowledge base when the caller's words (`text`) match an entry
 * marked readable with high confidence, then asks `prompt` (按1表示已解决，按2转人工): 1 records the
 * ticket answered and goes to `solved`; 2, no key or another key go on to `next`; no such entry goes
 * to `onNoMatch`. Needs the IVR actions kbAnswer / kbAnswered.
 */
export interface AnswerStepSpec extends StepCommon {
  verb: 'answer';
  text: string;
  prompt: string;
  timeoutSec: number;
  solved: string;
  onNoMatch: string;
  next: string;
}

export const shorthand = 'text';

export function check(c: VerbCheck): AnswerStepSpec | undefined {
  const { o } = c;
  // Without the actions kbAnswer / kbAnswered (no knowledge base wired) the step is a no-match.
  const solved = o.target('solved', true);
  const onNoMatch = o.target('onNoMatch', true);
  const text = o.template('text', true) ?? '';
  const prompt = o.str('prompt') ?? '按1表示已解决，按2转人工。';
  if (!/1/.test(prompt) || !/2/.test(prompt)) o.fail('the answer prompt must offer 1 (solved) and 2 (an operator)', 'prompt');
  if (solved === undefined || onNoMatch === undefined) return undefined;
  return { verb: 'answer', id: c.id, line: c.line, text, prompt, timeoutSec: o.int('timeout', 8, 3, 30), solved, onNoMatch, next: c.continuation() };
}

export const targets = (s: AnswerStepSpec): string[] => [s.solved, s.next, s.onNoMatch];
