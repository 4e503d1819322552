/** Outbound calls (paging a duty person, 回访 to a citizen) through the configured voice provider. */
export interface OutboundCall {
  to: string;
  /** IVR flow to run when answered: 'paging' | 'followup' */
  flow: string;
  /** the flow's inputs (ticketNumber, summary, ...) */
  vars: Record<string, unknown>;
  /** the caller's idempotency reference, e.g. page:<pageId>:<step>:<attempt>; echoed in the outcome */
  ref: string;
  /** ask the provider to detect answering machines (Twilio AnsweredBy) */
  detectMachine?: boolean;
  timeoutSec?: number;
}

export interface VoiceDialer {
  placeCall(c: OutboundCall): Promise<{ callId: string }>;
}

/**
 * How an outbound call ended, normalised from provider callbacks (Twilio CallStatus/AnsweredBy,
 * FreeSWITCH hangup causes, the simulator). Published on the bus topic TOPIC.callOutcome (ports/events.ts).
 */
export interface CallOutcome {
  ref: string;
  callId: string;
  outcome: 'completed' | 'no-answer' | 'busy' | 'failed' | 'machine' | 'canceled';
  /** the flow's result when it ran to an end (e.g. 'ack', 'pass', 'not_reached', 'answered') */
  result?: string | null;
  at: Date;
}

