/**
 * The learned unit model as a versioned artefact: a LinearModel plus what it was trained on
 * (the training data's hash, date, class counts, hyper-parameters) and how much its vote weighs
 * against the duty list's phrases. `suban train` writes one from a city's history; the built-in
 * one (config/routing-model.json) is trained the same way from config/routing-examples.jsonl,
 * config/routing-history.jsonl and the duty list.
 *
 * The 18 townships share one class here: what a township government handles (village affairs,
 * village roads, neighbour disputes) reads the same in every township, and the place named in the
 * text decides which township gets it.
 */
import type { UrgencyState } from './learned.js';
import { createHash } from 'node:crypto';
import type { DutyList } from './duty-list.js';
import type { RoutingExample } from './examples.js';
import type { FeatureKey } from './text-structure.js';
import {
  DEFAULT_LINEAR_OPTIONS,
  deserializeLinearModel,
  fitTemperature,
  serializeLinearModel,
  trainLinearModel,
  type LinearModel,
  type LinearTrainOptions,
  type SerializedLinearModel,
  type TrainingDoc,
} from './linear-model.js';

/** The class every township's requests are learned under. */
export const TOWNSHIP_CLASS = '乡镇人民政府';

export const ROUTING_MODEL_FORMAT = 'suban-routing-model';
export const ROUTING_MODEL_VERSION = 1;

export interface RoutingModelMeta {
  format: typeof ROUTING_MODEL_FORMAT;
  version: number;
  trainedAt: string;
  /** sha256 of the training rows (text and labels) and of the duty list's phrases. */
  sourceHash: string;
  source: string;
  classCounts: Record<string, number>;
  params: LinearTrainOptions & { keywordDocWeight: number };
  /** Points a unit gets from the model at probability 1 (a 5-weight phrase settles a unit). */
  modelWeight: number;
  /**
   * The same for long messages (LONG_TEXT characters or more), where the duty list's phrases are
   * noisier; absent in files from before it existed (modelWeight then applies to all).
   */
  modelWeightLong?: number;
}

export interface RoutingModel {
  meta: RoutingModelMeta;
  unit: LinearModel;
  /** The 即办 model trained on the same examples (the shipped model keeps it; a city's has none). */
  urgency?: UrgencyState;
}

export interface RoutingModelOptions {
  linear?: Partial<LinearTrainOptions>;
  /** Loss weight of the duty list's phrase documents: the list teaches less than a real request. */
  keywordDocWeight?: number;
  modelWeight?: number;
  modelWeightLong?: number;
  source?: string;
  /**
   * The date written into the model: its trainer's clock, or a fixed date for a reproducible file.
   * A model trained in memory and never written (the classifier's own) carries none.
   */
  trainedAt?: Date;
}

export const DEFAULT_MODEL_WEIGHT = 5;
const DEFAULT_KEYWORD_DOC_WEIGHT = 0.5;

export interface FeatureReader {
  (text: string): Map<FeatureKey, number>;
}

/** Every example's label as the model learns it: a township becomes TOWNSHIP_CLASS. */
export function modelLabel(unit: string, townships: ReadonlySet<string>): string {
  return townships.has(unit) ? TOWNSHIP_CLASS : unit;
}

export function trainingDocs(dutyList: DutyList, examples: readonly RoutingExample[], featuresOf: FeatureReader, keywordDocWeight = DEFAULT_KEYWORD_DOC_WEIGHT): TrainingDoc[] {
  const townships = new Set(dutyList.townships.map((t) => t.name));
  const known = new Set([...dutyList.units.map((u) => u.name), ...townships]);
  const docs: TrainingDoc[] = [];
  for (const e of examples) if (known.has(e.unit)) docs.push({ features: featuresOf(e.text), label: modelLabel(e.unit, townships), weight: e.weight ?? 1 });
  for (const u of dutyList.units) {
    for (const text of u.examples) docs.push({ features: featuresOf(text), label: modelLabel(u.name, townships) });
    // The list's phrases as small documents, a few at a time: a city with little history still
    // knows every matter the list names.
    const phrases = [...u.keywords.keys()];
    for (let i = 0; i < phrases.length; i += 3) {
      docs.push({ features: featuresOf(phrases.slice(i, i + 3).join(',')), label: modelLabel(u.name, townships), weight: keywordDocWeight });
    }
  }
  return docs;
}

/** Changes whenever training changes in a way the data does not show, so a stale file is noticed. */
const RECIPE = 'lr1:tfidf-l2:char1-3+words:title-first:places-masked';

