import type { DialStepSpec } from './spec.js';
import type { CallInput } from '../../instructions.js';
import { BaseStep, next, wait, type StepContext, type StepResult } from '../step.js';

export class DialStep extends BaseStep<DialStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    const { timeoutSec, callerId } = this.spec;
    return wait({ kind: 'dial', number: ctx.render(this.spec.number), timeoutSec, ...(callerId ? { callerId } : {}) });
  }

  async resume(_ctx: StepContext, input: CallInput): Promise<StepResult> {
    if (input.dialResult === 'answered') return next(this.spec.next);
    return next(this.spec.onFailed ?? this.spec.next);
  }
}
