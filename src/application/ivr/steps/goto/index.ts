/** The verb `goto`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type GotoStepSpec } from './spec.js';
import { GotoStep } from './step.js';

export type { GotoStepSpec } from './spec.js';

export const gotoVerb: VerbDefinition<GotoStepSpec> = { verb: 'goto', shorthand, check, targets, create: (s) => new GotoStep(s) };
