/** The verb `action`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type ActionStepSpec } from './spec.js';
import { ActionStep } from './step.js';

export type { ActionStepSpec } from './spec.js';

export const actionVerb: VerbDefinition<ActionStepSpec> = { verb: 'action', shorthand, check, targets, create: (s) => new ActionStep(s) };
