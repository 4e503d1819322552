/** IVR call state in the shared StateStore (scope `call`), so any instance can continue a call. */
import type { Clock } from '../../domain/clock.js';
import type { CallSession, CallSessionStore } from '../ivr/ports.js';
import type { StateStore } from '../ports/misc.js';

export const CALL_SCOPE = 'call';
/** Long enough for an investigation the next day; a call never lasts this long. */
const KEEP_MS = 2 * 24 * 3600_000;

export class StateCallSessionStore implements CallSessionStore {
  constructor(
    private readonly state: StateStore,
    private readonly clock: Clock,
  ) {}

  get(callId: string): Promise<CallSession | null> {
    return this.state.get<CallSession>(CALL_SCOPE, callId, this.clock.now());
  }

  async save(callId: string, session: CallSession): Promise<void> {
    const now = this.clock.now();
    await this.state.put(CALL_SCOPE, callId, session, now, new Date(now.getTime() + KEEP_MS));
  }
}
