/** The verb `dial`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type DialStepSpec } from './spec.js';
import { DialStep } from './step.js';

export type { DialStepSpec } from './spec.js';

export const dialVerb: VerbDefinition<DialStepSpec> = { verb: 'dial', shorthand, check, targets, create: (s) => new DialStep(s) };
