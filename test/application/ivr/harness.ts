import { emergencyAdvice, emergencyNumbers } from '../../../src/application/conversation/emergency.js';
/** In-memory fakes of the IVR ports and a small driver that plays the telephony provider. */
import { fileURLToPath } from 'node:url';
import { FakeClock, shanghaiParts, type Clock } from '../../../src/domain/clock.js';
import type { CallInput, Instruction, Turn } from '../../../src/application/ivr/instructions.js';
import { MemoryCallSessionStore } from '../../fakes/call-session-store.js';
import type { ActionContext, CallInfo, CallProgressEvent, CreateTicketArgs, IvrAction, IvrServices, TicketLookup } from '../../../src/application/ivr/ports.js';
import { FlowRegistry } from '../../../src/application/ivr/registry.js';
import { IvrRunner, type FlowSource } from '../../../src/application/ivr/runner.js';
import { flowDirectory } from '../../../adapters/fs-config/flow-files.js';

export const FLOW_DIR = fileURLToPath(new URL('../../../ivr-flows/', import.meta.url));
export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/ivr/', import.meta.url));

/** Thursday 2026-11-26 10:00 in Shanghai: office hours. */
export const IN_HOURS = '2026-11-26T02:00:00Z';
/** Thursday 2026-11-26 22:00 in Shanghai. */
export const AFTER_HOURS = '2026-11-26T14:00:00Z';

export class FakeIvrServices implements IvrServices {
  readonly tickets: { args: CreateTicketArgs; ctx: ActionContext }[] = [];
  readonly sms: { to: string; text: string }[] = [];
  readonly lookups: string[] = [];
  readonly calls: { name: string; args: Record<string, unknown> }[] = [];
  readonly blocked = new Set<string>();
  readonly known = new Map<string, TicketLookup>();
  /** names of services that throw: createTicket, sendSms, pageAck ... */
  readonly failing = new Set<string>();
  /** what pageAck answers (the paging service says who took the page: the unit, or an office) */
  pageAckResult: Record<string, unknown> = { status: 'acked', side: 'unit' };
  private seq = 0;

  /** Mon–Fri 09:00–17:30 Shanghai, as an injected calendar would say (holidays left out). */
  isWorkingTime(at: Date): boolean {
    const { weekday, minutes } = shanghaiParts(at);
    return weekday >= 1 && weekday <= 5 && minutes >= 9 * 60 && minutes < 17 * 60 + 30;
  }

  isCallerBlocked(caller: string): boolean {
    return this.blocked.has(caller);
  }

  async createTicket(args: CreateTicketArgs, ctx: ActionContext): Promise<{ number: string }> {
    this.check('createTicket');
    this.tickets.push({ args, ctx });
    return { number: `20261126-${String(++this.seq).padStart(4, '0')}` };
  }

  async lookupTicket(number: string): Promise<TicketLookup> {
    this.check('lookupTicket');
    this.lookups.push(number);
    return this.known.get(number) ?? { found: false };
  }

  async sendSms(to: string, text: string): Promise<void> {
    this.check('sendSms');
    this.sms.push({ to, text });
  }

  readonly actions: Record<string, IvrAction> = Object.fromEntries([
    // The classifier's verdict on what a caller said, as far as these tests need one.
    [
      'assessSpeech',
      async (args: Record<string, unknown>) => {
        this.check('assessSpeech');
        this.calls.push({ name: 'assessSpeech', args });
        const text = String(args.text ?? '');
        const urgent = /着火|救命|被困|煤气/.test(text);
        return { urgent, category: /请问|咨询|怎么办/.test(text) ? '咨询' : '投诉', unit: null, urgentCheck: false, advice: urgent ? emergencyAdvice(emergencyNumbers(text)) : '' };
      },
    ],
    ...['pageAck', 'pagePass', 'recordFollowup', 'setFlag', 'pageArrived', 'pageNotArrived'].map((name) => [
      name,
      async (args: Record<string, unknown>) => {
        this.check(name);
        this.calls.push({ name, args });
        return name === 'pageAck' ? this.pageAckResult : { ok: true };
      },
    ]),
  ]);

