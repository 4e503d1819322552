/**
 * The demo's sample data from config/: the sample knowledge entries (knowledge-demo.jsonl) and
 * what the demo history is made of (the units of 附件1 and the labelled requests). Read only when
 * the demo seeds, which it does once per database.
 */
import { readFileSync } from 'node:fs';
import type { DemoEntry } from '../../src/application/knowledge/demo.js';
import type { DemoHistorySamples, DemoRequest } from '../../src/application/demo/history.js';

export const DEMO_KNOWLEDGE_PATH = new URL('../../config/knowledge-demo.jsonl', import.meta.url);

export function loadDemoKnowledge(path: string | URL = DEMO_KNOWLEDGE_PATH): DemoEntry[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as DemoEntry;
      } catch (e) {
        throw new Error(`${String(path)} line ${i + 1}: ${(e as Error).message}`);
      }
    });
}

export interface DemoHistoryFiles {
  unitsFile?: string;
  examplesFile?: string;
  historyFile?: string;
}

export function loadDemoHistorySamples(f: DemoHistoryFiles = {}): DemoHistorySamples {
  const units = JSON.parse(readFileSync(f.unitsFile ?? 'config/units.json', 'utf8')) as { units: string[]; townships: string[] };
  return {
    units: units.units,
    townships: units.townships,
    examples: readJsonl(f.examplesFile ?? 'config/routing-examples.jsonl'),
    history: readJsonl(f.historyFile ?? 'config/routing-history.jsonl'),
  };
}

function readJsonl(path: string): DemoRequest[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as DemoRequest);
}
