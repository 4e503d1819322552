import type { PlayStepSpec } from './spec.js';
import { BaseStep, next, type StepContext, type StepResult } from '../step.js';

export class PlayStep extends BaseStep<PlayStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    return next(this.spec.next, [{ kind: 'play', url: ctx.render(this.spec.url), ...(this.spec.loop > 1 ? { loop: this.spec.loop } : {}) }]);
  }
}
