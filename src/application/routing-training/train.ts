/**
 * `suban train` and `suban eval --folds`: a unit model from a city's own closed tickets. The
 * history's requests are the main teacher; the duty list's phrases (and, unless turned off, the
 * built-in labelled examples at a lower weight) keep a unit the history rarely saw within reach.
 * How much the model's vote weighs against the duty list's phrases is chosen on the history
 * itself by an inner cross-validation, so a city with a long history leans on its model and one
 * with a short history on its list. Everything is seeded: the same file gives the same model.
 */
import { createHash } from 'node:crypto';
import { Classifier } from '../../domain/routing/classifier.js';
import type { DutyList } from '../../domain/routing/duty-list.js';
import type { RoutingExample } from '../../domain/routing/examples.js';
import { foldOf } from '../../domain/routing/evaluation.js';
import { trainRoutingModel, type RoutingModel } from '../../domain/routing/routing-model.js';
import type { Clock } from '../../domain/clock.js';
import type { HomophoneSource } from '../../domain/routing/homophones.js';
import type { SegmenterFactory } from '../../domain/routing/segmenter.js';
import { LONG_TEXT } from '../../domain/routing/text-structure.js';
import type { DispatchItem } from './eval-report.js';
import type { HistoryRow } from './history-import.js';

export interface CityTrainOptions {
  /** Also learn from the built-in examples, at BUILTIN_WEIGHT (default true). */
  builtinExamples?: boolean;
  seed?: number;
  /** Fixed model weight instead of choosing one by inner cross-validation. */
  modelWeight?: number;
  source?: string;
  trainedAt?: Date;
}

const BUILTIN_WEIGHT = 0.3;
/** Model weights tried by the inner cross-validation. */
const WEIGHT_GRID = [3, 5, 8, 12, 20];
/** Below this many labelled rows the inner cross-validation says too little: keep the default. */
const MIN_ROWS_FOR_WEIGHT_CHOICE = 60;
const INNER_FOLDS = 3;
/** A length band needs this many rows for its own weight. */
const MIN_BAND_ROWS = 30;

function band(text: string): 'short' | 'long' {
  return text.length >= LONG_TEXT ? 'long' : 'short';
}

export function historyExamples(rows: readonly HistoryRow[]): RoutingExample[] {
  return rows
    .filter((r): r is HistoryRow & { unit: string } => r.unit !== null)
    .map((r) => ({ id: `L${r.line}`, text: r.text, unit: r.unit, acceptable: r.acceptable, urgent: null }));
}

/** sha256 of the rows as trained on, for the model file. */
export function rowsHash(rows: readonly RoutingExample[]): string {
  const h = createHash('sha256');
  for (const r of rows) h.update(`${r.text}\u0000${r.unit}\u0000${r.acceptable.join(',')}\n`);
  return h.digest('hex');
}

export interface CityTrainerDeps {
  segmenter: SegmenterFactory;
  /** Homophone typos put right as at classification (adapters/pinyin); left out, none. */
  homophones?: HomophoneSource;
  /** The built-in labelled examples (config/), read only when a training uses them. */
  builtinExamples(): readonly RoutingExample[];
  /** Dates the model written to a file (its trainedAt). */
  clock: Clock;
}

export class CityTrainer {
  /** Reads texts into model features the way classification does. */
  private readonly reader: Classifier;

  constructor(
    private readonly dutyList: DutyList,
    private readonly deps: CityTrainerDeps,
  ) {
    this.reader = new Classifier(dutyList, { segmenter: deps.segmenter, homophones: deps.homophones, examples: null, model: null });
  }

  train(history: readonly RoutingExample[], opts: CityTrainOptions = {}): RoutingModel {
    const examples = this.withBuiltin(history, opts);
    const chosen = opts.modelWeight !== undefined ? { short: opts.modelWeight, long: opts.modelWeight } : this.chooseWeights(history, opts);
    const model = trainRoutingModel(this.dutyList, examples, (t) => this.reader.modelFeatures(t), {
      modelWeight: chosen?.short,
      modelWeightLong: chosen?.long,
      linear: opts.seed === undefined ? undefined : { seed: opts.seed },
      source: opts.source,
      trainedAt: opts.trainedAt ?? this.deps.clock.now(),
    });
    model.meta.sourceHash = rowsHash(history);
    return model;
  }

