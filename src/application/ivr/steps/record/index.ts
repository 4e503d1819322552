/** The verb `record`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type RecordStepSpec } from './spec.js';
import { RecordStep } from './step.js';

export type { RecordStepSpec } from './spec.js';

export const recordVerb: VerbDefinition<RecordStepSpec> = { verb: 'record', shorthand, check, targets, create: (s) => new RecordStep(s) };
