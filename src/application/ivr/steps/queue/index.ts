/** The verb `queue`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type QueueStepSpec } from './spec.js';
import { QueueStep } from './step.js';

export type { QueueStepSpec } from './spec.js';

export const queueVerb: VerbDefinition<QueueStepSpec> = { verb: 'queue', shorthand, check, targets, create: (s) => new QueueStep(s) };
