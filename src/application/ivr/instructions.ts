/**
 * What the runner tells a telephony provider to do, and what the provider reports back.
 *
 * A Turn is the list of instructions up to the next input point (gather, record, queue, dial)
 * or hangup. A webhook provider (Twilio) renders a whole Turn as one response; a socket provider
 * (FreeSWITCH) executes the instructions one by one and reports the last one's result. Either way
 * the provider then calls `resume(callId, input, turn.turnId)`.
 */

export interface SayInstruction {
  kind: 'say';
  text: string;
  language: string;
  voice?: string;
  /** recorded prompt to play instead of TTS; `text` is its transcript */
  file?: string;
}

export interface PlayInstruction {
  kind: 'play';
  url: string;
  loop?: number;
}

export type PromptInstruction = SayInstruction | PlayInstruction;

export interface GatherInstruction {
  kind: 'gather';
  /** played while waiting; a key press interrupts it */
  prompt: PromptInstruction[];
  minDigits: number;
  maxDigits: number;
  timeoutSec: number;
  /** '' = none */
  finishOnKey: string;
  speech: false | { language: string; hints: string[] };
}

export interface RecordInstruction {
  kind: 'record';
  maxLengthSec: number;
  silenceTimeoutSec: number;
  beep: boolean;
  finishOnKey: string;
}


/** What the operator screen shows when the call reaches them (the console reads it: src/contracts/live.ts). */
export type { IvrPathEntry, ScreenPop } from '../../contracts/live.js';
import type { ScreenPop } from '../../contracts/live.js';

export interface QueueInstruction {
  kind: 'queue';
  name: string;
  /** 1 = most urgent */
  priority: number;
  holdMusic?: string;
  /** report `queueResult: 'timeout'` when nobody answered within this */
  timeLimitSec: number;
  screenPop: ScreenPop;
}

export interface DialInstruction {
  kind: 'dial';
  number: string;
  timeoutSec: number;
  callerId?: string;
}

export interface HangupInstruction {
  kind: 'hangup';
  result?: string;
}

export type Instruction = SayInstruction | PlayInstruction | GatherInstruction | RecordInstruction | QueueInstruction | DialInstruction | HangupInstruction;

export interface Turn {
  callId: string;
  /** pass it back with the input that answers this turn; a repeated turnId gets the same reply */
  turnId: number;
  instructions: Instruction[];
  /** true when the last instruction is a hangup: no resume follows */
  done: boolean;
}

export type QueueResult = 'bridged' | 'timeout' | 'full' | 'error' | 'hangup';
export type DialResult = 'answered' | 'no-answer' | 'busy' | 'failed';

/** The result of the input point a Turn ended at; fields that do not apply are left out. */
export interface CallInput {
  /** keys pressed, without the finishing key; '' or absent = nothing pressed */
  digits?: string;
  speech?: string;
  recordingUrl?: string;
  recordingDurationSec?: number;
  queueResult?: QueueResult;
  dialResult?: DialResult;
}
