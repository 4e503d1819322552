/**
 * Multinomial logistic regression over TF-IDF weighted text features, L2-normalised, trained
 * with AdaGrad in a seeded order: the discriminative unit model of the dispatch classifier.
 * Unlike naive Bayes, which lets every filler character of a long message vote, a feature here
 * only gets weight when it separates one unit's requests from the others'.
 *
 * The model is plain data (classes, vocabulary, idf, weights) so that `suban train` can write it
 * to a file and the server can load it without training: training costs seconds, loading tens
 * of milliseconds.
 */

import { FeatureTable } from './feature-table.js';
import { featureKey, featureName, type FeatureKey } from './text-structure.js';

export interface TrainingDoc {
  /** Feature → term weight (counts, already weighted by where in the text they stand). */
  features: ReadonlyMap<FeatureKey, number>;
  label: string;
  /** Loss weight (default 1): the duty list's own phrases teach less than a real request. */
  weight?: number;
}

export interface LinearTrainOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  /** A feature must occur in at least this many documents to be part of the vocabulary. */
  minDf: number;
  /** Largest vocabulary kept (most frequent features first). */
  maxFeatures: number;
  seed: number;
}

export const DEFAULT_LINEAR_OPTIONS: LinearTrainOptions = {
  epochs: 12,
  learningRate: 0.5,
  l2: 1e-5,
  minDf: 2,
  maxFeatures: 60_000,
  seed: 20261207,
};

export interface LinearModelData {
  classes: string[];
  features: string[];
  idf: Float32Array;
  /** features × classes, row-major by feature: scoring a text reads one row per feature it has. */
  weights: Float32Array;
  bias: Float32Array;
  /** Softmax temperature (calibration): probabilities are softmax(scores / temperature). */
  temperature: number;
}

export class LinearModel {
  readonly classes: readonly string[];
  private readonly index: FeatureTable;
  private readonly idf: Float32Array;
  private readonly weights: Float32Array;
  private readonly bias: Float32Array;
  temperature: number;

  constructor(readonly data: LinearModelData) {
    this.classes = data.classes;
    this.index = new FeatureTable(data.features.map((f, i) => [featureKey(f), i] as const));
    this.idf = data.idf;
    this.weights = data.weights;
    this.bias = data.bias;
    this.temperature = data.temperature;
  }

  get vocabularySize(): number {
    return this.data.features.length;
  }

  /** The vocabulary index of a feature, or -1. */
  indexOf(f: FeatureKey): number {
    return this.index.get(f);
  }

  /** The text as (feature index, tf-idf value) pairs, L2-normalised. */
  vectorize(features: ReadonlyMap<FeatureKey, number>): { idx: Int32Array; val: Float32Array } {
    const tf = new Map<number, number>();
    for (const [f, n] of features) {
      const i = this.index.get(f);
      if (i >= 0 && n > 0) tf.set(i, (tf.get(i) ?? 0) + n);
    }
    return this.weigh(tf);
  }

  /** Term weights by vocabulary index → the tf-idf vector. */
  weigh(tf: ReadonlyMap<number, number>): { idx: Int32Array; val: Float32Array } {
    const idx = new Int32Array(tf.size);
    const val = new Float32Array(tf.size);
    let norm = 0;
    let k = 0;
    for (const [i, n] of tf) {
      const v = (1 + Math.log(n)) * this.idf[i];
      idx[k] = i;
      val[k++] = v;
      norm += v * v;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < val.length; j++) val[j] *= scale;
    return { idx, val };
  }

  /** The same vector from term weights kept in a dense array, for the indices listed in `seen`. */
  weighSeen(seen: ArrayLike<number>, tf: Float64Array): { idx: Int32Array; val: Float32Array } {
    const idx = new Int32Array(seen.length);
    const val = new Float32Array(seen.length);
    let norm = 0;
    for (let k = 0; k < seen.length; k++) {
      const i = seen[k];
      const v = (1 + Math.log(tf[i])) * this.idf[i];
      idx[k] = i;
      val[k] = v;
      norm += v * v;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < val.length; j++) val[j] *= scale;
    return { idx, val };
  }

  scores(features: ReadonlyMap<FeatureKey, number>): Float64Array {
    const { idx, val } = this.vectorize(features);
    return this.scoresOf(idx, val);
  }

