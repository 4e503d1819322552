/**
 * The learned 即办 model, trained at load time from the hotline's labelled past requests
 * (config/routing-examples.jsonl). Its flag alone never pages at once: it puts the request on
 * the operators' 待核实 list (see urgent.ts). The unit model is in routing-model.ts.
 */
import type { RoutingExample } from './examples.js';
import { LogisticRegression, type LogisticState } from './logistic.js';
import type { FeatureKey } from './text-structure.js';

export interface LearnedParams {
  /** 即办 model probability at or above which a request is flagged. */
  urgentThreshold: number;
  /**
   * A text with fewer known features than urgentShortText must also be this far above the
   * model's no-evidence baseline: the weighting towards recall puts that baseline above the
   * threshold, and a bare "你好" says nothing either way.
   */
  urgentLift: number;
  urgentShortText: number;
  /** Least loss weight of a 即办 example in the 即办 model. */
  urgentPositiveWeight: number;
  /**
   * Weighted 即办 examples per ordinary one: a 即办 example weighs at least this share of the
   * ordinary ones over the 即办 ones, so the threshold keeps its meaning when a city's examples
   * bring many more ordinary requests than emergencies (the prior would otherwise sink and
   * recall with it).
   */
  urgentBalance: number;
  urgentL2: number;
  urgentEpochs: number;
}

/**
 * Chosen by 5-fold cross-validation over the pooled examples (scripts/bench/classify-cv.ts):
 * the threshold is the highest that kept 即办 recall at about 99% there.
 */
export const DEFAULT_LEARNED_PARAMS: LearnedParams = {
  urgentThreshold: 0.4,
  urgentLift: 0.1,
  urgentShortText: 20,
  urgentPositiveWeight: 2,
  urgentBalance: 0.5,
  urgentL2: 1e-4,
  urgentEpochs: 30,
};

/** A trained 即办 model as stored in a routing model file. */
export interface UrgencyState {
  trainedOn: number;
  /** The parameters that shape training (not the voting thresholds, which apply at use). */
  trainedWith: Pick<LearnedParams, 'urgentPositiveWeight' | 'urgentBalance' | 'urgentL2' | 'urgentEpochs'>;
  model: LogisticState | null;
}

export function trainingParams(p: LearnedParams): UrgencyState['trainedWith'] {
  return { urgentPositiveWeight: p.urgentPositiveWeight, urgentBalance: p.urgentBalance, urgentL2: p.urgentL2, urgentEpochs: p.urgentEpochs };
}

export interface UrgentVote {
  probability: number;
  flagged: boolean;
  /** How far the model is toward flagging: 1 when flagged, probability / threshold below it, 0 when the text says too little to judge. */
  agreement: number;
  reasons: string[];
}

const NO_VOTE: UrgentVote = Object.freeze({ probability: 0, flagged: false, agreement: 0, reasons: [] as string[] });

/** The 即办 model: logistic regression over the labelled past requests' 即办 flags. */
export class LearnedUrgency {
  private readonly model: LogisticRegression | null;
  readonly trainedOn: number;

  /** A 即办 model trained before (state()), e.g. the one stored beside the shipped unit model. */
  static fromState(state: UrgencyState, params: LearnedParams = DEFAULT_LEARNED_PARAMS): LearnedUrgency {
    return new LearnedUrgency([], () => [], params, state);
  }

  constructor(
    examples: readonly RoutingExample[],
    featuresOf: (text: string) => FeatureKey[],
    readonly params: LearnedParams = DEFAULT_LEARNED_PARAMS,
    restored?: UrgencyState,
  ) {
    if (restored) {
      this.trainedOn = restored.trainedOn;
      this.model = restored.model ? LogisticRegression.fromState(restored.model) : null;
      return;
    }
    const docs: { features: FeatureKey[]; label: boolean }[] = [];
    for (const e of examples) if (e.urgent !== null) docs.push({ features: featuresOf(e.text), label: e.urgent });
    this.trainedOn = docs.length;
    const positives = docs.filter((d) => d.label).length;
    this.model =
      positives > 0 && positives < docs.length
        ? new LogisticRegression(docs, {
            epochs: params.urgentEpochs,
            learningRate: 0.3,
            l2: params.urgentL2,
            positiveWeight: Math.max(params.urgentPositiveWeight, (params.urgentBalance * (docs.length - positives)) / positives),
            minDocs: 2,
          })
        : null;
  }

  get vocabularySize(): number {
    return this.model?.vocabularySize ?? 0;
  }

  /** What fromState needs; `trainedWith` says which training parameters it came from. */
  state(): UrgencyState {
    return { trainedOn: this.trainedOn, trainedWith: trainingParams(this.params), model: this.model ? this.model.state() : null };
  }

  /** Every feature the model knows, by index (none without a model). */
  featureKeys(): readonly FeatureKey[] {
    return this.model ? this.model.featureKeys() : [];
  }

  /** The model's index of a feature, or -1: the classifier walks a text's features once for both models. */
  indexOf(f: FeatureKey): number {
    return this.model ? this.model.indexOf(f) : -1;
  }

  /** The vote from the distinct known features' indices (see indexOf). */
  voteIndices(known: ArrayLike<number>): UrgentVote {
    const m = this.model;
    if (!m) return NO_VOTE;
    return this.decide(m.probabilityOfIndices(known), known.length, () => m.reasonsOfIndices(known, 12));
  }

  vote(features: Iterable<FeatureKey>): UrgentVote {
    const m = this.model;
    if (!m) return NO_VOTE;
    const { probability, known } = m.assess(features);
    return this.decide(probability, known.length, () => m.reasons(known, 12));
  }

  private decide(probability: number, knownCount: number, reasons: () => string[]): UrgentVote {
    const saysSomething = knownCount >= this.params.urgentShortText || probability >= this.model!.baseline + this.params.urgentLift;
    const flagged = probability >= this.params.urgentThreshold && saysSomething;
    const agreement = flagged ? 1 : saysSomething ? Math.min(1, probability / this.params.urgentThreshold) : 0;
    return { probability, flagged, agreement, reasons: flagged ? readable(reasons(), 4) : [] };
  }
}

/** Several-character features read as evidence; single characters only fill up a short list. */
function readable(features: readonly string[], n: number): string[] {
  const long = features.filter((f) => f.length >= 2);
  return [...long, ...features.filter((f) => f.length < 2)].slice(0, n);
}
