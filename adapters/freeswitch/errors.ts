/**
 * Failures of the FreeSWITCH link. They are AppErrors of kind `unavailable` so that the web layer
 * answers 503 and the paging use case treats them as "try again later", never as a bad request.
 */
import { AppError } from '../../src/domain/errors.js';

export type EslErrorCode =
  | 'esl_disconnected'
  | 'esl_timeout'
  | 'esl_auth_failed'
  | 'esl_command_failed'
  | 'esl_closed'
  | 'call_hung_up';

export class EslError extends AppError {
  constructor(
    readonly code: EslErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super('unavailable', code, message, details);
    this.name = 'EslError';
  }
}

export interface HangupInfo {
  cause: string;
  /** `caller`: the far end or the switch ended the call; `us`: we asked for the hangup. */
  by: 'caller' | 'us';
}

/** Raised by every pending and later `execute` once the call is gone. */
export class CallHungUpError extends EslError {
  constructor(readonly hangup: HangupInfo) {
    super('call_hung_up', `通话已挂断（${hangup.cause}）`, { cause: hangup.cause, by: hangup.by });
    this.name = 'CallHungUpError';
  }
}

export const isCallHungUp = (err: unknown): err is CallHungUpError => err instanceof CallHungUpError;
