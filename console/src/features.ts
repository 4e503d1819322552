import { get } from './api.js';

export type Feature = 'onDuty' | 'schedule' | 'pages' | 'rates' | 'hotspots' | 'supervised' | 'simAnswer';
let cached: Promise<Record<string, boolean>> | null = null;

/** Whether this build serves an API part another module adds (asked once per session). */
export async function has(f: Feature): Promise<boolean> {
  cached ??= get<Record<string, boolean>>('/api/v1/console/features').catch(() => {
    cached = null;
    return {};
  });
  return (await cached)[f] === true;
}
