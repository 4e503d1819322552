/** The verb `sms`: its checks (spec.ts) and its runtime step (step.ts). */
import type { VerbDefinition } from '../check.js';
import { check, shorthand, targets, type SmsStepSpec } from './spec.js';
import { SmsStep } from './step.js';

export type { SmsStepSpec } from './spec.js';

export const smsVerb: VerbDefinition<SmsStepSpec> = { verb: 'sms', shorthand, check, targets, create: (s) => new SmsStep(s) };
