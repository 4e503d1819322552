/**
 * The checked, provider-neutral form of an `ivr-flows/*.yaml` file. The validator produces it
 * (every `next` already resolved, every target known to exist); the step factory compiles it.
 */

export const VERBS = ['say', 'play', 'gather', 'record', 'queue', 'dial', 'sms', 'action', 'branch', 'goto', 'hangup', 'answer'] as const;
export type Verb = (typeof VERBS)[number];

/** Something played to the caller inside a gather (it stops when a key is pressed). */
export type PromptItem = { kind: 'say'; text: string; file?: string; voice?: string } | { kind: 'play'; url: string };

interface StepCommon {
  id: string;
  /** 1-based line of the step's key in its file, for run-time error messages too */
  line: number;
}

export interface SayStepSpec extends StepCommon {
  verb: 'say';
  /** TTS text (template); with `file` also set, the recorded prompt wins and the text is its transcript */
  text: string;
  file?: string;
  voice?: string;
  next: string;
}

export interface PlayStepSpec extends StepCommon {
  verb: 'play';
  url: string;
  loop: number;
  next: string;
}

export interface GatherBranch {
  key: string;
  to: string;
  /** what the choice means (即办/紧急); goes into the IVR path the operator sees */
  label?: string;
  /** variables to set when this key is chosen */
  set?: Record<string, string | number | boolean>;
  /** words that pick this branch when speech recognition is on */
  words?: string[];
}

export interface GatherStepSpec extends StepCommon {
  verb: 'gather';
  label?: string;
  prompt: PromptItem[];
  noInputPrompt: PromptItem[];
  invalidPrompt: PromptItem[];
  minDigits: number;
  maxDigits: number;
  /** '' = no finishing key (then # can be a choice) */
  finishOnKey: string;
  timeoutSec: number;
  /** re-prompts after no input / invalid input, before onNoInput / onInvalid */
  retries: number;
  speech: boolean;
  storeAs?: string;
  branches: GatherBranch[];
  /** where accepted digits go when there are no branches (free entry like a ticket number) */
  next?: string;
  /**
   * With speech on a menu: where a caller goes who speaks rather than keys and whose words name
   * no branch (they described their matter). The words are kept in `speech`.
   */
  onSpeech?: string;
  onNoInput: string;
  onInvalid: string;
}

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

export interface DialStepSpec extends StepCommon {
  verb: 'dial';
  number: string;
  timeoutSec: number;
  callerId?: string;
  onFailed?: string;
  next: string;
}

export interface SmsStepSpec extends StepCommon {
  verb: 'sms';
  to: string;
  text: string;
  onError?: string;
  next: string;
}

export interface ActionStepSpec extends StepCommon {
  verb: 'action';
  name: string;
  args: Record<string, unknown>;
  storeAs?: string;
  onError?: string;
  next: string;
}

/**
 * 一次性答复 (issue 24): reads a short answer from the knowledge base when the caller's words
 * (`text`) match an entry marked readable with high confidence, then asks `prompt` (按1表示已解决，
 * 按2转人工): 1 records the ticket answered and goes to `solved`; 2, no key or another key go on to
 * `next`; no such entry goes to `onNoMatch`. Needs the IVR actions kbAnswer / kbAnswered.
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

export interface GotoStepSpec extends StepCommon {
  verb: 'goto';
  to: string;
}

export interface HangupStepSpec extends StepCommon {
  verb: 'hangup';
  /** outcome recorded on the call (paging: acknowledged, not_reached ...) */
  result?: string;
}

export type StepSpec =
  | SayStepSpec
  | PlayStepSpec
  | GatherStepSpec
  | RecordStepSpec
  | QueueStepSpec
  | DialStepSpec
  | SmsStepSpec
  | ActionStepSpec
  | BranchStepSpec
  | GotoStepSpec
  | HangupStepSpec
  | AnswerStepSpec;

export interface FlowDefinition {
  name: string;
  file: string;
  description?: string;
  start: string;
  voice?: string;
  language: string;
  /** variables the caller of `start` must supply (outbound flows: ticket number, summary ...) */
  inputs: string[];
  steps: Map<string, StepSpec>;
}

/** Variables every call has without any step setting them. */
export const BUILTIN_VARS = ['callId', 'caller', 'called', 'flow', 'direction', 'digits', 'speech'] as const;

/** Every step a spec can continue to, for reachability and target checks. */
export function stepTargets(s: StepSpec): string[] {
  switch (s.verb) {
    case 'say':
    case 'play':
      return [s.next];
    case 'gather':
      return [...s.branches.map((b) => b.to), ...(s.next ? [s.next] : []), ...(s.onSpeech ? [s.onSpeech] : []), s.onNoInput, s.onInvalid];
    case 'record':
      return [s.next, ...(s.onNoInput ? [s.onNoInput] : [])];
    case 'queue':
      return [s.onTimeout, ...(s.onAnswered ? [s.onAnswered] : [])];
    case 'dial':
      return [s.next, ...(s.onFailed ? [s.onFailed] : [])];
    case 'sms':
    case 'action':
      return [s.next, ...(s.onError ? [s.onError] : [])];
    case 'branch':
      return [s.then, s.else];
    case 'goto':
      return [s.to];
    case 'hangup':
      return [];
    case 'answer':
      return [s.solved, s.next, s.onNoMatch];
  }
}
