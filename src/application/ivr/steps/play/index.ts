/** The verb `play`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type PlayStepSpec } from './spec.js';
import { PlayStep } from './step.js';

export type { PlayStepSpec } from './spec.js';

export const playVerb: VerbDefinition<PlayStepSpec> = { verb: 'play', shorthand, check, targets, create: (s) => new PlayStep(s) };