  /** Class scores of an already vectorised text (classification vectorises once for scores and reasons). */
  scoresOf(idx: Int32Array, val: Float32Array): Float64Array {
    const c = this.classes.length;
    const out = Float64Array.from(this.bias);
    const w = this.weights;
    for (let k = 0; k < idx.length; k++) {
      const row = idx[k] * c;
      const v = val[k];
      for (let j = 0; j < c; j++) out[j] += w[row + j] * v;
    }
    return out;
  }

  /** Calibrated class probabilities. */
  probabilities(features: ReadonlyMap<FeatureKey, number>): Float64Array {
    return softmaxOf(this.scores(features), this.temperature);
  }

  /** The features that speak most for class `a` over class `b` (or over the mean), strongest first. */
  reasons(features: ReadonlyMap<FeatureKey, number>, a: number, b: number, n: number): string[] {
    const { idx, val } = this.vectorize(features);
    return this.reasonsOf(idx, val, a, b, n);
  }

  reasonsOf(idx: Int32Array, val: Float32Array, a: number, b: number, n: number): string[] {
    const c = this.classes.length;
    // The n strongest kept in order in small typed arrays: sorting every feature of a long text
    // as [index, value] pairs was a quarter of what classifying allocated.
    const topIdx = new Int32Array(n);
    const topVal = new Float64Array(n);
    let size = 0;
    for (let k = 0; k < idx.length; k++) {
      const row = idx[k] * c;
      let other = 0;
      if (b >= 0) other = this.weights[row + b];
      else {
        for (let j = 0; j < c; j++) other += this.weights[row + j];
        other /= c;
      }
      const d = (this.weights[row + a] - other) * val[k];
      if (d <= 0) continue;
      const i = idx[k];
      // Same order as sorting by value descending, then index ascending.
      let at = size;
      while (at > 0 && (topVal[at - 1] < d || (topVal[at - 1] === d && topIdx[at - 1] > i))) at--;
      if (at >= n) continue;
      for (let m = Math.min(size, n - 1); m > at; m--) {
        topVal[m] = topVal[m - 1];
        topIdx[m] = topIdx[m - 1];
      }
      topVal[at] = d;
      topIdx[at] = i;
      if (size < n) size++;
    }
    const out: string[] = [];
    for (let m = 0; m < size; m++) out.push(this.data.features[topIdx[m]]);
    return out;
  }

  classIndex(name: string): number {
    return this.classes.indexOf(name);
  }
}

export function softmaxOf(scores: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  const out = new Float64Array(scores.length);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    out[i] = Math.exp((scores[i] - max) / temperature);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Deterministic: the same documents and options always give the same weights. */
export function trainLinearModel(docs: readonly TrainingDoc[], opts: LinearTrainOptions = DEFAULT_LINEAR_OPTIONS): LinearModel {
  const classes = [...new Set(docs.map((d) => d.label))].sort(byCodeUnit);
  const classIdx = new Map(classes.map((c, i) => [c, i]));
  const df = new Map<FeatureKey, number>();
  for (const d of docs) for (const f of d.features.keys()) df.set(f, (df.get(f) ?? 0) + 1);
  const vocab = [...df.entries()]
    .filter(([, n]) => n >= opts.minDf)
    .map(([f, n]) => [featureName(f), n] as const)
    .sort((a, b) => b[1] - a[1] || byCodeUnit(a[0], b[0]))
    .slice(0, opts.maxFeatures)
    .map(([f]) => f)
    .sort(byCodeUnit);
  const nDocs = docs.length;
  const idf = Float32Array.from(vocab, (f) => Math.log((1 + nDocs) / (1 + df.get(featureKey(f))!)) + 1);
  const c = classes.length;
  const model = new LinearModel({
    classes,
    features: vocab,
    idf,
    weights: new Float32Array(vocab.length * c),
    bias: new Float32Array(c),
    temperature: 1,
  });
  const rows = docs.map((d) => ({ ...model.vectorize(d.features), y: classIdx.get(d.label)!, weight: d.weight ?? 1 }));
  const w = model.data.weights;
  const bias = model.data.bias;
  const g2 = new Float32Array(w.length);
  const bg2 = new Float64Array(c);
  const order = rows.map((_, i) => i);
  let seed = opts.seed >>> 0 || 1;
  const p = new Float64Array(c);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const r of order) {
      const { idx, val, y, weight } = rows[r];
      // Forward pass.
      let max = -Infinity;
      for (let j = 0; j < c; j++) {
        let s = bias[j];
        p[j] = s;
      }
      for (let k = 0; k < idx.length; k++) {
        const row = idx[k] * c;
        const v = val[k];
        for (let j = 0; j < c; j++) p[j] += w[row + j] * v;
      }
      for (let j = 0; j < c; j++) if (p[j] > max) max = p[j];
      let sum = 0;
      for (let j = 0; j < c; j++) {
        p[j] = Math.exp(p[j] - max);
        sum += p[j];
      }
      // Backward pass: gradient of the cross-entropy is (p - onehot) · x.
      for (let j = 0; j < c; j++) {
        const g = (p[j] / sum - (j === y ? 1 : 0)) * weight;
        bg2[j] += g * g;
        bias[j] -= (opts.learningRate * g) / Math.sqrt(bg2[j] + 1e-8);
        p[j] = g;
      }
      for (let k = 0; k < idx.length; k++) {
        const row = idx[k] * c;
        const v = val[k];
        for (let j = 0; j < c; j++) {
          const at = row + j;
          const grad = p[j] * v + opts.l2 * w[at];
          if (grad === 0) continue;
          g2[at] += grad * grad;
          w[at] -= (opts.learningRate * grad) / Math.sqrt(g2[at] + 1e-8);
        }
      }
    }
  }
  return model;
}

