import type { SayStepSpec } from './spec.js';
import { BaseStep, next, type StepContext, type StepResult } from '../step.js';

export class SayStep extends BaseStep<SayStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    const { text, file, voice } = this.spec;
    return next(this.spec.next, [ctx.prompt({ kind: 'say', text, ...(file ? { file } : {}), ...(voice ? { voice } : {}) })]);
  }
}
