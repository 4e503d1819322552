/**
 * Building the `originate` command and reading its result.
 *
 * `originate {var=value,...}<dial string> &<app>(<arg>)` answers `+OK <uuid>` once the far end
 * picks up, or `-ERR <HANGUP_CAUSE>`. We pick the call uuid ourselves (origination_uuid) so
 * channel events can be tied to the page before the job returns.
 */
import { randomUUID } from 'node:crypto';
import { invalid } from '../../src/domain/errors.js';

export interface OriginateRequest {
  /** A phone number (dialled through the configured gateway) or a full dial string such as `user/1001`. */
  to: string;
  callerId?: { number: string; name?: string };
  /** Seconds to ring before NO_ANSWER; default 30. */
  timeoutSec?: number;
  vars?: Record<string, string>;
  /** What the answered leg runs; default `park` (the caller then drives it by uuid). */
  app?: { name: string; arg?: string };
}

export type OriginateFailureKind = 'no_answer' | 'busy' | 'rejected' | 'invalid_number' | 'unreachable' | 'error';

export type OriginateResult =
  | { ok: true; uuid: string }
  | { ok: false; cause: string; kind: OriginateFailureKind; detail: string };

const KIND_BY_CAUSE: Record<string, OriginateFailureKind> = {
  NO_ANSWER: 'no_answer',
  NO_USER_RESPONSE: 'no_answer',
  ALLOTTED_TIMEOUT: 'no_answer',
  PROGRESS_TIMEOUT: 'no_answer',
  USER_BUSY: 'busy',
  CALL_REJECTED: 'rejected',
  ORIGINATOR_CANCEL: 'rejected',
  USER_NOT_REGISTERED: 'unreachable',
  SUBSCRIBER_ABSENT: 'unreachable',
  DESTINATION_OUT_OF_ORDER: 'unreachable',
  NETWORK_OUT_OF_ORDER: 'unreachable',
  NORMAL_TEMPORARY_FAILURE: 'unreachable',
  RECOVERY_ON_TIMER_EXPIRE: 'unreachable',
  NORMAL_CIRCUIT_CONGESTION: 'unreachable',
  SWITCH_CONGESTION: 'unreachable',
  GATEWAY_DOWN: 'unreachable',
  INVALID_GATEWAY: 'unreachable',
  MEDIA_TIMEOUT: 'unreachable',
  UNALLOCATED_NUMBER: 'invalid_number',
  INVALID_NUMBER_FORMAT: 'invalid_number',
  NO_ROUTE_DESTINATION: 'invalid_number',
  INCOMPATIBLE_DESTINATION: 'invalid_number',
};

export function failureKind(cause: string): OriginateFailureKind {
  return KIND_BY_CAUSE[cause] ?? 'error';
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const APP_NAME = /^[a-z_][a-z0-9_]*$/;

/** Channel-variable values inside `{}`: commas separate variables, single quotes group spaces. */
function encodeVarValue(name: string, value: string): string {
  if (/[\r\n{}'^]/.test(value)) throw invalid('originate_bad_var', `呼叫变量 ${name} 含有不允许的字符`);
  const escaped = value.replace(/,/g, '\\,');
  return /\s/.test(escaped) ? `'${escaped}'` : escaped;
}

export function dialString(to: string, gateway?: string): string {
  const target = to.trim();
  if (target.includes('/')) {
    if (/\s|[{}]/.test(target)) throw invalid('originate_bad_target', '呼叫目标格式错误');
    return target;
  }
  // Only digits (with an optional leading +) may reach a gateway: this is text from the roster.
  if (!/^\+?\d{3,20}$/.test(target)) throw invalid('originate_bad_target', `号码 ${target} 格式错误`);
  return gateway ? `sofia/gateway/${gateway}/${target}` : `user/${target}`;
}

export function buildOriginateCommand(request: OriginateRequest, config: { gateway?: string } = {}): { command: string; uuid: string } {
  const uuid = randomUUID();
  const vars: Record<string, string> = {
    origination_uuid: uuid,
    originate_timeout: String(request.timeoutSec ?? 30),
    ignore_early_media: 'true',
  };
  if (request.callerId) {
    vars.origination_caller_id_number = request.callerId.number;
    if (request.callerId.name) vars.origination_caller_id_name = request.callerId.name;
  }
  Object.assign(vars, request.vars);
  const block = Object.entries(vars)
    .map(([name, value]) => {
      if (!VAR_NAME.test(name)) throw invalid('originate_bad_var', `呼叫变量名 ${name} 格式错误`);
      return `${name}=${encodeVarValue(name, value)}`;
    })
    .join(',');
  const app = request.app ?? { name: 'park' };
  if (!APP_NAME.test(app.name)) throw invalid('originate_bad_app', `应用名 ${app.name} 格式错误`);
  const arg = app.arg ?? '';
  if (/[\r\n()]/.test(arg)) throw invalid('originate_bad_app', '应用参数含有不允许的字符');
  return { command: `originate {${block}}${dialString(request.to, config.gateway)} &${app.name}(${arg})`, uuid };
}

export function parseOriginateResult(body: string, expectedUuid: string): OriginateResult {
  const text = body.trim();
  if (text.startsWith('+OK')) {
    const uuid = text.slice(3).trim() || expectedUuid;
    return { ok: true, uuid };
  }
  const cause = text.startsWith('-ERR') ? text.slice(4).trim().split(/\s+/)[0] || 'UNKNOWN' : 'UNKNOWN';
  return { ok: false, cause, kind: failureKind(cause), detail: text };
}
