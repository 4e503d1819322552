export { ConversationEngine, type ConversationEngineOptions, type ConversationLimits } from './engine.js';
export { InMemoryConversationStore, conversationStoreOver } from './store.js';
export { formatChineseDateTime } from './format.js';
export { emergencyNumbers, emergencyAdvice, type EmergencyNumber } from './emergency.js';
export type * from './ports.js';
