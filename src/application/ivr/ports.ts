/** The ports of the IVR runner: where call state lives and what the flows may ask of the service. */
import type { CallInput, IvrPathEntry, ScreenPop, Turn } from './instructions.js';

export interface CallInfo {
  callId: string;
  /** flow name = file name without .yaml */
  flow: string;
  caller: string;
  called: string;
  direction?: 'inbound' | 'outbound';
  /** the flow's `inputs` (outbound: ticketNumber, summary ...) */
  vars?: Record<string, unknown>;
}

/** Everything needed to continue a call after a webhook retry or a restart. JSON-safe. */
export interface CallSession {
  version: 1;
  callId: string;
  flow: string;
  direction: 'inbound' | 'outbound';
  caller: string;
  called: string;
  /** the step waiting for input; null once the call ended */
  step: string | null;
  vars: Record<string, unknown>;
  /** re-prompts used by the gather/record currently waiting, by step id */
  attempts: Record<string, number>;
  path: IvrPathEntry[];
  digits: string[];
  /** id of the last Turn handed out */
  turn: number;
  /** the last reply and the turn it answered (0 = the start), replayed on a retry */
  lastReply: { answers: number; turn: Turn; input: CallInput | null } | null;
  startedAt: string;
  updatedAt: string;
  /** when the current input point began (queue wait time) */
  waitingSince: string | null;
  ended: { at: string; result: string | null; reason: 'flow' | 'caller_hangup' | 'error' } | null;
}

export interface CallSessionStore {
  get(callId: string): Promise<CallSession | null>;
  save(callId: string, state: CallSession): Promise<void>;
}

export interface ActionContext {
  callId: string;
  caller: string;
  flow: string;
  step: string;
  /** stable for one execution of one step in one turn: a service can de-duplicate with it */
  idempotencyKey: string;
  at: Date;
  ivrPath: string;
}

export interface CreateTicketArgs {
  caller: string;
  callId: string;
  ivrPath: string;
  recordingUrl?: string;
  urgent?: boolean;
  category?: string;
  /** anything else the flow passes */
  [extra: string]: unknown;
}

export interface TicketLookup {
  found: boolean;
  /** 办理中, 已办结 ... */
  stateLabel?: string;
  /** one sentence fit for TTS */
  summary?: string;
}

export type IvrAction = (args: Record<string, unknown>, ctx: ActionContext) => Promise<unknown>;

/** Application services a flow can use. Thrown errors go to the step's onError. */
export interface IvrServices {
  createTicket(args: CreateTicketArgs, ctx: ActionContext): Promise<{ number: string; id?: string }>;
  /** `number` is what the caller keyed in (no dash): parse it with parseTicketNumber */
  lookupTicket(number: string, ctx: ActionContext): Promise<TicketLookup>;
  isWorkingTime(at: Date): boolean | Promise<boolean>;
  isCallerBlocked(caller: string): boolean | Promise<boolean>;
  sendSms(to: string, text: string, ctx: ActionContext): Promise<void>;
  /** further actions by name: pageAck, pagePass, recordFollowup, setFlag ... */
  actions?: Record<string, IvrAction>;
}

interface ProgressBase {
  callId: string;
  flow: string;
  at: Date;
}

export type CallProgressEvent = ProgressBase &
  (
    | { kind: 'started'; caller: string; called: string; direction: 'inbound' | 'outbound' }
    | { kind: 'gathered'; step: string; digits: string; speech?: string; label?: string; ivrPath: string }
    | { kind: 'recorded'; step: string; recordingUrl: string; durationSec?: number }
    | { kind: 'queued'; step: string; screenPop: ScreenPop }
    | { kind: 'dequeued'; step: string; queue: string; result: string; waitedSec: number }
    | { kind: 'action'; step: string; name: string; ok: boolean; error?: string }
    | { kind: 'sms'; step: string; to: string; ok: boolean; error?: string }
    | { kind: 'ended'; result: string | null; reason: 'flow' | 'caller_hangup' | 'error'; ivrPath: string }
    | { kind: 'error'; step: string | null; message: string }
  );

export type CallProgressListener = (e: CallProgressEvent) => void;
