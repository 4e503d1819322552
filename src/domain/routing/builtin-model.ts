/**
 * The unit model Suban ships with: trained by `npm run train:builtin` from the hotline's labelled
 * requests (config/routing-examples.jsonl), a labelled history of longer messages
 * (config/routing-history.jsonl) and the duty list's phrases, and stored in
 * config/routing-model.json so that a start does not spend seconds training. The file records
 * what it was trained on; when the duty list or the examples have changed since, it is not used
 * and the model is trained afresh at load (a test fails until the file is rebuilt).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { DutyList } from './duty-list.js';
import { loadRoutingExamples, type RoutingExample } from './examples.js';
import { parseRoutingModel, sourceHash, type RoutingModel } from './routing-model.js';

export const BUILTIN_MODEL_PATH = new URL('../../../config/routing-model.json', import.meta.url);
export const BUILTIN_TRAINING_PATHS = [
  new URL('../../../config/routing-examples.jsonl', import.meta.url),
  new URL('../../../config/routing-history.jsonl', import.meta.url),
];

let examples: RoutingExample[] | null = null;

export function builtinTrainingExamples(): RoutingExample[] {
  examples ??= BUILTIN_TRAINING_PATHS.filter((p) => existsSync(p)).flatMap((p) => loadRoutingExamples(p));
  return examples;
}

const loaded = new WeakMap<DutyList, RoutingModel | null>();

/** The shipped model if it was trained on this duty list and the shipped examples, else null. */
export function builtinRoutingModel(dutyList: DutyList): RoutingModel | null {
  if (loaded.has(dutyList)) return loaded.get(dutyList)!;
  let model: RoutingModel | null = null;
  if (existsSync(BUILTIN_MODEL_PATH)) {
    const m = parseRoutingModel(readFileSync(BUILTIN_MODEL_PATH, 'utf8'), 'config/routing-model.json');
    if (m.meta.sourceHash === sourceHash(dutyList, builtinTrainingExamples())) model = m;
  }
  loaded.set(dutyList, model);
  return model;
}
