import type { GotoStepSpec } from './spec.js';
import { BaseStep, next, type StepContext, type StepResult } from '../step.js';

export class GotoStep extends BaseStep<GotoStepSpec> {
  async exec(_ctx: StepContext): Promise<StepResult> {
    return next(this.spec.to);
  }
}
