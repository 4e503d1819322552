/**
 * The dispatch classifier: from a request's text to the unit that owns it (per the 职责清单, a
 * township for the matters a township government handles), the 诉求类别, 即办 or 待核实, and the
 * township. Two voices are added up: the duty list's weighted phrases (transparent, and the
 * hotline office fixes a wrong dispatch by editing config/duty-list.yaml) and a unit model
 * learned from labelled past requests (routing-model.ts; a city's own history with `suban
 * train`), which hears wordings no phrase list has.
 *
 * Long messages are read before they are scored (text-structure.ts): place names are masked so
 * that a village called 石桥村 is not a bridge, a title or first sentence counts more, sentences
 * about earlier calls count less, and an agency named in passing hardly counts.
 * Every decision keeps its evidence: the phrases, the rules and their cues, the model's share.
 */
import type { Category } from '../tickets/ticket.js';
import { detectCategory } from './category.js';
import type { DutyList, DutyUnit } from './duty-list.js';
import type { RoutingExample } from './examples.js';
import { DEFAULT_LEARNED_PARAMS, LearnedUrgency, trainingParams, type LearnedParams, type UrgencyState } from './learned.js';
import { HomophoneCorrector, type Correction, type HomophoneSource } from './homophones.js';
import { normalizeText } from './normalize.js';
import { keepMostSpecific, PhraseIndex, type PhraseMatch } from './phrase-index.js';
import { PlaceFinder, type PlaceGuess } from './places.js';
import { builtinRoutingModel, type BuiltinRouting } from './builtin-model.js';
import { TOWNSHIP_CLASS, trainRoutingModel, type RoutingModel } from './routing-model.js';
import { JointVocabulary } from './joint-vocabulary.js';
import { tokensOf, type Segmenter, type SegmenterFactory, type Token } from './segmenter.js';
import { softmaxOf } from './linear-model.js';
import { featureKey, LONG_TEXT, walkFeatures, maskPlaces, splitSentences, weightAt, weightedFeatures, type FeatureKey, type Sentence } from './text-structure.js';
import { detectUrgent, textReadsAsEvent, type UrgentHit } from './urgent.js';

export interface Suggestion {
  unit: string;
  score: number;
  evidence: string[];
}

export interface Classification {
  /**
   * The best-scoring unit (exact name from units.json, or a township's name), or null when
   * nothing in the text points to any unit. It is a best guess: dispatch automatically only when
   * needsManualDispatch is false.
   */
  unit: string | null;
  category: Category;
  /** 即办: an acute event in a present context. Page the duty person now. */
  urgent: boolean;
  /** Chinese labels of the 即办 rules that made it urgent, e.g. ['火情', '人员被困']. */
  urgentReasons: string[];
  /**
   * 待核实: a possible danger (risk wording, a broad safety-net rule, the model alone). Not urgent;
   * an operator confirms or clears it, and it pages when nobody decides in time.
   */
  urgentCheck: boolean;
  /** Labels of what made it 待核实, with the cue (e.g. '山体滑坡塌方:风险措辞(万一)'). */
  urgentCheckReasons: string[];
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
  /** Word segmentation (jieba, adapters/jieba): built once per duty list with its phrases and places as words. */
  segmenter: SegmenterFactory;
  /**
   * Labelled past requests, or null for the phrase rules alone; left out, those of `builtin` (none
   * without it). They train the 即办 model and, when no `model` is given, the unit model (left
   * out, the shipped model of `builtin` when it was trained on this duty list, else one trained
   * on its training examples). Examples are ignored when most of them name units this duty list
   * does not have.
   */
  examples?: readonly RoutingExample[] | null;
  /** The shipped examples and unit model (config/, read by adapters/fs-config/routing.ts). */
  builtin?: BuiltinRouting;
  /** A unit model trained by `suban train` (a city's own history); replaces the built-in one. */
  model?: RoutingModel | null;
  /** Tuning of the 即办 model. */
  learned?: Partial<LearnedParams>;
  /**
   * Syllables and words (adapters/pinyin) for putting homophone typos right (设保卡 → 社保卡);
   * left out, texts are read as typed.
   */
  homophones?: HomophoneSource;
}

/** The 待核实 reason shown when only the model, not a rule, recognised the danger. */
export const MODEL_URGENT_REASON = '模型判断疑似即办(请核实)';