  /** A classifier that dispatches with `model` (the 即办 model stays the built-in one's concern). */
  classifier(model: RoutingModel, threshold?: number): Classifier {
    return new Classifier(this.dutyList, { segmenter: this.deps.segmenter, homophones: this.deps.homophones, examples: null, model, threshold });
  }

  /**
   * k-fold cross-validation with the same training as `train`: each fold's rows are predicted by
   * a model that never saw them.
   */
  crossValidate(history: readonly RoutingExample[], k: number, opts: CityTrainOptions = {}, threshold?: number): DispatchItem[] {
    const items: DispatchItem[] = [];
    for (let f = 0; f < k; f++) {
      const test = history.filter((e) => foldOf(e.id ?? e.text, k) === f);
      if (test.length === 0) continue;
      const model = this.train(history.filter((e) => foldOf(e.id ?? e.text, k) !== f), opts);
      const c = this.classifier(model, threshold);
      for (const e of test) items.push(dispatchItem(c, e));
    }
    return items;
  }

  private withBuiltin(history: readonly RoutingExample[], opts: CityTrainOptions): RoutingExample[] {
    if (opts.builtinExamples === false) return [...history];
    return [...history, ...this.deps.builtinExamples().map((e) => ({ ...e, weight: BUILTIN_WEIGHT }))];
  }

  /**
   * The model's weight for short requests and for long messages, each the one that dispatched
   * that band of the history best in an inner cross-validation (long messages lean more on the
   * model: their phrases are noisier). A band with too few rows takes the other's weight.
   */
  private chooseWeights(history: readonly RoutingExample[], opts: CityTrainOptions): { short: number; long: number } | undefined {
    if (history.length < MIN_ROWS_FOR_WEIGHT_CHOICE) return undefined;
    const hits = { short: new Map<number, number>(WEIGHT_GRID.map((w) => [w, 0])), long: new Map<number, number>(WEIGHT_GRID.map((w) => [w, 0])) };
    const counts = { short: 0, long: 0 };
    for (let f = 0; f < INNER_FOLDS; f++) {
      const key = (e: RoutingExample) => `inner:${e.id ?? e.text}`;
      const train = history.filter((e) => foldOf(key(e), INNER_FOLDS) !== f);
      const test = history.filter((e) => foldOf(key(e), INNER_FOLDS) === f);
      const model = trainRoutingModel(this.dutyList, this.withBuiltin(train, opts), (t) => this.reader.modelFeatures(t), {
        linear: { epochs: 8, ...(opts.seed === undefined ? {} : { seed: opts.seed }) },
      });
      const c = this.classifier(model);
      for (const e of test) counts[band(e.text)]++;
      for (const w of WEIGHT_GRID) {
        model.meta.modelWeight = w;
        model.meta.modelWeightLong = w;
        for (const e of test) {
          const unit = c.classify(e.text).unit;
          const b = band(e.text);
          if (unit !== null && (unit === e.unit || e.acceptable.includes(unit))) hits[b].set(w, hits[b].get(w)! + 1);
        }
      }
    }
    // Ties go to the smaller weight: the duty list's phrases are the readable evidence.
    const best = (m: Map<number, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    const short = counts.short >= MIN_BAND_ROWS ? best(hits.short) : undefined;
    const long = counts.long >= MIN_BAND_ROWS ? best(hits.long) : undefined;
    const both = best(new Map(WEIGHT_GRID.map((w) => [w, hits.short.get(w)! + hits.long.get(w)!])));
    return { short: short ?? both, long: long ?? both };
  }

}

export function dispatchItem(c: Classifier, e: RoutingExample): DispatchItem {
  const x = c.classify(e.text);
  return {
    id: e.id ?? undefined,
    gold: [e.unit, ...e.acceptable],
    predicted: x.unit,
    top3: x.suggestions.map((s) => s.unit),
    manual: x.needsManualDispatch,
  };
}