/**
 * Chooses the softmax temperature that minimises the log loss of held-out predictions (a grid,
 * so the result is deterministic): the model's share in a decision should mean what it says.
 */
export function fitTemperature(scored: readonly { scores: Float64Array; y: number }[]): number {
  if (scored.length === 0) return 1;
  let best = 1;
  let bestLoss = Infinity;
  for (let t = 0.25; t <= 4.001; t += 0.125) {
    let loss = 0;
    for (const s of scored) loss -= Math.log(Math.max(1e-12, softmaxOf(s.scores, t)[s.y]));
    if (loss < bestLoss) {
      bestLoss = loss;
      best = t;
    }
  }
  return best;
}

/** Compact serialisation: weights as int8 with one scale per feature row, base64 in JSON. */
export interface SerializedLinearModel {
  classes: string[];
  features: string[];
  idf: string;
  bias: number[];
  scales: string;
  weights: string;
  temperature: number;
}

export function serializeLinearModel(m: LinearModel): SerializedLinearModel {
  const { classes, features, idf, weights, bias, temperature } = m.data;
  const c = classes.length;
  const scales = new Float32Array(features.length);
  const q = new Int8Array(weights.length);
  for (let f = 0; f < features.length; f++) {
    let max = 0;
    for (let j = 0; j < c; j++) max = Math.max(max, Math.abs(weights[f * c + j]));
    const s = max / 127 || 1;
    scales[f] = s;
    for (let j = 0; j < c; j++) q[f * c + j] = Math.round(weights[f * c + j] / s);
  }
  return {
    classes,
    features,
    idf: b64(idf),
    bias: [...bias].map((x) => Math.round(x * 1e5) / 1e5),
    scales: b64(scales),
    weights: b64(q),
    temperature,
  };
}

export function deserializeLinearModel(s: SerializedLinearModel): LinearModel {
  const c = s.classes.length;
  const scales = new Float32Array(fromB64(s.scales));
  const q = new Int8Array(fromB64(s.weights));
  if (q.length !== s.features.length * c || scales.length !== s.features.length) throw new Error('模型文件损坏:权重与词表大小不符');
  const weights = new Float32Array(q.length);
  for (let f = 0; f < s.features.length; f++) for (let j = 0; j < c; j++) weights[f * c + j] = q[f * c + j] * scales[f];
  return new LinearModel({
    classes: s.classes,
    features: s.features,
    idf: new Float32Array(fromB64(s.idf)),
    weights,
    bias: Float32Array.from(s.bias),
    temperature: s.temperature,
  });
}

function b64(a: Float32Array | Int8Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromB64(s: string): ArrayBuffer {
  const buf = Buffer.from(s, 'base64');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