/** The reason when the model alone was sure enough of a present event to page. */
export const MODEL_SURE_REASON = '模型判断即办(当前事件)';
/** 即办 model probability from which the model alone pages, on a text that reads as a present event. */
const MODEL_SURE = 0.9;

export const DEFAULT_THRESHOLD = 0.35;

/**
 * Added to the unit that acts on an acute 即办 event (抽搐 in a 网吧 → 卫健, not 文广旅; 爆炸 with
 * 黑烟 → 消防, not 生态环境); small enough that a matter clearly owned elsewhere still wins
 * (工人堵厂门 with 欠薪 stays 人社). A risk or a 待核实 hit gives no bonus: it is not the matter.
 */
const URGENT_BONUS = 6;
/** A phrase that jieba glued into a longer word counts less: 停电 inside 停电话 is not 停电. */
const UNALIGNED_FACTOR = 0.5;
/**
 * An agency named in a long message (找过派出所, 城管也不管) is usually history, not the owner;
 * in a short request naming the agency is how a caller says where it belongs.
 */
const AGENCY_FACTOR_LONG = 0.35;
const AGENCY = /(局|委|办|部|大队|中队|派出所|分局|中心|公司|法院|检察院|政府|热线|12345)$|^(城管|交警|公安|民警|警察|纪委|纪检|消防|环保|工商|税务|医保|信访|妇联|残联|团委|工会|宣传部|统战部|组织部|供电所|电力公司|移动|联通|电信|广电)$/u;
/**
 * An agency named where the caller says it disowned the matter or sent them on (派出所说不归他们管,
 * 交警说要找城管) is the one that does not own it, in a short request as in a long one.
 */
const DISCLAIMED_FACTOR = 0.2;
const DISCLAIMER = /不归|不属于|不是(他们|我们|他|这边|这里)管|管不了|没(有)?权(管|限)|推给|推到|踢皮球|转给|(让|叫|要)(我|我们)(去)?找|说(要)?找|说归/u;
/** Where a clause ends: a citizen's clause runs between commas, spaces and full stops. */
const CLAUSE_END = /[,，。!！?？;；\s、]/u;
/** Length (characters) from which phrase points are scaled down (see scoreUnits). */
const PHRASE_SCALE_FROM = 100;
/** Score at which strength reaches 1 - 1/e. */
const STRENGTH_SCALE = 4;
/** Added to the township's matters when the text is in a village (see classify). */
const VILLAGE_BONUS = 6;
/** Added when the text names a rural township but no village: still outside the urban area. */
const RURAL_BONUS = 4;
/** Added when a township matter is said of a 社区 in town (居委会, 社区调解). */
const COMMUNITY_BONUS = 3;
/** 属地 prior of the township (or 城市社区) for any matter located inside it. */
const LOCAL_PRIOR: Record<Exclude<Locality, 'urban'>, number> = { village: 3, rural: 1.5, community: 1.5 };
const URBAN_COMMUNITY = '城市社区';
/** The unit that keeps the city's streets, lights and stalls; outside the city the township does. */
const URBAN_MANAGEMENT = '市城管局';
/** Share of 城管's points that go to the township when the text is in a rural township. */
const RURAL_URBAN_SHARE = 0.5;
/** The township whose streets are the city proper: there 城管 owns roads, lights and rubbish. */
const URBAN_SEAT = '象湖镇';
const VILLAGE_CONTEXT = /[\u4e00-\u9fff]村|村里|村民|组里|村小组|我们组|圩上|乡里|镇上|乡下|农村|老家/u;
const COMMUNITY_CONTEXT = /社区|居委会|居民委员会|网格员/u;

/** Greetings, fillers and the words for "a matter" that carry none. */
const EMPTY_WORDS = /喂|你好|您好|请问|麻烦|谢谢|师傅|同志|领导|工作人员|我想|我要|想|要|反映|咨询|投诉|举报|问|说|讲|一下|一个|有个|有|个|事情|事儿|事|情况|问题|这个|那个|这样|就是|嗯|啊|哦|呃|哈|吧|呢|吗|了|的|我们|我|你们|你|在|是|能不能|可以|帮忙|帮|[\s\p{P}0-9]/gu;

