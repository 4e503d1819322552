/** Voice intake: IVR services over the container, the voice service (runner, flows, screen pops), inbound SMS. */
export { createIvrServices, IVR_ACTOR, type CallerTexts, type IvrServiceDeps } from './services.js';
export { BlockedCallers, BLOCKED_CALLERS_SCOPE, type BlockEntry } from './blocked-callers.js';
export { StateCallSessionStore, CALL_SCOPE } from './session-store.js';
export { buildScreenPop, type CallerTicket, type DraftTicket, type OperatorScreenPop } from './screen-pop.js';
export { SmsInbox, type InboundSmsHook, type InboundSmsOutcome } from './sms-inbox.js';
export {
  VoiceService,
  SCREEN_POP_TOPIC,
  CALL_STATE_TOPIC,
  HANDOVER_TOPIC,
  type OperatorCallEvent,
  type OperatorCallState,
  type VoiceProvider,
  type VoiceServiceDeps,
  type VoiceLogger,
} from './voice-service.js';
