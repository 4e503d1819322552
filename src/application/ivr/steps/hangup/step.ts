import type { HangupStepSpec } from './spec.js';
import { BaseStep, type StepContext, type StepResult } from '../step.js';

export class HangupStep extends BaseStep<HangupStepSpec> {
  async exec(_ctx: StepContext): Promise<StepResult> {
    const { result } = this.spec;
    return { kind: 'end', emit: [{ kind: 'hangup', ...(result ? { result } : {}) }], ...(result ? { result } : {}) };
  }
}