export function sourceHash(dutyList: DutyList, examples: readonly RoutingExample[]): string {
  const h = createHash('sha256');
  h.update(RECIPE);
  for (const e of examples) h.update(`${e.text}\u0000${e.unit}\u0000`);
  for (const u of dutyList.units) h.update(`${u.name}:${[...u.keywords.keys()].join(',')}:${u.examples.join('|')}\n`);
  return h.digest('hex');
}

export function trainRoutingModel(dutyList: DutyList, examples: readonly RoutingExample[], featuresOf: FeatureReader, opts: RoutingModelOptions = {}): RoutingModel {
  const params = { ...DEFAULT_LINEAR_OPTIONS, ...opts.linear };
  const keywordDocWeight = opts.keywordDocWeight ?? DEFAULT_KEYWORD_DOC_WEIGHT;
  const docs = trainingDocs(dutyList, examples, featuresOf, keywordDocWeight);
  const unit = trainLinearModel(docs, params);
  unit.temperature = calibrate(docs, params);
  unit.data.temperature = unit.temperature;
  const classCounts: Record<string, number> = {};
  const townships = new Set(dutyList.townships.map((t) => t.name));
  for (const e of examples) {
    const label = modelLabel(e.unit, townships);
    classCounts[label] = (classCounts[label] ?? 0) + 1;
  }
  return {
    unit,
    meta: {
      format: ROUTING_MODEL_FORMAT,
      version: ROUTING_MODEL_VERSION,
      trainedAt: opts.trainedAt?.toISOString() ?? '',
      sourceHash: sourceHash(dutyList, examples),
      source: opts.source ?? '',
      classCounts,
      params: { ...params, keywordDocWeight },
      modelWeight: opts.modelWeight ?? DEFAULT_MODEL_WEIGHT,
      ...(opts.modelWeightLong !== undefined ? { modelWeightLong: opts.modelWeightLong } : {}),
    },
  };
}

/**
 * The temperature that makes held-out probabilities honest: a quick 3-fold pass over the real
 * requests (not the phrase documents), predicting each fold with a model trained on the rest.
 */
function calibrate(docs: readonly TrainingDoc[], params: LinearTrainOptions): number {
  const real = docs.map((d, i) => ({ d, i })).filter(({ d }) => (d.weight ?? 1) === 1);
  if (real.length < 60) return 1;
  const scored: { scores: Float64Array; y: number }[] = [];
  const k = 3;
  for (let f = 0; f < k; f++) {
    const test = real.filter(({ i }) => i % k === f);
    const testIdx = new Set(test.map(({ i }) => i));
    const m = trainLinearModel(
      docs.filter((_, i) => !testIdx.has(i)),
      { ...params, epochs: Math.max(4, Math.round(params.epochs / 2)) },
    );
    for (const { d } of test) {
      const y = m.classIndex(d.label);
      if (y >= 0) scored.push({ scores: m.scores(d.features), y });
    }
  }
  return fitTemperature(scored);
}

export interface RoutingModelFile {
  meta: RoutingModelMeta;
  unit: SerializedLinearModel;
  urgency?: UrgencyState;
}

export function serializeRoutingModel(m: RoutingModel): string {
  const file: RoutingModelFile = { meta: m.meta, unit: serializeLinearModel(m.unit), ...(m.urgency ? { urgency: m.urgency } : {}) };
  return JSON.stringify(file) + '\n';
}

export function parseRoutingModel(json: string, where = 'routing model'): RoutingModel {
  let file: RoutingModelFile;
  try {
    file = JSON.parse(json) as RoutingModelFile;
  } catch (e) {
    throw new Error(`${where}: 不是有效的 JSON(${(e as Error).message})`);
  }
  if (file?.meta?.format !== ROUTING_MODEL_FORMAT) throw new Error(`${where}: 不是速办分派模型文件`);
  if (file.meta.version !== ROUTING_MODEL_VERSION) throw new Error(`${where}: 模型版本 ${file.meta.version} 不受支持(应为 ${ROUTING_MODEL_VERSION})`);
  const unit = deserializeLinearModel(file.unit);
  if (file.urgency !== undefined) {
    const u = file.urgency;
    const ok = u && typeof u.trainedOn === 'number' && u.trainedWith && (u.model === null || (Array.isArray(u.model.features) && Array.isArray(u.model.weights) && u.model.features.length === u.model.weights.length && typeof u.model.bias === 'number'));
    if (!ok) throw new Error(`${where}: 即办模型部分格式不正确`);
    return { meta: file.meta, unit, urgency: u };
  }
  return { meta: file.meta, unit };
}
