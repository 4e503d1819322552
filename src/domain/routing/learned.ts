/**
 * The learned half of the classifier: a naive Bayes unit model and a logistic 即办 model, trained
 * at load time from the hotline's labelled past requests (config/routing-examples.jsonl) and the
 * duty list's own examples. Phrase rules carry what the office wrote down; these models carry
 * what callers actually say, which no phrase list keeps up with.
 */
import type { DutyList } from './duty-list.js';
import type { RoutingExample } from './examples.js';
import { LogisticRegression } from './logistic.js';
import { NaiveBayes, softmax } from './naive-bayes.js';

export interface LearnedParams {
  /** Points a unit gets from the unit model at posterior 1 (a 5-weight phrase settles a unit). */
  unitWeight: number;
  /** Softmax temperature over naive Bayes log scores. */
  temperature: number;
  /** Posterior below which the unit model says nothing about a unit. */
  unitFloor: number;
  /** 即办 model probability at or above which a request is flagged. */
  urgentThreshold: number;
  /**
   * A text with fewer known features than urgentShortText must also be this far above the
   * model's no-evidence baseline: the weighting towards recall puts that baseline above the
   * threshold, and a bare "你好" says nothing either way.
   */
  urgentLift: number;
  urgentShortText: number;
  /** Naive Bayes smoothing and how much the units' shares of past requests count. */
  alpha: number;
  priorWeight: number;
  /** Loss weight of a 即办 example in the 即办 model. */
  urgentPositiveWeight: number;
  urgentL2: number;
  urgentEpochs: number;
}

/**
 * Chosen by 5-fold cross-validation over the pooled examples (scripts/bench/classify-cv.ts):
 * the threshold is the highest that kept 即办 recall at about 99% there.
 */
export const DEFAULT_LEARNED_PARAMS: LearnedParams = {
  unitWeight: 4,
  temperature: 6,
  unitFloor: 0.05,
  urgentThreshold: 0.4,
  urgentLift: 0.1,
  urgentShortText: 20,
  alpha: 0.3,
  priorWeight: 0.3,
  urgentPositiveWeight: 2,
  urgentL2: 1e-4,
  urgentEpochs: 30,
};

export interface UnitVote {
  unit: string;
  posterior: number;
}

export interface UrgentVote {
  probability: number;
  flagged: boolean;
  reasons: string[];
}

export class LearnedRouter {
  private readonly unitModel: NaiveBayes | null;
  private readonly urgentModel: LogisticRegression | null;
  readonly trainedOn: { unit: number; urgent: number };

  constructor(
    dutyList: DutyList,
    examples: readonly RoutingExample[],
    featuresOf: (text: string) => string[],
    readonly params: LearnedParams = DEFAULT_LEARNED_PARAMS,
  ) {
    const known = new Set(dutyList.units.map((u) => u.name));
    const unitDocs: { features: string[]; label: string }[] = [];
    const urgentDocs: { features: string[]; label: boolean }[] = [];
    for (const e of examples) {
      const features = featuresOf(e.text);
      if (known.has(e.unit)) unitDocs.push({ features, label: e.unit });
      if (e.urgent !== null) urgentDocs.push({ features, label: e.urgent });
    }
    for (const u of dutyList.units) for (const text of u.examples) unitDocs.push({ features: featuresOf(text), label: u.name });
    this.trainedOn = { unit: unitDocs.length, urgent: urgentDocs.length };
    this.unitModel = unitDocs.length > 0 ? new NaiveBayes(unitDocs, { alpha: params.alpha, minDocs: 2, priorWeight: params.priorWeight }) : null;
    const positives = urgentDocs.filter((d) => d.label).length;
    this.urgentModel =
      positives > 0 && positives < urgentDocs.length
        ? new LogisticRegression(urgentDocs, {
            epochs: params.urgentEpochs,
            learningRate: 0.3,
            l2: params.urgentL2,
            positiveWeight: params.urgentPositiveWeight,
            minDocs: 2,
          })
        : null;
  }

  /** Units the model gives at least `unitFloor`, most likely first. */
  units(features: readonly string[]): UnitVote[] {
    if (!this.unitModel) return [];
    const m = this.unitModel;
    const post = softmax(m.scores(features), this.params.temperature);
    const out: UnitVote[] = [];
    post.forEach((p, i) => {
      if (p >= this.params.unitFloor) out.push({ unit: m.classes[i], posterior: p });
    });
    return out.sort((a, b) => b.posterior - a.posterior);
  }

  /**
   * The features that speak most for `unit` over `rival` (another unit the model considered),
   * computed only for the suggestions an operator sees.
   */
  unitReasons(features: readonly string[], unit: string, rival: string | null): string[] {
    const m = this.unitModel;
    if (!m) return [];
    const a = m.classes.indexOf(unit);
    const b = rival === null ? -1 : m.classes.indexOf(rival);
    return a < 0 ? [] : readable(m.reasons(features, a, b, 8), 3);
  }

  urgent(features: readonly string[]): UrgentVote {
    if (!this.urgentModel) return { probability: 0, flagged: false, reasons: [] };
    const probability = this.urgentModel.probability(features);
    const m = this.urgentModel;
    const saysSomething = m.known(features) >= this.params.urgentShortText || probability >= m.baseline + this.params.urgentLift;
    const flagged = probability >= this.params.urgentThreshold && saysSomething;
    return { probability, flagged, reasons: flagged ? readable(m.reasons(features, 12), 4) : [] };
  }
}

/** Several-character features read as evidence; single characters only fill up a short list. */
function readable(features: readonly string[], n: number): string[] {
  const long = features.filter((f) => f.length >= 2);
  return [...long, ...features.filter((f) => f.length < 2)].slice(0, n);
}
