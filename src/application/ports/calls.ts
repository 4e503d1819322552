/**
 * The two sides of a telephony provider (adapters/twilio, adapters/freeswitch, adapters/sim):
 * what it offers Suban (`VoiceProvider`: placing calls, starting and stopping its listeners) and
 * what Suban hands it for every call it carries (`CallHandler`: the IVR runner, the flows, what
 * the caller said, how outbound calls ended). The call gateway (application/voice/call-gateway.ts)
 * implements `CallHandler` and builds its provider from a factory, so neither is set after
 * construction.
 */
import type { FlowRegistry } from '../ivr/registry.js';
import type { IvrRunner } from '../ivr/runner.js';
import type { CallOutcome, VoiceDialer } from './voice.js';

/** A telephony provider: places calls and, for socket providers, listens for them. */
export interface VoiceProvider extends VoiceDialer {
  readonly name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface VoiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What a provider drives for each call it carries; the call gateway implements it. */
export interface CallHandler {
  /** the flow run for calls to the hotline number */
  readonly inboundFlow: string;
  /** runs the IVR flow of each call turn by turn */
  readonly runner: Pick<IvrRunner, 'start' | 'resume' | 'hangup' | 'getSession'>;
  /** the flows in service (a provider checks which gathers ask for speech) */
  readonly registry: Pick<FlowRegistry, 'names' | 'get'>;
  /** what the caller said (speech results, transcripts), for the ticket and the screen pop */
  noteText(callId: string, text: string, recordingUrl?: string): void;
  /** how an outbound call ended; paging and follow-up listen for it on the bus */
  publishOutcome(o: CallOutcome): void;
  /** a switch's queue bridged this call to its agent (named after the operator's user) */
  agentAnswered(callId: string, agent: string): Promise<void>;
  /** resolves once the screen pops and call states of the events so far are out */
  idle(): Promise<void>;
}

/** Builds the provider over the handler it hands its calls to (the composition root picks one by SUBAN_VOICE). */
export type VoiceProviderFactory = (calls: CallHandler) => VoiceProvider;
