import type { QueueStepSpec } from './spec.js';
import type { CallInput } from '../../instructions.js';
import { BaseStep, next, wait, type StepContext, type StepResult } from '../step.js';

/** Hands the caller to the operators' queue; comes back when nobody answered in time. */
export class QueueStep extends BaseStep<QueueStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    const s = this.spec;
    const screenPop = ctx.screenPop(s.name, s.priority);
    ctx.progress({ kind: 'queued', step: this.id, screenPop });
    return wait({ kind: 'queue', name: s.name, priority: s.priority, ...(s.holdMusic ? { holdMusic: s.holdMusic } : {}), timeLimitSec: s.timeLimitSec, screenPop });
  }

  async resume(ctx: StepContext, input: CallInput): Promise<StepResult> {
    // A provider that reports nothing could not keep the caller queued: treat it as not answered.
    const result = input.queueResult ?? 'timeout';
    ctx.progress({ kind: 'dequeued', step: this.id, queue: this.spec.name, result, waitedSec: waited(ctx) });
    if (result === 'hangup') return { kind: 'end', emit: [], result: 'abandoned', reason: 'caller_hangup' };
    if (result === 'bridged') {
      return this.spec.onAnswered ? next(this.spec.onAnswered) : { kind: 'end', emit: [{ kind: 'hangup', result: 'answered' }], result: 'answered' };
    }
    return next(this.spec.onTimeout);
  }

  cancel(ctx: StepContext): void {
    ctx.progress({ kind: 'dequeued', step: this.id, queue: this.spec.name, result: 'hangup', waitedSec: waited(ctx) });
  }
}

function waited(ctx: StepContext): number {
  const since = ctx.session.waitingSince;
  return since ? Math.max(0, Math.round((ctx.clock.now().getTime() - Date.parse(since)) / 1000)) : 0;
}
