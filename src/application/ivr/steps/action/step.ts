import type { ActionStepSpec } from './spec.js';
import type { CreateTicketArgs } from '../../ports.js';
import { renderValue } from '../../template.js';
import { BaseStep, next, type StepContext, type StepResult } from '../step.js';

/** Calls an application service by name; without onError a failure ends the call politely. */
export class ActionStep extends BaseStep<ActionStepSpec> {
  async exec(ctx: StepContext): Promise<StepResult> {
    const { name } = this.spec;
    const args = renderValue(this.spec.args, ctx.session.vars) as Record<string, unknown>;
    const actx = ctx.actionContext(this.id);
    let result: unknown;
    try {
      if (name === 'createTicket') {
        const ticketArgs: CreateTicketArgs = { caller: ctx.session.caller, callId: ctx.session.callId, ivrPath: actx.ivrPath, ...args };
        result = await ctx.services.createTicket(ticketArgs, actx);
      } else if (name === 'lookupTicket') {
        result = await ctx.services.lookupTicket(String(args.number ?? ''), actx);
      } else {
        const fn = ctx.services.actions?.[name];
        if (!fn) throw new Error(`no service for action "${name}"`);
        result = await fn(args, actx);
      }
    } catch (e) {
      ctx.progress({ kind: 'action', step: this.id, name, ok: false, error: (e as Error).message });
      if (this.spec.onError) return next(this.spec.onError);
      throw e;
    }
    if (this.spec.storeAs) ctx.session.vars[this.spec.storeAs] = result === undefined ? null : structuredClone(result);
    ctx.progress({ kind: 'action', step: this.id, name, ok: true });
    return next(this.spec.next);
  }
}
