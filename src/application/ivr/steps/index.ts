/**
 * The verbs of the flow language, one folder each (`steps/<verb>/`: spec.ts with its spec type and
 * checks, step.ts with its runtime step, index.ts with its definition). A new verb is a new folder,
 * its name in VERBS (flow.ts) and its spec in the StepSpec union, and one line here.
 */
import type { FlowDefinition, StepSpec, Verb } from '../flow.js';
import type { VerbDefinition } from './check.js';
import { actionVerb } from './action/index.js';
import { answerVerb } from './answer/index.js';
import { branchVerb } from './branch/index.js';
import { dialVerb } from './dial/index.js';
import { gatherVerb } from './gather/index.js';
import { gotoVerb } from './goto/index.js';
import { hangupVerb } from './hangup/index.js';
import { playVerb } from './play/index.js';
import { queueVerb } from './queue/index.js';
import { recordVerb } from './record/index.js';
import { sayVerb } from './say/index.js';
import { smsVerb } from './sms/index.js';
import type { Step } from './step.js';

export type { Step, StepContext, StepResult } from './step.js';

/** Every verb's definition, by its name. */
export const VERB_DEFINITIONS: { readonly [V in Verb]: VerbDefinition<Extract<StepSpec, { verb: V }>> } = {
  say: sayVerb,
  play: playVerb,
  gather: gatherVerb,
  record: recordVerb,
  queue: queueVerb,
  dial: dialVerb,
  sms: smsVerb,
  action: actionVerb,
  branch: branchVerb,
  goto: gotoVerb,
  hangup: hangupVerb,
  answer: answerVerb,
};

/** The definition of a spec's verb, typed for that spec. */
export function verbOf<S extends StepSpec>(spec: S): VerbDefinition<S> {
  return VERB_DEFINITIONS[spec.verb] as unknown as VerbDefinition<S>;
}

/** The one factory from checked step specs to step objects. */
export function createStep(spec: StepSpec): Step {
  return verbOf(spec).create(spec);
}

/** Every step a spec can continue to, for reachability and target checks. */
export function stepTargets(spec: StepSpec): string[] {
  return verbOf(spec).targets(spec);
}

export interface CompiledFlow {
  readonly def: FlowDefinition;
  readonly steps: ReadonlyMap<string, Step>;
}

export function compileFlow(def: FlowDefinition): CompiledFlow {
  return { def, steps: new Map([...def.steps].map(([id, spec]) => [id, createStep(spec)])) };
}
