/**
 * The dispatch classifier: from a request's text to the unit that owns it (per the 职责清单),
 * the 诉求类别, 即办 or not, and the township. Two voices are added up: the duty list's weighted
 * phrases (transparent, and the hotline office fixes a wrong dispatch by editing
 * config/duty-list.yaml) and models learned from the hotline's labelled past requests
 * (config/routing-examples.jsonl), which hear wordings no phrase list has. 即办 is flagged when
 * either the 即办 rules or the 即办 model say so: a missed danger costs far more than a false alarm.
 * Every decision keeps its evidence: the phrases, the rules, and the n-grams the models weighed.
 */
import type { Category } from '../tickets/ticket.js';
import { detectCategory } from './category.js';
import type { DutyList, DutyUnit } from './duty-list.js';
import { DEFAULT_ROUTING_EXAMPLES_PATH, loadRoutingExamples, type RoutingExample } from './examples.js';
import { showFeature, textFeatures } from './features.js';
import { DEFAULT_LEARNED_PARAMS, LearnedRouter, type LearnedParams, type UnitVote } from './learned.js';
import { normalizeText } from './normalize.js';
import { keepMostSpecific, PhraseIndex, type PhraseMatch } from './phrase-index.js';
import { PlaceFinder } from './places.js';
import { Segmenter, type Token } from './segmenter.js';
import { detectUrgent } from './urgent.js';

export interface Suggestion {
  unit: string;
  score: number;
  evidence: string[];
}

export interface Classification {
  /**
   * The best-scoring unit (exact name from units.json), or null when nothing in the text points
   * to any unit. It is a best guess: dispatch automatically only when needsManualDispatch is false.
   */
  unit: string | null;
  category: Category;
  urgent: boolean;
  /** Chinese labels of the 即办 rules that fired, e.g. ['火情', '人员被困']. */
  urgentReasons: string[];
  township: string | null;
  place: string | null;
  /** 0..1: how clearly the text points to `unit` rather than to another unit. */
  confidence: number;
  /** Human-readable reasons, for the operator's screen. */
  evidence: string[];
  /** Up to three units, best first. */
  suggestions: Suggestion[];
  needsManualDispatch: boolean;
  /** Duty-list phrases found in the text (all units), for duplicate detection. */
  keywords: string[];
}

export interface ClassifierOptions {
  /** Confidence below which the operator must choose the unit. Default DEFAULT_THRESHOLD. */
  threshold?: number;
  /**
   * Labelled past requests to learn from: a JSONL path, the examples themselves, or null for the
   * phrase rules alone. Default config/routing-examples.jsonl. Examples are ignored when most of
   * them name units this duty list does not have: they belong to another hotline's list.
   */
  examples?: string | URL | readonly RoutingExample[] | null;
  /** Tuning of the learned models (defaults chosen by cross-validation). */
  learned?: Partial<LearnedParams>;
}

/** The 即办 reason shown when only the model, not a rule, recognised the danger. */
export const MODEL_URGENT_REASON = '模型判断疑似即办(请核实)';

export const DEFAULT_THRESHOLD = 0.35;

/**
 * Added to the unit that acts on the first fired 即办 rule. Large enough to beat an incidental
 * place word (抽搐 in a 网吧 → 卫健, not 文广旅; 爆炸 with 黑烟 → 消防, not 生态环境), small
 * enough that a matter clearly owned elsewhere still wins (工人堵厂门 with 欠薪 stays 人社).
 */
const URGENT_BONUS = 6;
/** A phrase that jieba glued into a longer word counts less: 停电 inside 停电话 is not 停电. */
const UNALIGNED_FACTOR = 0.5;
/** Score at which strength reaches 1 - 1/e. */
const STRENGTH_SCALE = 4;

/**
 * One segmenter per duty list: loading jieba's dictionary is most of the load time, and
 * cross-validation builds several classifiers over the same list.
 */
const segmenters = new WeakMap<DutyList, Segmenter>();

interface UnitHit {
  unit: string;
  weight: number;
}

export class Classifier {
  readonly threshold: number;
  private readonly keywords = new PhraseIndex<UnitHit>();
  private readonly units: Map<string, DutyUnit>;
  private readonly places: PlaceFinder;
  private readonly segmenter: Segmenter;
  private readonly learned: LearnedRouter | null;

