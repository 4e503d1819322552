/**
 * Runs a flow for one call, driven by provider events. Each call of `start`/`resume` produces a
 * Turn (instructions up to the next input point) and persists the call state before returning
 * it, so that:
 *  - a webhook retry with the same turnId gets the stored Turn back, without re-running actions;
 *  - another runner instance (after a restart) continues from the stored state.
 */
import type { Clock } from '../../domain/clock.js';
import { conflict, invalid, notFound } from '../../domain/errors.js';
import type { FlowDefinition, PromptItem } from './flow.js';
import type { CallInput, Instruction, IvrPathEntry, PromptInstruction, ScreenPop, Turn } from './instructions.js';
import type { ActionContext, CallInfo, CallProgressListener, CallSession, CallSessionStore, IvrServices } from './ports.js';
import type { CompiledFlow, Step, StepContext, StepResult } from './steps/index.js';
import type { ProgressData } from './steps/step.js';
import { renderTemplate } from './template.js';

export interface FlowSource {
  get(name: string): CompiledFlow | undefined;
}

export interface IvrRunnerDeps {
  flows: FlowSource;
  sessions: CallSessionStore;
  services: IvrServices;
  clock: Clock;
  listener?: CallProgressListener;
  /** TTS voice when neither the flow nor the step names one */
  voice?: string;
  /** said before hanging up when the flow itself fails (missing flow, action without onError) */
  errorText?: string;
  /** steps one turn may run without input before the flow is declared looping */
  maxStepsPerTurn?: number;
}

const DEFAULT_ERROR_TEXT = '对不起，系统暂时无法处理您的来电，请稍后再拨。';

export function formatIvrPath(path: readonly IvrPathEntry[]): string {
  return path.map((p) => [p.menu, p.digits, p.label].filter(Boolean).join(' ')).join(' > ');
}

export class IvrRunner {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: IvrRunnerDeps) {}

  /** Begins a call. Calling it again for the same callId (a retried webhook) returns the first Turn. */
  start(call: CallInfo): Promise<Turn> {
    return this.serialized(call.callId, async () => {
      const existing = await this.deps.sessions.get(call.callId);
      if (existing) {
        if (existing.lastReply?.answers === 0) return existing.lastReply.turn;
        throw conflict('call_already_started', `通话 ${call.callId} 已经开始`, { callId: call.callId });
      }
      const flow = this.deps.flows.get(call.flow);
      if (!flow) throw notFound('flow', call.flow);
      const vars = call.vars ?? {};
      const missing = flow.def.inputs.filter((v) => vars[v] === undefined || vars[v] === null || vars[v] === '');
      if (missing.length) throw invalid('ivr_inputs_missing', `流程 ${call.flow} 缺少变量:${missing.join(', ')}`, { missing });
      const now = this.deps.clock.now().toISOString();
      const direction = call.direction ?? 'inbound';
      // The call's own values win over the caller's; set on a copy rather than spread before them (see `progress`).
      const own: Record<string, unknown> = call.vars ? structuredClone(call.vars) : {};
      Object.assign(own, { callId: call.callId, caller: call.caller, called: call.called, flow: call.flow, direction });
      const session: CallSession = {
        version: 1,
        callId: call.callId,
        flow: call.flow,
        direction,
        caller: call.caller,
        called: call.called,
        step: null,
        vars: own,
        attempts: {},
        path: [],
        digits: [],
        turn: 0,
        lastReply: null,
        startedAt: now,
        updatedAt: now,
        waitingSince: null,
        ended: null,
      };
      const ctx = this.context(session, flow.def);
      ctx.progress({ kind: 'started', caller: call.caller, called: call.called, direction });
      return this.turn(ctx, flow, null, flow.def.start, (step) => step.exec(ctx));
    });
  }

  /**
   * Continues a call with the result of the input point `turnId` ended at. The same turnId again
   * returns the same Turn; an older one is a conflict (the provider is out of step).
   */
  resume(callId: string, input: CallInput, turnId: number): Promise<Turn> {
    return this.serialized(callId, async () => {
      const session = await this.deps.sessions.get(callId);
      if (!session) throw notFound('call', callId);
      if (session.lastReply && session.lastReply.answers === turnId) return session.lastReply.turn;
      if (turnId !== session.turn) {
        throw conflict('ivr_stale_turn', `通话 ${callId} 的第 ${turnId} 轮已过期(当前第 ${session.turn} 轮)`, { callId, turnId, current: session.turn });
      }
      if (session.ended || !session.step) return { callId, turnId: session.turn, instructions: [{ kind: 'hangup' }], done: true };
      const flow = this.deps.flows.get(session.flow);
      const ctx = this.context(session, flow?.def);
      return this.turn(ctx, flow, input, session.step, (step) => step.resume(ctx, input));
    });
  }

  /** The caller (or the far end) hung up: end the call and let a waiting step clean up. */
  hangup(callId: string, reason: 'caller_hangup' | 'error' = 'caller_hangup'): Promise<void> {
    return this.serialized(callId, async () => {
      const session = await this.deps.sessions.get(callId);
      if (!session || session.ended) return;
      const flow = this.deps.flows.get(session.flow);
      if (flow) {
        const ctx = this.context(session, flow.def);
        const step = session.step ? flow.steps.get(session.step) : undefined;
        try {
          step?.cancel(ctx);
        } catch {
          // cleanup of a call that is gone must not fail the hangup
        }
      }
      this.end(session, null, reason);
      await this.deps.sessions.save(callId, session);
    });
  }

  getSession(callId: string): Promise<CallSession | null> {
    return this.deps.sessions.get(callId);
  }

  private async turn(ctx: RunContext, flow: CompiledFlow | undefined, input: CallInput | null, firstId: string, first: (s: Step) => Promise<StepResult>): Promise<Turn> {
    const { session } = ctx;
    const answers = session.turn;
    const out: Instruction[] = [];
    const max = this.deps.maxStepsPerTurn ?? 64;
    let stepId = firstId;
    // The moment the turn reached its input point is also when it was last updated.
    let waitingSince: string | null = null;
    try {
      if (!flow) throw new Error(`flow "${session.flow}" is not loaded`);
      let res = await first(stepOf(ctx, flow, stepId));
      for (;;) {
        if (res.emit) out.push(...res.emit);
        if (res.kind === 'wait') {
          session.step = stepId;
          session.waitingSince = waitingSince = this.deps.clock.now().toISOString();
          break;
        }
        if (res.kind === 'end') {
          if (out.at(-1)?.kind !== 'hangup') out.push({ kind: 'hangup', ...(res.result ? { result: res.result } : {}) });
          this.end(session, res.result ?? null, res.reason ?? 'flow');
          break;
        }
        if (ctx.stepRuns >= max) throw new Error(`more than ${max} steps without waiting for the caller: a loop in the flow?`);
        stepId = res.to;
        res = await stepOf(ctx, flow, stepId).exec(ctx);
      }
    } catch (e) {
      ctx.progress({ kind: 'error', step: ctx.stepId ?? null, message: (e as Error).message });
      out.push(ctx.prompt({ kind: 'say', text: this.deps.errorText ?? DEFAULT_ERROR_TEXT }), { kind: 'hangup', result: 'error' });
      this.end(session, 'error', 'error');
    }
    session.turn = answers + 1;
    const turn: Turn = { callId: session.callId, turnId: session.turn, instructions: out, done: session.ended !== null };
    session.lastReply = { answers, turn, input };
    session.updatedAt = waitingSince ?? this.deps.clock.now().toISOString();
    await this.deps.sessions.save(session.callId, session);
    return turn;
  }

  private end(session: CallSession, result: string | null, reason: 'flow' | 'caller_hangup' | 'error'): void {
    session.step = null;
    session.waitingSince = null;
    session.attempts = {};
    session.ended = { at: this.deps.clock.now().toISOString(), result, reason };
    this.context(session, undefined).progress({ kind: 'ended', result, reason, ivrPath: formatIvrPath(session.path) });
  }

  private context(session: CallSession, flow: FlowDefinition | undefined): RunContext {
    return new RunContext(session, flow ?? { name: session.flow, file: '', start: '', language: 'cmn-CN', inputs: [], steps: new Map() }, this.deps);
  }

  /** One operation per call at a time, so a retry racing its original sees the saved reply. */
  private serialized<T>(callId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(callId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(callId, tail);
    void tail.then(() => {
      if (this.locks.get(callId) === tail) this.locks.delete(callId);
    });
    return run;
  }
}

