export { ConversationEngine, CONVERSATION_LEASE_SCOPE, type ConversationEngineOptions, type ConversationLeaseOptions, type ConversationLimits } from './engine.js';
export { conversationStoreOver } from './store.js';
export { formatChineseDateTime } from './format.js';
export { emergencyNumbers, emergencyAdvice, type EmergencyNumber } from './emergency.js';
export type * from './ports.js';
