/** Voice intake: IVR services, the call gateway (runner, flows, provider), the operator queue (screen pops), inbound SMS. */
export { createIvrServices, IVR_ACTOR, type CallerTexts, type IvrServiceDeps } from './services.js';
export { BlockedCallers, BLOCKED_CALLERS_SCOPE, type BlockEntry } from './blocked-callers.js';
export { StateCallSessionStore, CALL_SCOPE } from './session-store.js';
export { buildScreenPop, type CallerTicket, type DraftTicket, type OperatorScreenPop } from './screen-pop.js';
export { SmsInbox, type InboundSmsHook, type InboundSmsOutcome } from './sms-inbox.js';
export { CallGateway, type CallGatewayDeps } from './call-gateway.js';
export { OperatorQueue, type OperatorCallEvent, type OperatorCallState, type OperatorQueueDeps } from './operator-queue.js';
