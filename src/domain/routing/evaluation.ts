/**
 * Measuring the classifier on labelled requests, and k-fold cross-validation over the hotline's
 * examples: the honest estimate of accuracy on requests the models never saw. Shared by the
 * benchmark script and the tests so both count the same way.
 */
import { Classifier, type ClassifierOptions } from './classifier.js';
import type { DutyList } from './duty-list.js';
import type { RoutingExample } from './examples.js';

export interface LabelledRequest {
  id: string | null;
  text: string;
  unit: string;
  acceptable: readonly string[];
  urgent: boolean | null;
}

export interface Scores {
  n: number;
  /** Share sent to the labelled unit or an acceptable one. */
  unit: number;
  urgentCases: number;
  urgentRecall: number;
  /** Share of 即办 cases flagged at either level (urgent, or 待核实 for an operator). */
  flagRecall: number;
  /** Share of flagged requests that are 即办 (1 when nothing was flagged). */
  urgentPrecision: number;
  flagged: number;
  /** Requests where only the 即办 model (no rule) flagged. */
  flaggedByModelOnly: number;
  misses: { id: string | null; text: string; kind: 'unit' | 'urgent'; got: string | null }[];
  /** One line per request, for breaking a result down by source. */
  outcomes: Outcome[];
}

export interface Outcome {
  id: string | null;
  unitOk: boolean;
  urgent: boolean | null;
  flagged: boolean;
  checked: boolean;
}

export function scoreClassifier(rows: readonly LabelledRequest[], c: Classifier): Scores {
  let unit = 0, urgentCases = 0, caught = 0, caughtAny = 0, flagged = 0, modelOnly = 0;
  const misses: Scores['misses'] = [];
  const outcomes: Outcome[] = [];
  for (const r of rows) {
    const x = c.classify(r.text);
    const unitOk = x.unit !== null && (x.unit === r.unit || r.acceptable.includes(x.unit));
    outcomes.push({ id: r.id, unitOk, urgent: r.urgent, flagged: x.urgent, checked: x.urgentCheck });
    if (unitOk) unit++;
    else misses.push({ id: r.id, text: r.text, kind: 'unit', got: x.unit });
    if (x.urgent) flagged++;
    if (x.urgent && x.urgentReasons.every((reason) => reason.startsWith('模型'))) modelOnly++;
    if (r.urgent === true) {
      urgentCases++;
      if (x.urgent) caught++;
      if (x.urgent || x.urgentCheck) caughtAny++;
      else misses.push({ id: r.id, text: r.text, kind: 'urgent', got: null });
    }
  }
  return {
    n: rows.length,
    unit: rows.length === 0 ? 0 : unit / rows.length,
    urgentCases,
    urgentRecall: urgentCases === 0 ? 1 : caught / urgentCases,
    flagRecall: urgentCases === 0 ? 1 : caughtAny / urgentCases,
    urgentPrecision: flagged === 0 ? 1 : caught / flagged,
    flagged,
    flaggedByModelOnly: modelOnly,
    misses,
    outcomes,
  };
}

/** A stable fold for an example: FNV-1a of its id (or text), so adding examples moves no others. */
export function foldOf(key: string, k: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % k;
}

export interface CrossValidation {
  folds: Scores[];
  /** All folds' test requests counted together. */
  pooled: Scores;
}

/**
 * Trains on k−1 folds and tests on the remaining one, k times. The duty list's own examples are
 * always in training (they are not test material). Note that the phrase rules were written
 * while reading some of these examples, so the rules' share of the result is fit, not
 * generalisation; only a never-read set measures that.
 */
export function crossValidate(
  dutyList: DutyList,
  examples: readonly RoutingExample[],
  k: number,
  opts: Omit<ClassifierOptions, 'examples'>,
  only?: readonly number[],
): CrossValidation {
  const folds: Scores[] = [];
  const key = (e: RoutingExample) => e.id ?? e.text;
  for (let f = 0; f < k; f++) {
    if (only && !only.includes(f)) continue;
    const train = examples.filter((e) => foldOf(key(e), k) !== f);
    const test = examples.filter((e) => foldOf(key(e), k) === f);
    const c = new Classifier(dutyList, { ...opts, examples: train });
    folds.push(scoreClassifier(test, c));
  }
  return { folds, pooled: pool(folds) };
}

function pool(parts: readonly Scores[]): Scores {
  const s = summarise(parts.flatMap((p) => p.outcomes));
  return { ...s, flaggedByModelOnly: parts.reduce((a, p) => a + p.flaggedByModelOnly, 0), misses: parts.flatMap((p) => p.misses) };
}

/** Figures over a subset of outcomes (e.g. one source file's requests within a cross-validation). */
export function summarise(outcomes: readonly Outcome[]): Scores {
  const n = outcomes.length;
  const urgentCases = outcomes.filter((o) => o.urgent === true).length;
  const caught = outcomes.filter((o) => o.urgent === true && o.flagged).length;
  const caughtAny = outcomes.filter((o) => o.urgent === true && (o.flagged || o.checked)).length;
  const flagged = outcomes.filter((o) => o.flagged).length;
  return {
    n,
    unit: n === 0 ? 0 : outcomes.filter((o) => o.unitOk).length / n,
    urgentCases,
    urgentRecall: urgentCases === 0 ? 1 : caught / urgentCases,
    flagRecall: urgentCases === 0 ? 1 : caughtAny / urgentCases,
    urgentPrecision: flagged === 0 ? 1 : caught / flagged,
    flagged,
    flaggedByModelOnly: 0,
    misses: [],
    outcomes: [...outcomes],
  };
}
