/** The verb `hangup`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type HangupStepSpec } from './spec.js';
import { HangupStep } from './step.js';

export type { HangupStepSpec } from './spec.js';

export const hangupVerb: VerbDefinition<HangupStepSpec> = { verb: 'hangup', shorthand, check, targets, create: (s) => new HangupStep(s) };
