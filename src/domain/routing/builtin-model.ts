/**
 * The unit model Suban ships with: trained by `npm run train:builtin` from the hotline's labelled
 * requests (config/routing-examples.jsonl), a labelled history of longer messages
 * (config/routing-history.jsonl) and the duty list's phrases, and stored in
 * config/routing-model.json so that a start does not spend seconds training. The file records
 * what it was trained on; when the duty list or the examples have changed since, it is not used
 * and the model is trained afresh at load (a test fails until the file is rebuilt). The files are
 * read by adapters/fs-config/routing.ts; here is only the decision whether the model still fits.
 */
import type { DutyList } from './duty-list.js';
import type { RoutingExample } from './examples.js';
import { sourceHash, type RoutingModel } from './routing-model.js';

/**
 * The shipped routing data, as read from config/. The model and what it was trained on are
 * functions so that a process running a city's own model never reads them.
 */
export interface BuiltinRouting {
  /** config/routing-examples.jsonl: the 即办 model's teacher and the default examples. */
  examples: readonly RoutingExample[];
  /** What the shipped unit model is trained on: the examples and the labelled history. */
  trainingExamples(): readonly RoutingExample[];
  /** config/routing-model.json, or null when there is none. */
  model(): RoutingModel | null;
}

const fits = new WeakMap<BuiltinRouting, WeakMap<DutyList, RoutingModel | null>>();

/** The shipped model if it was trained on this duty list and the shipped examples, else null. */
export function builtinRoutingModel(dutyList: DutyList, builtin: BuiltinRouting): RoutingModel | null {
  let perList = fits.get(builtin);
  if (!perList) fits.set(builtin, (perList = new WeakMap()));
  if (perList.has(dutyList)) return perList.get(dutyList)!;
  const m = builtin.model();
  const model = m && m.meta.sourceHash === sourceHash(dutyList, builtin.trainingExamples()) ? m : null;
  perList.set(dutyList, model);
  return model;
}
