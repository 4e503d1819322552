/**
 * One class per verb, jambonz style: `exec` when the flow reaches the step, `resume` with the
 * provider's result when the step waited for input, `cancel` when the call ends while it waits.
 * Steps hold only their checked spec; all call state lives in the context's session, so one
 * compiled flow serves every call.
 */
import type { Clock } from '../../../domain/clock.js';
import type { FlowDefinition, PromptItem, StepSpec, Verb } from '../flow.js';
import type { CallInput, Instruction, PromptInstruction, ScreenPop } from '../instructions.js';
import type { ActionContext, CallProgressEvent, CallSession, IvrServices } from '../ports.js';

export type StepResult =
  /** continue with another step, after the instructions emitted so far */
  | { kind: 'next'; to: string; emit?: Instruction[] }
  /** the last emitted instruction is an input point: the Turn ends here */
  | { kind: 'wait'; emit: Instruction[] }
  /** the call is over */
  | { kind: 'end'; emit: Instruction[]; result?: string; reason?: 'flow' | 'caller_hangup' };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type ProgressData = DistributiveOmit<CallProgressEvent, 'callId' | 'flow' | 'at'>;

export interface StepContext {
  readonly session: CallSession;
  readonly flow: FlowDefinition;
  readonly services: IvrServices;
  readonly clock: Clock;
  render(template: string): string;
  prompt(item: PromptItem): PromptInstruction;
  actionContext(step: string): ActionContext;
  screenPop(queue: string, priority: number): ScreenPop;
  ivrPath(): string;
  progress(e: ProgressData): void;
}

export interface Step {
  readonly id: string;
  readonly verb: Verb;
  exec(ctx: StepContext): Promise<StepResult>;
  resume(ctx: StepContext, input: CallInput): Promise<StepResult>;
  cancel(ctx: StepContext): void;
}

export abstract class BaseStep<S extends StepSpec> implements Step {
  constructor(readonly spec: S) {}
  get id(): string {
    return this.spec.id;
  }
  get verb(): Verb {
    return this.spec.verb;
  }
  abstract exec(ctx: StepContext): Promise<StepResult>;
  /** Only input points wait; reaching this means the session points at the wrong step. */
  async resume(_ctx: StepContext, _input: CallInput): Promise<StepResult> {
    throw new Error(`step "${this.id}" (${this.verb}) does not wait for input`);
  }
  cancel(_ctx: StepContext): void {}
}

export const next = (to: string, emit?: Instruction[]): StepResult => ({ kind: 'next', to, ...(emit ? { emit } : {}) });
export const wait = (...emit: Instruction[]): StepResult => ({ kind: 'wait', emit });
