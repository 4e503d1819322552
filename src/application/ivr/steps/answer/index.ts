/** The verb `answer`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type AnswerStepSpec } from './spec.js';
import { AnswerStep } from './step.js';

export type { AnswerStepSpec } from './spec.js';

export const answerVerb: VerbDefinition<AnswerStepSpec> = { verb: 'answer', shorthand, check, targets, create: (s) => new AnswerStep(s) };