/** Whether a text holds no content word at all once greetings and fillers are gone. */
function saysNothing(text: string): boolean {
  return text.replace(EMPTY_WORDS, '').length < 2;
}

type Locality = 'village' | 'rural' | 'community' | 'urban';

/** Where the matter happens, as far as the township's duties are concerned. */
function localityOf(text: string, township: string | null): Locality | null {
  if (township === URBAN_COMMUNITY) return 'community';
  if (township !== null) {
    if (VILLAGE_CONTEXT.test(text)) return 'village';
    return township === URBAN_SEAT ? 'urban' : 'rural';
  }
  if (COMMUNITY_CONTEXT.test(text) && !VILLAGE_CONTEXT.test(text)) return 'community';
  return null;
}
function sameTraining(a: UrgencyState['trainedWith'], b: UrgencyState['trainedWith']): boolean {
  return a.urgentPositiveWeight === b.urgentPositiveWeight && a.urgentBalance === b.urgentBalance && a.urgentL2 === b.urgentL2 && a.urgentEpochs === b.urgentEpochs;
}

/** Model probability below which it says nothing about a unit. */
const MODEL_FLOOR = 0.03;
const MODEL_ALONE_FLOOR = 0.35;
function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/**
 * One segmenter per duty list (and factory): loading jieba's dictionary is most of the load time,
 * and cross-validation builds several classifiers over the same list.
 */
const segmenters = new WeakMap<SegmenterFactory, WeakMap<DutyList, Segmenter>>();
/** Likewise one homophone corrector per duty list and source: it scans the language's words once. */
const correctors = new WeakMap<HomophoneSource, WeakMap<DutyList, HomophoneCorrector>>();

interface UnitHit {
  unit: string;
  weight: number;
  agency: boolean;
}

/** What a text looks like once read: words, masked places, sentence weights. */
export interface ReadText {
  text: string;
  masked: string;
  tokens: Token[];
  sentences: Sentence[];
  weightAt: (pos: number) => number;
  located: PlaceGuess;
  locality: Locality | null;
  /** Homophone typos put right before reading (设保卡 → 社保卡). */
  corrections: Correction[];
}

/**
 * The learned models see the kind of place a text is in, not its name (names are masked): a lamp
 * in a village is the township's, the same lamp on a city road 城管's, and only this tells them apart.
 */
const LOCALITY_FEATURE: Record<Locality, string> = { village: '词:@村内', rural: '词:@乡镇', community: '词:@社区', urban: '词:@城区' };

export class Classifier {
  readonly threshold: number;
  private readonly keywords = new PhraseIndex<UnitHit>();
  private readonly units: Map<string, DutyUnit>;
  private readonly townshipNames: Set<string>;
  private readonly places: PlaceFinder;
  private readonly segmenter: Segmenter;
  private readonly urgency: LearnedUrgency | null;
  private readonly corrector: HomophoneCorrector | null;
  readonly model: RoutingModel | null;

