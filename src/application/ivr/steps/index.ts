/** The one factory from checked step specs to step objects. */
import type { FlowDefinition, StepSpec } from '../flow.js';
import { ActionStep } from './action.js';
import { AnswerStep } from './answer.js';
import { BranchStep } from './branch.js';
import { DialStep } from './dial.js';
import { GatherStep } from './gather.js';
import { GotoStep } from './goto.js';
import { HangupStep } from './hangup.js';
import { PlayStep } from './play.js';
import { QueueStep } from './queue.js';
import { RecordStep } from './record.js';
import { SayStep } from './say.js';
import { SmsStep } from './sms.js';
import type { Step } from './step.js';

export type { Step, StepContext, StepResult } from './step.js';

export function createStep(spec: StepSpec): Step {
  switch (spec.verb) {
    case 'say':
      return new SayStep(spec);
    case 'play':
      return new PlayStep(spec);
    case 'gather':
      return new GatherStep(spec);
    case 'record':
      return new RecordStep(spec);
    case 'queue':
      return new QueueStep(spec);
    case 'dial':
      return new DialStep(spec);
    case 'sms':
      return new SmsStep(spec);
    case 'action':
      return new ActionStep(spec);
    case 'branch':
      return new BranchStep(spec);
    case 'goto':
      return new GotoStep(spec);
    case 'hangup':
      return new HangupStep(spec);
    case 'answer':
      return new AnswerStep(spec);
  }
}

export interface CompiledFlow {
  readonly def: FlowDefinition;
  readonly steps: ReadonlyMap<string, Step>;
}

export function compileFlow(def: FlowDefinition): CompiledFlow {
  return { def, steps: new Map([...def.steps].map(([id, spec]) => [id, createStep(spec)])) };
}
