/** The verb `gather`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type GatherStepSpec } from './spec.js';
import { GatherStep } from './step.js';

export type { GatherStepSpec } from './spec.js';

export const gatherVerb: VerbDefinition<GatherStepSpec> = { verb: 'gather', shorthand, check, targets, create: (s) => new GatherStep(s) };