  private check(name: string): void {
    if (this.failing.has(name)) throw new Error(`${name} is down`);
  }
}

export function loadShippedFlows(): FlowRegistry {
  const registry = new FlowRegistry(flowDirectory(FLOW_DIR), { actions: ['assessSpeech', 'pageAck', 'pagePass', 'recordFollowup', 'setFlag', 'pageArrived', 'pageNotArrived'] });
  const report = registry.load();
  if (report.errors.length) throw new Error(`shipped flows are broken: ${JSON.stringify(report.errors)}`);
  return registry;
}

export interface Harness {
  runner: IvrRunner;
  store: MemoryCallSessionStore;
  services: FakeIvrServices;
  clock: FakeClock;
  events: CallProgressEvent[];
  flows: FlowSource;
  /** a fresh runner over the same store, services and flows: what a restarted process is */
  restart(): IvrRunner;
}

export function harness(o: { at?: string; flows?: FlowSource; store?: MemoryCallSessionStore } = {}): Harness {
  const clock = new FakeClock(o.at ?? IN_HOURS);
  const store = o.store ?? new MemoryCallSessionStore();
  const services = new FakeIvrServices();
  const events: CallProgressEvent[] = [];
  const flows = o.flows ?? loadShippedFlows();
  const make = (): IvrRunner => new IvrRunner({ flows, sessions: store, services, clock: clock as Clock, listener: (e) => events.push(e), voice: 'test-voice' });
  return { runner: make(), store, services, clock, events, flows, restart: make };
}

/** Plays the provider: renders each Turn and answers its input point. */
export class Call {
  turn!: Turn;
  readonly turns: Turn[] = [];

  constructor(
    public runner: IvrRunner,
    readonly info: CallInfo,
  ) {}

  static async start(runner: IvrRunner, info: Partial<CallInfo> & { flow: string }): Promise<Call> {
    const c = new Call(runner, { callId: 'CA1', caller: '13800000001', called: '12345', ...info });
    c.record(await runner.start(c.info));
    return c;
  }

  private record(t: Turn): Turn {
    this.turn = t;
    this.turns.push(t);
    return t;
  }

  async answer(input: CallInput): Promise<Turn> {
    return this.record(await this.runner.resume(this.info.callId, input, this.turn.turnId));
  }

  press(digits: string): Promise<Turn> {
    return this.answer({ digits });
  }

  silence(): Promise<Turn> {
    return this.answer({});
  }

  recorded(url: string, durationSec = 12): Promise<Turn> {
    return this.answer({ recordingUrl: url, recordingDurationSec: durationSec });
  }

  queueResult(queueResult: NonNullable<CallInput['queueResult']>): Promise<Turn> {
    return this.answer({ queueResult });
  }

  /** Everything the caller hears in the current turn, gather prompts included. */
  text(): string {
    return spoken(this.turn.instructions);
  }

  /** kind of the input point (or hangup) the current turn ends at */
  waitingFor(): Instruction['kind'] {
    return this.turn.instructions.at(-1)!.kind;
  }

  last<K extends Instruction['kind']>(kind: K): Extract<Instruction, { kind: K }> {
    const i = this.turn.instructions.at(-1)!;
    if (i.kind !== kind) throw new Error(`turn ends with ${i.kind}, not ${kind}: ${JSON.stringify(this.turn.instructions)}`);
    return i as Extract<Instruction, { kind: K }>;
  }
}

export function spoken(instructions: readonly Instruction[]): string {
  return instructions
    .flatMap((i) => (i.kind === 'say' ? [i.text] : i.kind === 'gather' ? i.prompt.map((p) => (p.kind === 'say' ? p.text : `[${p.url}]`)) : []))
    .join(' ');
}
