/** The verb `branch`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type BranchStepSpec } from './spec.js';
import { BranchStep } from './step.js';

export type { BranchStepSpec } from './spec.js';

export const branchVerb: VerbDefinition<BranchStepSpec> = { verb: 'branch', shorthand, check, targets, create: (s) => new BranchStep(s) };
