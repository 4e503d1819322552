import type { Clock } from '../../domain/clock.js';
import type { StateStore } from '../ports/misc.js';
import type { ConversationRecord, ConversationStore } from './ports.js';

/** The conversation store over the shared keyed StateStore port (sqlite/pg adapters). */
export function conversationStoreOver(states: StateStore, clock: Clock, scope = 'conversation'): ConversationStore {
  return {
    get: (key) => states.get<ConversationRecord>(scope, key, clock.now()),
    save: (key, state, expiresAt) => states.put(scope, key, state, clock.now(), expiresAt),
    delete: (key) => states.delete(scope, key),
  };
}