  constructor(
    private readonly dutyList: DutyList,
    opts: ClassifierOptions = {},
  ) {
    const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
    if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be within 0..1, got ${threshold}`);
    this.threshold = threshold;
    this.units = new Map(dutyList.units.map((u) => [u.name, u]));
    for (const u of dutyList.units) for (const [phrase, weight] of u.keywords) this.keywords.add(phrase, { unit: u.name, weight });
    this.places = new PlaceFinder(dutyList.townships);
    let segmenter = segmenters.get(dutyList);
    if (!segmenter) {
      const urgentPhrases = dutyList.urgent.flatMap((r) => r.phrases);
      segmenter = new Segmenter([...this.keywords.phrases(), ...this.places.words(), ...urgentPhrases]);
      segmenters.set(dutyList, segmenter);
    }
    this.segmenter = segmenter;
    this.learned = this.trainLearned(opts);
  }

  private trainLearned(opts: ClassifierOptions): LearnedRouter | null {
    const source = opts.examples === undefined ? DEFAULT_ROUTING_EXAMPLES_PATH : opts.examples;
    if (source === null) return null;
    const examples = typeof source === 'string' || source instanceof URL ? loadRoutingExamples(source) : source;
    const known = new Set(this.dutyList.units.map((u) => u.name));
    if (examples.filter((e) => known.has(e.unit)).length * 2 < examples.length) return null;
    const params = { ...DEFAULT_LEARNED_PARAMS, ...opts.learned };
    return new LearnedRouter(this.dutyList, examples, (t) => this.features(normalizeText(t)), params);
  }

  private features(text: string): string[] {
    return textFeatures(text, this.segmenter.tokens(text));
  }

  /** Segmentation with this classifier's dictionary, for callers that want the same words. */
  tokens(text: string): Token[] {
    return this.segmenter.tokens(normalizeText(text));
  }

  classify(rawText: string): Classification {
    const text = normalizeText(rawText);
    const tokens = this.segmenter.tokens(text);
    const starts = new Set(tokens.map((t) => t.start));
    const ends = new Set(tokens.map((t) => t.end));

    const matches = keepMostSpecific(this.keywords.findAll(text));
    const scores = scoreUnits(matches, starts, ends);

    const urgentHits = detectUrgent(text, this.dutyList.urgent);
    // Rules are in priority order; a first rule with unit null (路面塌陷) means "the owner acts",
    // and a later rule (房屋倒塌, fired by the same 塌) must not pull the ticket elsewhere.
    const actor = urgentHits[0];
    if (actor?.rule.unit) {
      const s = scores.get(actor.rule.unit) ?? newScore();
      s.score += URGENT_BONUS;
      s.evidence.push(`即办:${actor.rule.label}(${actor.trigger})`);
      scores.set(actor.rule.unit, s);
    }

    const features = this.learned ? textFeatures(text, tokens) : [];
    const votes: UnitVote[] = this.learned ? this.learned.units(features) : [];
    const weight = this.learned?.params.unitWeight ?? 0;
    for (const v of votes) {
      const s = scores.get(v.unit) ?? newScore();
      s.score += weight * v.posterior;
      scores.set(v.unit, s);
    }
    const urgentVote = this.learned?.urgent(features);

    const ranked = [...scores.entries()]
      .map(([unit, s]) => ({ unit, score: round2(s.score), evidence: s.evidence }))
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.unit.localeCompare(b.unit, 'zh'));
    // The model's reasons cost a pass over the features per unit, so only the units shown get them.
    for (const [i, s] of ranked.slice(0, 3).entries()) {
      const vote = votes.find((v) => v.unit === s.unit);
      if (!vote || !this.learned) continue;
      const rival = votes.find((v) => v.unit !== s.unit)?.unit ?? null;
      const reasons = this.learned.unitReasons(features, s.unit, i === 0 ? rival : ranked[0].unit);
      s.evidence = [...s.evidence, `模型${Math.round(vote.posterior * 100)}%(+${round2(weight * vote.posterior)}):${reasons.map(showFeature).join('、')}`];
    }
    const top = ranked[0];
    const confidence = top ? confidenceOf(top.score, ranked[1]?.score ?? 0) : 0;
    const unit = top ? top.unit : null;

    const byModel = urgentHits.length === 0 && urgentVote?.flagged === true;
    const urgent = urgentHits.length > 0 || byModel;
    const urgentReasons = byModel ? [MODEL_URGENT_REASON] : urgentHits.map((h) => h.rule.label);
    const category = detectCategory(text, (unit && this.units.get(unit)?.categories) || [], urgent);
    const { township, place } = this.places.find(text, tokens);

    const evidence: string[] = [];
    if (top) evidence.push(...top.evidence.map((e) => `${top.unit}:${e}`));
    for (const h of urgentHits) evidence.push(`即办规则「${h.rule.label}」:${h.trigger}`);
    if (urgentVote?.flagged) {
      evidence.push(`即办模型 ${Math.round(urgentVote.probability * 100)}%:${urgentVote.reasons.map(showFeature).join('、')}`);
    }
    if (category.cues.length > 0) evidence.push(`类别「${category.category}」:${category.cues.join('、')}`);
    if (township) evidence.push(`乡镇「${township}」:${place ?? township}`);

    return {
      unit,
      category: category.category,
      urgent,
      urgentReasons,
      township,
      place,
      confidence,
      evidence,
      suggestions: ranked.slice(0, 3),
      needsManualDispatch: unit === null || confidence < this.threshold,
      keywords: [...new Set(matches.map((m) => m.phrase))],
    };
  }
}

interface UnitScore {
  score: number;
  evidence: string[];
  seen: Set<string>;
}

function newScore(): UnitScore {
  return { score: 0, evidence: [], seen: new Set<string>() };
}

function scoreUnits(matches: PhraseMatch<UnitHit>[], starts: Set<number>, ends: Set<number>): Map<string, UnitScore> {
  const scores = new Map<string, UnitScore>();
  for (const m of matches) {
    const aligned = starts.has(m.start) && ends.has(m.end);
    const factor = aligned ? 1 : UNALIGNED_FACTOR;
    for (const hit of m.payload) {
      const s = scores.get(hit.unit) ?? newScore();
      // A phrase said twice is still one piece of evidence.
      if (!s.seen.has(m.phrase)) {
        s.seen.add(m.phrase);
        s.score += hit.weight * factor;
        s.evidence.push(aligned ? `${m.phrase}(+${hit.weight})` : `${m.phrase}(+${hit.weight * factor},词内)`);
      }
      scores.set(hit.unit, s);
    }
  }
  return scores;
}

/**
 * Strength says "there is clear evidence at all" (saturating in the score); margin says "and it
 * is not shared with a rival unit". A lone 宽带 (shared by four operators) gets low confidence;
 * 停水 + 水压 gets high.
 */
function confidenceOf(top: number, second: number): number {
  const strength = 1 - Math.exp(-top / STRENGTH_SCALE);
  const margin = (top - second) / top;
  return round2(strength * (0.4 + 0.6 * margin));
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
