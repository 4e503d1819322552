/** The verb `say`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type SayStepSpec } from './spec.js';
import { SayStep } from './step.js';

export type { SayStepSpec } from './spec.js';

export const sayVerb: VerbDefinition<SayStepSpec> = { verb: 'say', shorthand, check, targets, create: (s) => new SayStep(s) };
