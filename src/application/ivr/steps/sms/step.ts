import type { SmsStepSpec } from './spec.js';
import { BaseStep, next, type StepContext, type StepResult } from '../step.js';

/** A failed SMS never breaks the call: the number was already read out. */
export class SmsStep extends BaseStep<SmsStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    const to = ctx.render(this.spec.to);
    try {
      if (!to) throw new Error('no number to send to');
      await ctx.services.sendSms(to, ctx.render(this.spec.text), ctx.actionContext(this.id));
      ctx.progress({ kind: 'sms', step: this.id, to, ok: true });
      return next(this.spec.next);
    } catch (e) {
      ctx.progress({ kind: 'sms', step: this.id, to, ok: false, error: (e as Error).message });
      return next(this.spec.onError ?? this.spec.next);
    }
  }
}
