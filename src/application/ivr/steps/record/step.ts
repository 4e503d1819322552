import type { RecordStepSpec } from './spec.js';
import type { CallInput } from '../../instructions.js';
import { BaseStep, next, wait, type StepContext, type StepResult } from '../step.js';

export class RecordStep extends BaseStep<RecordStepSpec> {
  async exec(_ctx: StepContext): Promise<StepResult> {
    const { maxLengthSec, silenceTimeoutSec, beep, finishOnKey } = this.spec;
    return wait({ kind: 'record', maxLengthSec, silenceTimeoutSec, beep, finishOnKey });
  }

  async resume(ctx: StepContext, input: CallInput): Promise<StepResult> {
    const url = input.recordingUrl?.trim();
    // Providers report a zero-length file when the caller said nothing: that is no recording.
    if (!url || input.recordingDurationSec === 0) {
      ctx.session.vars[this.spec.storeAs] = '';
      return next(this.spec.onNoInput ?? this.spec.next);
    }
    ctx.session.vars[this.spec.storeAs] = url;
    ctx.progress({ kind: 'recorded', step: this.id, recordingUrl: url, ...(input.recordingDurationSec !== undefined ? { durationSec: input.recordingDurationSec } : {}) });
    return next(this.spec.next);
  }
}
