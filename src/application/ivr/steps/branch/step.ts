import type { BranchStepSpec, Condition } from './spec.js';
import { lookup } from '../../template.js';
import { BaseStep, next, type StepContext, type StepResult } from '../step.js';

export class BranchStep extends BaseStep<BranchStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    return next((await holds(this.spec.if, ctx)) ? this.spec.then : this.spec.else);
  }
}

async function holds(c: Condition, ctx: StepContext): Promise<boolean> {
  switch (c.kind) {
    case 'workingHours':
      return await ctx.services.isWorkingTime(ctx.clock.now());
    case 'callerBlocked':
      return await ctx.services.isCallerBlocked(ctx.session.caller);
    case 'equals':
      return same(lookup(ctx.session.vars, c.var.split('.')), c.value);
    case 'in': {
      const v = lookup(ctx.session.vars, c.var.split('.'));
      return c.values.some((x) => same(v, x));
    }
  }
}

/** Keys are stored as text but YAML reads `equals: 1` as a number: compare as text. */
function same(actual: unknown, expected: string | number | boolean | null): boolean {
  if (expected === null) return actual === null || actual === undefined || actual === '';
  if (actual === null || actual === undefined) return false;
  return String(actual) === String(expected);
}
