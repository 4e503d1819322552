import type { PromptItem } from '../../flow.js';
import type { GatherBranch, GatherStepSpec } from './spec.js';
import type { CallInput, GatherInstruction } from '../../instructions.js';
import { digitsFromSpeech } from '../../template.js';
import { BaseStep, next, wait, type StepContext, type StepResult } from '../step.js';

/**
 * A menu (branches) or a free entry (ticket number). No input and wrong input re-prompt up to
 * `retries` times, then leave by onNoInput / onInvalid, so no caller is ever stuck in a loop.
 * With speech, a spoken word can pick a branch, and on a menu with onSpeech anything else the
 * caller says is taken as the description of their matter.
 */
export class GatherStep extends BaseStep<GatherStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    ctx.session.attempts[this.id] = 0;
    return wait(this.instruction(ctx, []));
  }

  async resume(ctx: StepContext, input: CallInput): Promise<StepResult> {
    const s = this.spec;
    let digits = (input.digits ?? '').trim();
    if (s.finishOnKey && digits.endsWith(s.finishOnKey)) digits = digits.slice(0, -1);
    const speech = s.speech ? input.speech?.trim() || undefined : undefined;
    if (!digits && !speech) return this.retry(ctx, 'noInput');

    if (s.branches.length > 0) {
      const branch = s.branches.find((b) => b.key === digits) ?? (digits ? undefined : matchSpeech(s.branches, speech));
      if (!branch && !digits && speech && s.onSpeech) {
        // They told us their matter instead of choosing: keep every word of it and move on.
        this.accept(ctx, '', speech, '语音');
        return next(s.onSpeech);
      }
      if (!branch) return this.retry(ctx, 'invalid');
      this.accept(ctx, branch.key, speech, branch.label);
      for (const [k, v] of Object.entries(branch.set ?? {})) ctx.session.vars[k] = v;
      return next(branch.to);
    }
    const entered = digits || digitsFromSpeech(speech ?? '');
    if (!/^[0-9*#]+$/.test(entered) || entered.length < s.minDigits || entered.length > s.maxDigits) return this.retry(ctx, 'invalid');
    this.accept(ctx, entered, speech);
    return next(s.next!);
  }

  private accept(ctx: StepContext, digits: string, speech: string | undefined, label?: string): void {
    const { session } = ctx;
    delete session.attempts[this.id];
    session.path.push({ step: this.id, digits, ...(this.spec.label ? { menu: this.spec.label } : {}), ...(label ? { label } : {}) });
    session.digits.push(digits);
    session.vars.digits = digits;
    if (speech) session.vars.speech = speech;
    if (this.spec.storeAs) session.vars[this.spec.storeAs] = digits;
    ctx.progress({ kind: 'gathered', step: this.id, digits, ...(speech ? { speech } : {}), ...(label ? { label } : {}), ivrPath: ctx.ivrPath() });
  }

  private retry(ctx: StepContext, why: 'noInput' | 'invalid'): StepResult {
    const used = (ctx.session.attempts[this.id] ?? 0) + 1;
    if (used > this.spec.retries) {
      delete ctx.session.attempts[this.id];
      return next(why === 'noInput' ? this.spec.onNoInput : this.spec.onInvalid);
    }
    ctx.session.attempts[this.id] = used;
    return wait(this.instruction(ctx, why === 'noInput' ? this.spec.noInputPrompt : this.spec.invalidPrompt));
  }

  private instruction(ctx: StepContext, before: PromptItem[]): GatherInstruction {
    const s = this.spec;
    return {
      kind: 'gather',
      prompt: [...before, ...s.prompt].map((p) => ctx.prompt(p)),
      minDigits: s.minDigits,
      maxDigits: s.maxDigits,
      timeoutSec: s.timeoutSec,
      finishOnKey: s.finishOnKey,
      speech: s.speech ? { language: ctx.flow.language, hints: s.branches.flatMap((b) => b.words ?? []) } : false,
    };
  }
}

function matchSpeech(branches: GatherBranch[], speech: string | undefined): GatherBranch | undefined {
  if (!speech) return undefined;
  return branches.find((b) => b.words?.some((w) => speech.includes(w)));
}
