import type { CallSession, CallSessionStore } from '../../src/application/ivr/ports.js';

/**
 * Call state in a Map, for tests (a test double; production keeps calls in the database). Stores copies, like a database would, so a
 * test cannot pass by mutating a state object the store still holds.
 */
export class MemoryCallSessionStore implements CallSessionStore {
  private readonly map = new Map<string, CallSession>();
  saves = 0;

  async get(callId: string): Promise<CallSession | null> {
    const s = this.map.get(callId);
    return s ? structuredClone(s) : null;
  }

  async save(callId: string, state: CallSession): Promise<void> {
    this.saves++;
    this.map.set(callId, structuredClone(state));
  }

  size(): number {
    return this.map.size;
  }
}
