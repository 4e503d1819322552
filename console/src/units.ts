import { get } from './api.js';
import type { Unit } from './types.js';

let cached: Promise<Unit[]> | null = null;

/** The member units (附件1); fetched once per session. */
export function units(): Promise<Unit[]> {
  cached ??= get<{ items: Unit[] }>('/api/v1/units').then(
    (r) => r.items.filter((u) => u.active),
    (e) => {
      cached = null;
      throw e;
    },
  );
  return cached;
}