/** Not a closure made on every turn (an allocation each time, and under tsx a defineProperty for its name). */
function stepOf(ctx: RunContext, flow: CompiledFlow, id: string): Step {
  ctx.stepId = id;
  ctx.stepRuns++;
  const s = flow.steps.get(id);
  if (!s) throw new Error(`step "${id}" is not in flow "${flow.def.name}" (changed while the call was running?)`);
  return s;
}

class RunContext implements StepContext {
  stepId: string | undefined;
  stepRuns = 0;
  readonly services: IvrServices;
  readonly clock: Clock;

  constructor(
    readonly session: CallSession,
    readonly flow: FlowDefinition,
    private readonly deps: IvrRunnerDeps,
  ) {
    this.services = deps.services;
    this.clock = deps.clock;
  }

  render(template: string): string {
    return renderTemplate(template, this.session.vars);
  }

  prompt(item: PromptItem): PromptInstruction {
    if (item.kind === 'play') return { kind: 'play', url: this.render(item.url) };
    const voice = item.voice ?? this.flow.voice ?? this.deps.voice;
    return { kind: 'say', text: this.render(item.text), language: this.flow.language, ...(voice ? { voice } : {}), ...(item.file ? { file: item.file } : {}) };
  }

  ivrPath(): string {
    return formatIvrPath(this.session.path);
  }

  actionContext(step: string): ActionContext {
    const s = this.session;
    // The turn being built is s.turn + 1; a crash re-runs the same turn with the same key.
    return { callId: s.callId, caller: s.caller, flow: s.flow, step, idempotencyKey: `${s.callId}:${s.turn + 1}:${step}:${this.stepRuns}`, at: this.clock.now(), ivrPath: this.ivrPath() };
  }

  screenPop(queue: string, priority: number): ScreenPop {
    const s = this.session;
    const recordingUrl = typeof s.vars.recordingUrl === 'string' && s.vars.recordingUrl ? s.vars.recordingUrl : undefined;
    return {
      callId: s.callId,
      caller: s.caller,
      called: s.called,
      queue,
      priority,
      ivrPath: this.ivrPath(),
      path: structuredClone(s.path),
      digits: [...s.digits],
      ...(recordingUrl ? { recordingUrl } : {}),
    };
  }

  progress(e: ProgressData): void {
    const listener = this.deps.listener;
    if (!listener) return;
    try {
      // The spread comes last: `{ ...e, more }` makes V8 (Node 20) build a new hidden class for every object, ~1–4 µs each plus megamorphic reads downstream.
      listener({ callId: this.session.callId, flow: this.session.flow, at: this.clock.now(), ...e } as Parameters<CallProgressListener>[0]);
    } catch {
      // a broken screen-pop subscriber must not break the call
    }
  }
}
