/**
 * The checked, provider-neutral form of an `ivr-flows/*.yaml` file. The validator produces it
 * (every `next` already resolved, every target known to exist); the step factory compiles it.
 */

export const VERBS = ['say', 'play', 'gather', 'record', 'queue', 'dial', 'sms', 'action', 'branch', 'goto', 'hangup', 'answer'] as const;
export type Verb = (typeof VERBS)[number];

/** Something played to the caller inside a gather (it stops when a key is pressed). */
export type PromptItem = { kind: 'say'; text: string; file?: string; voice?: string } | { kind: 'play'; url: string };

/** What every step spec has; each verb's own spec is in its folder (steps/<verb>/spec.ts). */
export interface StepCommon {
  id: string;
  /** 1-based line of the step's key in its file, for run-time error messages too */
  line: number;
}

export type { ActionStepSpec } from './steps/action/spec.js';
export type { AnswerStepSpec } from './steps/answer/spec.js';
export type { BranchStepSpec, Condition } from './steps/branch/spec.js';
export type { DialStepSpec } from './steps/dial/spec.js';
export type { GatherBranch, GatherStepSpec } from './steps/gather/spec.js';
export type { GotoStepSpec } from './steps/goto/spec.js';
export type { HangupStepSpec } from './steps/hangup/spec.js';
export type { PlayStepSpec } from './steps/play/spec.js';
export type { QueueStepSpec } from './steps/queue/spec.js';
export type { RecordStepSpec } from './steps/record/spec.js';
export type { SayStepSpec } from './steps/say/spec.js';
export type { SmsStepSpec } from './steps/sms/spec.js';
import type { ActionStepSpec } from './steps/action/spec.js';
import type { AnswerStepSpec } from './steps/answer/spec.js';
import type { BranchStepSpec } from './steps/branch/spec.js';
import type { DialStepSpec } from './steps/dial/spec.js';
import type { GatherStepSpec } from './steps/gather/spec.js';
import type { GotoStepSpec } from './steps/goto/spec.js';
import type { HangupStepSpec } from './steps/hangup/spec.js';
import type { PlayStepSpec } from './steps/play/spec.js';
import type { QueueStepSpec } from './steps/queue/spec.js';
import type { RecordStepSpec } from './steps/record/spec.js';
import type { SayStepSpec } from './steps/say/spec.js';
import type { SmsStepSpec } from './steps/sms/spec.js';

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

/** Every step a spec can continue to (each verb says its own: steps/<verb>/spec.ts). */
export { stepTargets } from './steps/index.js';
