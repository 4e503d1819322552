/**
 * Binary logistic regression over binary features, trained with AdaGrad in a fixed order so the
 * same examples always give the same model. Used for 即办: unlike naive Bayes its probability
 * means something, so one threshold can trade false alarms for recall.
 */

import { byCodeUnit } from './linear-model.js';
import { FeatureTable } from './feature-table.js';
import { featureName, type FeatureKey } from './text-structure.js';

export interface LogisticOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  /** Loss weight of a positive example: a missed 即办 costs more than a false alarm. */
  positiveWeight: number;
  minDocs: number;
}

/**
 * Long texts would otherwise win on feature count alone, so inputs are scaled by 1/sqrt(n); but
 * never as if a text had fewer than MIN_FEATURES features, or a bare "你好" (three features)
 * would be read as loudly as a whole report and the bias could not hold it back.
 */
const MIN_FEATURES = 30;

function lengthScale(n: number): number {
  return 1 / Math.sqrt(Math.max(MIN_FEATURES, n));
}

export interface LogisticState {
  features: FeatureKey[];
  weights: number[];
  bias: number;
}

export class LogisticRegression {
  /** Feature → index into `weights`; training works on indices, not strings, for load time. */
  private readonly index = new Map<FeatureKey, number>();
  /** The same, for lookups while classifying (feature-table.ts). */
  private readonly table: FeatureTable;
  private readonly names: FeatureKey[] = [];
  private readonly weights: Float64Array;
  private bias = 0;

  /** A model trained before (state()), without training again: the shipped 即办 model loads in milliseconds. */
  static fromState(state: LogisticState): LogisticRegression {
    return new LogisticRegression([], null, state);
  }

  constructor(docs: readonly { features: readonly FeatureKey[]; label: boolean }[], opts: LogisticOptions | null, restored?: LogisticState) {
    if (restored) {
      if (restored.features.length !== restored.weights.length) throw new Error('logistic model: features and weights differ in length');
      for (const f of restored.features) {
        this.index.set(f, this.index.size);
        this.names.push(f);
      }
      this.table = new FeatureTable(this.index.entries());
      this.weights = Float64Array.from(restored.weights);
      this.bias = restored.bias;
      return;
    }
    if (!opts) throw new Error('logistic model: training options missing');
    const df = new Map<FeatureKey, number>();
    for (const d of docs) for (const f of d.features) df.set(f, (df.get(f) ?? 0) + 1);
    for (const [f, n] of df) {
      if (n < opts.minDocs) continue;
      this.index.set(f, this.index.size);
      this.names.push(f);
    }
    this.table = new FeatureTable(this.index.entries());
    const rows = docs.map((d) => ({
      features: Int32Array.from(d.features.filter((f) => this.index.has(f)).map((f) => this.index.get(f)!)),
      y: d.label ? 1 : 0,
    }));
    const w = (this.weights = new Float64Array(this.index.size));
    const g2 = new Float64Array(this.index.size);
    let biasG2 = 0;
    const order = rows.map((_, i) => i);
    let seed = 12345;
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      // Deterministic Fisher–Yates with a small LCG: reproducible, and not in file order.
      for (let i = order.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const j = seed % (i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const i of order) {
        const { features, y } = rows[i];
        const scale = lengthScale(features.length);
        let z = this.bias;
        for (const f of features) z += w[f] * scale;
        const p = 1 / (1 + Math.exp(-z));
        const g = (p - y) * (y === 1 ? opts.positiveWeight : 1);
        for (const f of features) {
          const grad = g * scale + opts.l2 * w[f];
          g2[f] += grad * grad;
          w[f] -= (opts.learningRate * grad) / Math.sqrt(g2[f] + 1e-8);
        }
        biasG2 += g * g;
        this.bias -= (opts.learningRate * g) / Math.sqrt(biasG2 + 1e-8);
      }
    }
  }

  get vocabularySize(): number {
    return this.names.length;
  }

  /** What fromState needs: the features in index order, their weights and the bias. */
  state(): LogisticState {
    return { features: [...this.names], weights: Array.from(this.weights), bias: this.bias };
  }

  /** Every feature the model knows, by index. */
  featureKeys(): readonly FeatureKey[] {
    return this.names;
  }

  /** The model's index of a feature, or -1 (for callers that walk a text's features themselves). */
  indexOf(f: FeatureKey): number {
    return this.table.get(f);
  }

  /** The probability from the distinct known features' indices (found with indexOf). */
  probabilityOfIndices(known: ArrayLike<number>): number {
    let sum = 0;
    for (let k = 0; k < known.length; k++) sum += this.weights[known[k]];
    return 1 / (1 + Math.exp(-(this.bias + sum * lengthScale(known.length))));
  }

  /** The known features (by index) pushing hardest towards "yes", strongest first, by name. */
  reasonsOfIndices(known: ArrayLike<number>, n: number): string[] {
    return Array.from(known)
      .filter((i) => this.weights[i] > 0)
      .map((i) => [featureName(this.names[i]), this.weights[i]] as const)
      .sort((a, b) => b[1] - a[1] || byCodeUnit(a[0], b[0]))
      .slice(0, n)
      .map(([f]) => f);
  }

  /** Probability and the features the model knows, in one pass over the text's features. */
  assess(features: Iterable<FeatureKey>): { probability: number; known: FeatureKey[] } {
    const known: FeatureKey[] = [];
    let sum = 0;
    for (const f of features) {
      const i = this.index.get(f);
      if (i === undefined) continue;
      known.push(f);
      sum += this.weights[i];
    }
    return { probability: 1 / (1 + Math.exp(-(this.bias + sum * lengthScale(known.length)))), known };
  }

  probability(features: readonly FeatureKey[]): number {
    let n = 0;
    let sum = 0;
    for (const f of features) {
      const i = this.index.get(f);
      if (i === undefined) continue;
      n++;
      sum += this.weights[i];
    }
    return 1 / (1 + Math.exp(-(this.bias + sum * lengthScale(n))));
  }

  /** How many of the features the model has weights for. */
  known(features: readonly FeatureKey[]): number {
    let n = 0;
    for (const f of features) if (this.index.has(f)) n++;
    return n;
  }

  /** The probability of a text with no known feature: what the model says without evidence. */
  get baseline(): number {
    return 1 / (1 + Math.exp(-this.bias));
  }

  /** The known features pushing hardest towards "yes", strongest first. */
  reasons(features: readonly FeatureKey[], n: number): string[] {
    return features
      .map((f) => [featureName(f), this.weightOf(f)] as const)
      .filter(([, w]) => w > 0)
      .sort((a, b) => b[1] - a[1] || byCodeUnit(a[0], b[0]))
      .slice(0, n)
      .map(([f]) => f);
  }

  private weightOf(f: FeatureKey): number {
    const i = this.index.get(f);
    return i === undefined ? 0 : this.weights[i];
  }
}