  constructor(
    private readonly dutyList: DutyList,
    opts: ClassifierOptions,
  ) {
    const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
    if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be within 0..1, got ${threshold}`);
    this.threshold = threshold;
    this.units = new Map(dutyList.units.map((u) => [u.name, u]));
    this.townshipNames = new Set(dutyList.townships.map((t) => t.name));
    for (const u of dutyList.units) for (const [phrase, weight] of u.keywords) this.keywords.add(phrase, { unit: u.name, weight, agency: AGENCY.test(phrase) });
    if (dutyList.townshipDuties) {
      for (const [phrase, weight] of dutyList.townshipDuties.keywords) this.keywords.add(phrase, { unit: TOWNSHIP_CLASS, weight, agency: false });
    }
    this.places = new PlaceFinder(dutyList.townships);
    let perList = segmenters.get(opts.segmenter);
    if (!perList) segmenters.set(opts.segmenter, (perList = new WeakMap()));
    let segmenter = perList.get(dutyList);
    if (!segmenter) {
      const urgentPhrases = dutyList.urgent.flatMap((r) => r.phrases);
      segmenter = opts.segmenter([...this.keywords.phrases(), ...this.places.words(), ...urgentPhrases]);
      perList.set(dutyList, segmenter);
    }
    this.segmenter = segmenter;
    this.corrector = opts.homophones ? this.homophoneCorrector(opts.homophones) : null;
    const examples = this.loadExamples(opts);
    this.urgency = examples ? this.urgencyModel(opts, examples) : null;
    this.model = opts.model !== undefined ? opts.model : this.unitModel(opts, examples);
  }

  private homophoneCorrector(source: HomophoneSource): HomophoneCorrector {
    let perList = correctors.get(source);
    if (!perList) correctors.set(source, (perList = new WeakMap()));
    let corrector = perList.get(this.dutyList);
    if (!corrector) {
      // The units' phrases only: a 即办 phrase sounded out of an ordinary text (被人撕了 → 人死了)
      // would page a duty officer for nothing.
      const phrases = [...this.keywords.phrases()];
      perList.set(this.dutyList, (corrector = new HomophoneCorrector(phrases, source)));
    }
    return corrector;
  }

  private loadExamples(opts: ClassifierOptions): readonly RoutingExample[] | null {
    const examples = opts.examples === undefined ? (opts.builtin?.examples ?? null) : opts.examples;
    if (examples === null) return null;
    const known = new Set([...this.dutyList.units.map((u) => u.name), ...this.townshipNames]);
    if (examples.filter((e) => known.has(e.unit)).length * 2 < examples.length) return null;
    return examples;
  }

  /**
   * The shipped 即办 model is stored beside the shipped unit model (npm run train:builtin) and used
   * when that file fits this duty list and the shipped examples: training it again at every start
   * costs a second or more per process, and more with every example a city adds.
   */
  private urgencyModel(opts: ClassifierOptions, examples: readonly RoutingExample[]): LearnedUrgency {
    const params = { ...DEFAULT_LEARNED_PARAMS, ...opts.learned };
    const stored = opts.examples === undefined && opts.builtin ? builtinRoutingModel(this.dutyList, opts.builtin)?.urgency : undefined;
    if (stored && sameTraining(stored.trainedWith, trainingParams(params))) return LearnedUrgency.fromState(stored, params);
    return new LearnedUrgency(examples, (t) => this.urgentFeatures(t), params);
  }

  /** The 即办 model as stored in a routing model file (train:builtin keeps it with the unit model). */
  urgencyState(): UrgencyState | null {
    return this.urgency ? this.urgency.state() : null;
  }

  private unitModel(opts: ClassifierOptions, examples: readonly RoutingExample[] | null): RoutingModel | null {
    if (examples === null) return null;
    // The default: the shipped model when it matches this duty list and the shipped examples;
    // anything else (a test's examples, an edited list) is trained here, which takes seconds.
    if (opts.examples === undefined && opts.builtin) {
      const shipped = builtinRoutingModel(this.dutyList, opts.builtin);
      if (shipped) return shipped;
      return trainRoutingModel(this.dutyList, opts.builtin.trainingExamples(), (t) => this.modelFeatures(t), { source: 'builtin' });
    }
    return trainRoutingModel(this.dutyList, examples, (t) => this.modelFeatures(t));
  }

  private vocabulary: JointVocabulary | null = null;

  /** Built on first use: the unit model is trained (or loaded) after the 即办 model in the constructor. */
  private joint(): JointVocabulary {
    this.vocabulary ??= new JointVocabulary(this.model ? this.model.unit.data.features.map(featureKey) : [], this.urgency?.featureKeys() ?? []);
    return this.vocabulary;
  }

  private bounds = new Uint8Array(0);

  /**
   * Where words start and end (a phrase counts fully only when it is a whole word or words). A
   * scratch array reused across calls: a Set per call was the classifier's largest allocation.
   */
  private wordBounds(tokens: readonly Token[], length: number): Uint8Array {
    if (this.bounds.length < length + 1) this.bounds = new Uint8Array(Math.max(length + 1, this.bounds.length * 2));
    const b = this.bounds;
    b.fill(0, 0, length + 1);
    for (const t of tokens) {
      b[t.start] |= WORD_START;
      b[t.end] |= WORD_END;
    }
    return b;
  }

  /** The 即办 model learns from the same reading of a text as the unit model. */
  private urgentFeatures(text: string): FeatureKey[] {
    return [...this.modelFeatures(text).keys()];
  }

  /** The features the unit model sees of a raw text (training and classification alike). */
  modelFeatures(rawText: string): Map<FeatureKey, number> {
    const r = this.read(rawText);
    const features = weightedFeatures(r.masked, r.tokens, r.sentences);
    if (r.locality) features.set(LOCALITY_FEATURE[r.locality], 1);
    return features;
  }

  /** Segmentation with this classifier's dictionary, for callers that want the same words. */
  tokens(text: string): Token[] {
    return tokensOf(this.segmenter, normalizeText(text));
  }

  read(rawText: string): ReadText {
    const typed = normalizeText(rawText);
    // Place names are never corrected, so their spans hold for the corrected text too.
    const placeSpans = this.places.spans(typed);
    const corrections = this.corrector ? this.corrector.find(typed, placeSpans) : [];
    const text = HomophoneCorrector.apply(typed, corrections);
    const tokens = tokensOf(this.segmenter, text);
    const masked = maskPlaces(text, placeSpans, tokens);
    const sentences = splitSentences(masked);
    const located = this.places.find(text, tokens);
    return { text, masked, tokens, sentences, weightAt: weightAt(sentences), located, locality: localityOf(text, located.township), corrections };
  }

  classify(rawText: string): Classification {
    const r = this.read(rawText);
    const { text, masked, tokens } = r;
    const long = text.length >= LONG_TEXT;
    const bounds = this.wordBounds(tokens, text.length);

    const matches = keepMostSpecific(this.keywords.findAll(masked));
    const scores = scoreUnits(matches, bounds, r.weightAt, text.length, masked);

    const urgentHits = detectUrgent(masked, this.dutyList.urgent, tokens);
    const acute = urgentHits.filter((h) => h.level === 'urgent');
    // Rules are in priority order; a first rule with unit null (路面塌陷) means "the owner acts",
    // and a later rule (房屋倒塌, fired by the same 塌) must not pull the ticket elsewhere.
    const actor = acute[0];
    if (actor?.rule.unit) {
      const s = scores.get(actor.rule.unit) ?? newScore();
      // Enough to beat a phrase of another unit's list; the model's share comes below, only when
      // the 即办 model agrees that this is an emergency.
      s.score += URGENT_BONUS;
      s.evidence.push(`即办:${actor.rule.label}(${actor.trigger})`);
      scores.set(actor.rule.unit, s);
    }

    // One walk over the text's n-grams and words feeds both learned models.
    const model = this.model;
    const urgency = this.urgency;
    const joint = this.joint();
    if (model || urgency) {
      walkFeatures(masked, tokens, r.sentences, joint);
      if (r.locality) joint.word(LOCALITY_FEATURE[r.locality], 1);
    }
    // The 即办 model reads the same n-grams and words as the unit model.
    const { vector, urgentVote } = joint.take((tfSeen, tf, urgentSeen) => ({
      vector: model ? model.unit.weighSeen(tfSeen, tf) : null,
      urgentVote: urgency?.voteIndices(urgentSeen),
    }));
    // An emergency both the rule and the 即办 model see goes to the unit that acts even where the
    // model and a place agree on another (水库边有人落水 → 消防, not 水利): the acting unit also gets
    // the model's weight, in the measure the 即办 model agrees. Where it does not, the trigger is
    // often false or the rule's unit not the owner (联通的线杆被风刮斜 → 联通, not 供电), and a sure
    // unit model outweighs the fixed bonus (session 12: the full bonus on every acute hit sent 41
    // of 3,407 development requests wrongly to the rule's unit).
    if (actor?.rule.unit && model && urgentVote) scores.get(actor.rule.unit)!.score += modelWeightFor(model, text.length) * urgentVote.agreement;
    let probs: Float64Array | null = null;
    if (model && vector) {
      probs = softmaxOf(model.unit.scoresOf(vector.idx, vector.val), model.unit.temperature);
      const w = modelWeightFor(model, text.length);
      // With no phrase of the list in the text, the model alone must be fairly sure to suggest a
      // unit: "喂,你好" has no owner.
      const alone = scores.size === 0 && acute.length === 0;
      // A text that says nothing but that it has something to say (你好,有个情况想说一下) has no
      // matter for the model to read: its few words only echo the classes' priors.
      const floor = alone ? (saysNothing(text) ? Infinity : MODEL_ALONE_FLOOR) : MODEL_FLOOR;
      // Alone, the model's first choice is still named (it is the CLI's `unit`, and an operator's
      // first suggestion); below the floor its confidence sends the ticket to the manual queue.
      const best = alone && floor !== Infinity ? argmax(probs) : -1;
      probs.forEach((p, i) => {
        if (p < floor && i !== best) return;
        const unit = model.unit.classes[i];
        const s = scores.get(unit) ?? newScore();
        s.score += w * p;
        s.model = p;
        scores.set(unit, s);
      });
    }

    const { located, locality } = r;
    const { township, place } = located;
    // Inside a village (or anywhere in a rural township) the village's own roads, lights, water,
    // rubbish and its people's disputes are the township's, not 城管's or a county office's (the
    // 职责清单's boundary between the urban area and the townships).
    // A township matter said of a 社区 or 居委会 in town, with no township named, belongs to the
    // 城市社区 office.
    const routeTo = township ?? (locality === 'community' ? URBAN_COMMUNITY : null);
    if (locality === 'village' || locality === 'rural') {
      // Outside the city 城管 does not sweep, light or police stalls: a rural township's 集镇 and its
      // villages do that themselves (the 职责清单's boundary), so 城管's points go to the township.
      moveShare(scores, URBAN_MANAGEMENT, TOWNSHIP_CLASS, '城区以外的市容环卫事项');
    }
    if (locality === 'urban' && place !== null && !place.startsWith(URBAN_SEAT.slice(0, 2))) {
      // The mirror image: in the urban seat's streets (红都大道) the lamps, roads and rubbish that a
      // village looks after itself are 城管's, so the township's share learned from villages moves.
      // A text that names 象湖镇 itself speaks to the township government.
      moveShare(scores, TOWNSHIP_CLASS, URBAN_MANAGEMENT, '城区的乡镇职责事项归城管');
    }
    if (locality !== 'urban' && locality !== null) {
      const townshipScore = scores.get(TOWNSHIP_CLASS) ?? newScore();
      // 属地管理: what happens inside a village is first the township's, unless the text names a
      // matter the list gives a county office; a township phrase makes it the township's.
      // A long message names its township and 社区 in passing; only a village named stays as strong.
      const scale = locality === 'village' || text.length <= PHRASE_SCALE_FROM ? 1 : Math.pow(PHRASE_SCALE_FROM / text.length, 0.75);
      const phraseBonus = townshipScore.score > 0 ? (locality === 'village' ? VILLAGE_BONUS : locality === 'rural' ? RURAL_BONUS : COMMUNITY_BONUS) * scale : 0;
      const bonus = phraseBonus + (text.length < PHRASE_SCALE_FROM ? LOCAL_PRIOR[locality] : 0);
      if (bonus > 0) {
        townshipScore.score += bonus;
        townshipScore.evidence.push(`${locality === 'community' ? '社区' : locality === 'village' ? '村内' : '乡镇内'}事项(+${round2(bonus)})`);
        scores.set(TOWNSHIP_CLASS, townshipScore);
      }
    }
    let ranked = [...scores.entries()]
      .map(([unit, s]) => ({ unit, score: round2(s.score), evidence: s.evidence, model: s.model }))
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.unit.localeCompare(b.unit, 'zh'));
    // Township matters go to the township the text is in; without a place they cannot go anywhere.
    const townshipRank = ranked.findIndex((s) => s.unit === TOWNSHIP_CLASS);
    let townshipUnplaced = false;
    if (townshipRank >= 0) {
      if (routeTo && this.townshipNames.has(routeTo)) {
        ranked[townshipRank] = { ...ranked[townshipRank], unit: routeTo, evidence: [...ranked[townshipRank].evidence, township ? `乡镇职责,地点在${township}` : '社区事务,城区社区'] };
      } else {
        townshipUnplaced = townshipRank === 0;
        ranked = ranked.filter((s) => s.unit !== TOWNSHIP_CLASS);
      }
    }
    // The model's reasons cost a pass over the features per unit, so only the units shown get them.
    if (model && vector) {
      for (const [i, s] of ranked.slice(0, 3).entries()) {
        if (s.model === undefined) continue;
        const cls = model.unit.classIndex(this.townshipNames.has(s.unit) ? TOWNSHIP_CLASS : s.unit);
        const rivalUnit = i === 0 ? ranked[1]?.unit : ranked[0].unit;
        const rival = rivalUnit ? model.unit.classIndex(this.townshipNames.has(rivalUnit) ? TOWNSHIP_CLASS : rivalUnit) : -1;
        const reasons = readableReasons(model.unit.reasonsOf(vector.idx, vector.val, cls, rival, 24), 3);
        s.evidence = [...s.evidence, `模型${Math.round(s.model * 100)}%(+${round2(modelWeightFor(model, text.length) * s.model)})${reasons.length ? ':' + reasons.join('、') : ''}`];
      }
    }
    const top = ranked[0];
    // With no phrase of the list behind it, the model's own probability bounds the confidence
    // (squared: a coin toss between two units is not half sure).
    const modelOnly = top !== undefined && top.model !== undefined && top.score <= round2((model ? modelWeightFor(model, text.length) : 0) * top.model) + 0.01;
    const confidence = !top ? 0 : modelOnly ? round2(Math.min(confidenceOf(top.score, ranked[1]?.score ?? 0), top.model! * top.model!)) : confidenceOf(top.score, ranked[1]?.score ?? 0);
    const unit = top ? top.unit : null;

    // Two independent voices agreeing (a safety-net rule in context and the model trained on past
    // 即办) are as good as one acute rule.
    // A risk wording (怕, 万一) or a bare 很危险 stays 待核实 whatever the model says.
    const corroborated =
      acute.length === 0 && urgentVote?.flagged === true
        ? urgentHits.filter((h) => h.level === 'check' && !h.cue.startsWith('风险措辞') && !h.cue.startsWith('长篇') && h.rule.id !== 'distress')
        : [];
    // The model alone, very sure, on a short text that reads as a present event (no risk, past,
    // question or lasting condition anywhere): a calm report no rule words (一股臭鸡蛋那种味道).
    const modelSure = acute.length === 0 && urgentVote !== undefined && urgentVote.flagged && urgentVote.probability >= MODEL_SURE && textReadsAsEvent(masked) === null;
    const urgent = acute.length > 0 || corroborated.length > 0 || modelSure;
    const checks = urgentHits.filter((h) => h.level === 'check');
    const byModel = !urgent && urgentVote?.flagged === true;
    const urgentCheck = !urgent && (checks.length > 0 || byModel);
    const urgentCheckReasons = urgent ? [] : [...checks.map((h) => `${h.rule.label.replace(/\(请核实\)$/u, '')}:${h.cue}`), ...(byModel ? [MODEL_URGENT_REASON] : [])];
    const category = detectCategory(text, (unit && this.units.get(unit)?.categories) || [], urgent || urgentCheck);

    const evidence: string[] = [];
    if (top) evidence.push(...top.evidence.map((e) => `${top.unit}:${e}`));
    if (townshipUnplaced) evidence.push('乡镇职责事项,但未能确定乡镇,请人工确认');
    for (const h of urgentHits) evidence.push(`${h.level === 'urgent' ? '即办' : '待核实'}「${h.rule.label}」:${h.trigger}(${h.cue})`);
    if (urgentVote?.flagged) evidence.push(`即办模型 ${Math.round(urgentVote.probability * 100)}%:${urgentVote.reasons.map(showWord).join('、')}`);
    if (category.cues.length > 0) evidence.push(`类别「${category.category}」:${category.cues.join('、')}`);
    if (township) evidence.push(`乡镇「${township}」:${place ?? township}`);
    for (const c of r.corrections) evidence.push(`同音纠正:${c.from}→${c.to}`);

    return {
      unit,
      category: category.category,
      urgent,
      urgentReasons: [...[...acute, ...corroborated].map((h) => h.rule.label), ...(modelSure ? [MODEL_SURE_REASON] : [])],
      urgentCheck,
      urgentCheckReasons,
      township,
      place,
      confidence,
      evidence,
      suggestions: ranked.slice(0, 3).map(({ unit: u, score, evidence: e }) => ({ unit: u, score, evidence: e })),
      needsManualDispatch: unit === null || townshipUnplaced || confidence < this.threshold,
      keywords: [...new Set(matches.map((m) => m.phrase))],
    };
  }
}

export type { UrgentHit };

/** Characters that make an n-gram filler when shown as evidence (的、了、我们). */
const FILLER = /[的了是在我你他她们这那就都也还很有和与把被对给吗呢啊吧个一不没说要会到去来上下里]/u;

function showWord(f: string): string {
  // A locality feature (词:@村内) reads as where the matter is: 地点在村内.
  return f.startsWith('词:@') ? `地点在${f.slice(3)}` : f.startsWith('词:') ? f.slice(2) : f;
}

/** The model's reasons as an operator reads them: words and content n-grams, no filler. */
function readableReasons(features: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (const f of features) {
    const w = showWord(f);
    if (w.length < 2 || (!f.startsWith('词:') && FILLER.test(w))) continue;
    if (out.some((o) => o.includes(w) || w.includes(o))) continue;
    out.push(w);
    if (out.length >= n) break;
  }
  return out;
}

/** The model's weight for a text of this length (a long message leans more on the model). */
function modelWeightFor(model: RoutingModel, length: number): number {
  return length >= LONG_TEXT ? (model.meta.modelWeightLong ?? model.meta.modelWeight) : model.meta.modelWeight;
}

interface UnitScore {
  score: number;
  evidence: string[];
  /** Best contribution per phrase: a phrase said twice is still one piece of evidence. */
  seen: Map<string, number>;
  model?: number;
}

/** Moves RURAL_URBAN_SHARE of one unit's points to another (the 职责清单's urban/rural boundary). */
function moveShare(scores: Map<string, UnitScore>, from: string, to: string, why: string): void {
  const source = scores.get(from);
  if (!source || source.score <= 0) return;
  const moved = round2(source.score * RURAL_URBAN_SHARE);
  source.score -= moved;
  const target = scores.get(to) ?? newScore();
  target.score += moved;
  target.evidence.push(`${why}(+${moved})`);
  scores.set(to, target);
}

function newScore(): UnitScore {
  return { score: 0, evidence: [], seen: new Map() };
}

/** Word boundaries of a text: bit 1 = a word starts here, bit 2 = a word ends here. */
const WORD_START = 1;
const WORD_END = 2;

/** Whether the clause after an agency named at [start, end) says it disowned the matter (城管说不归他们). */
function disclaimed(text: string, start: number, end: number): boolean {
  let b = end;
  while (b < text.length && !CLAUSE_END.test(text[b])) b++;
  return DISCLAIMER.test(text.slice(end, b));
}

function scoreUnits(matches: PhraseMatch<UnitHit>[], bounds: Uint8Array, at: (pos: number) => number, length: number, text: string): Map<string, UnitScore> {
  const scores = new Map<string, UnitScore>();
  const long = length >= LONG_TEXT;
  // A long message collects phrases of many units in passing; their sum grows with the length
  // while the model's share does not, so phrase points shrink as 1/sqrt(length) past PHRASE_SCALE_FROM.
  const lengthFactor = length > PHRASE_SCALE_FROM ? Math.pow(PHRASE_SCALE_FROM / length, 0.75) : 1;
  // An agency that disowned the matter once (打了交警电话, 交警说要找城管) is not its owner anywhere in the text.
  const disowned = new Set(matches.filter((m) => m.payload.some((h) => h.agency) && disclaimed(text, m.start, m.end)).map((m) => m.phrase));
  for (const m of matches) {
    const aligned = (bounds[m.start] & WORD_START) !== 0 && (bounds[m.end] & WORD_END) !== 0;
    const where = at(m.start);
    for (const hit of m.payload) {
      const agency = hit.agency ? (disowned.has(m.phrase) ? DISCLAIMED_FACTOR : long ? AGENCY_FACTOR_LONG : 1) : 1;
      const factor = (aligned ? 1 : UNALIGNED_FACTOR) * where * agency * lengthFactor;
      const value = round2(hit.weight * factor);
      const s = scores.get(hit.unit) ?? newScore();
      const before = s.seen.get(m.phrase) ?? 0;
      if (value > before) {
        s.seen.set(m.phrase, value);
        s.score += value - before;
        const note = value === hit.weight ? '' : `,×${round2(factor)}${aligned ? '' : '词内'}`;
        const label = `${m.phrase}(+${hit.weight}`;
        s.evidence = s.evidence.filter((e) => !e.startsWith(label));
        s.evidence.push(`${label}${note})`);
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
