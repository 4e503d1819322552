/**
 * 即办 detection, in two levels. `urgent` pages the unit's duty person now, at any hour, so it is
 * kept for an acute event: a rule about something happening to someone (着火, 被困, 煤气味),
 * found in a present, un-negated context. `check` (待核实) is a possible danger that an operator
 * should look at first: a hedged or risk sentence (万一, 隐患, 容易), a broad safety-net rule (a
 * lone 危险, a hazard character), or the learned model alone. A 待核实 item still pages when
 * nobody decides in time, so no danger is dropped; the levels only decide who is woken first.
 *
 * Context is read in the sentence of the trigger:
 * - negated (没有着火) or past/resolved (上周, 已经扑灭) or administrative (补贴, 赔偿, 法律援助)
 *   → no flag, unless a present-danger cue (现在, 正在, 刚刚, 闻到, 还在) is also there;
 * - hedged (万一, 怕, 可能, 隐患) → 待核实 unless a present cue is there;
 * - a pattern match that begins or ends inside a longer word (烟 of 油烟, 倒 of 倒垃圾) does not count.
 * An explicit `except` phrase of the rule (烟囱冒烟) hides that occurrence.
 */
import type { UrgentRule } from './duty-list.js';
import { PatternScanner } from './pattern-scan.js';
import { PhraseIndex } from './phrase-index.js';
import type { Token } from './segmenter.js';

export type UrgencyLevel = 'urgent' | 'check';

export interface UrgentHit {
  rule: UrgentRule;
  /** The phrase or pattern text that fired, for the operator. */
  trigger: string;
  start: number;
  level: UrgencyLevel;
  /** Why this level, in Chinese for the desk: 现在时(正在)、风险措辞(万一)… */
  cue: string;
}

const SENTENCE = /[。!?;\n!?;]/u;
const CLAUSE_END = /[。!?;\n!?;,,、]/u;
// 到现在/至今 counts the time since the event (去年冲坏的桥到现在都没修), not the present; except
// for someone missing, where the time since 昨天 is itself the danger (昨天出门到现在还没回来).
const NOW_IN_CLAUSE = /((?<![到至])(现在|目前)|此时|这时候|正在|刚刚|刚才)/u;
const NOW_IN_CLAUSE_MISSING = /(现在|目前|此时|这时候|正在|刚刚|刚才)/u;
/**
 * A present-danger cue next to the trigger. Only these override a negation, a past, a resolution,
 * an administrative question or a risk wording; 现在 alone does not (现在住在娘家, 现在没问题了:
 * a narrative's present, not an emergency's).
 */
const PRESENT = /(正在|刚刚|刚才|此刻|这会儿|眼下|一直在|(?<!尽)快来|(?<!尽)快派|(赶紧|赶快|马上|快点)(派|来人|过来|救)|救命(?![钱稻])|来不及|越来越|还在(涨|冒|烧|漏|往外|扩大|蔓延|掉|晃|响|渗|塌)|被困|困在|喊救命)/u;
/** Almost happened (差点打起来, 差一点砸到): nobody is hurt now; an operator reads it first. */
const NEAR_MISS = /(差点|差一点|险些|几乎)(儿)?(要|就|被|给)?$/u;
const NEGATION = /(没有|没|不是|并未|未曾|未|并没有|无|不会|不再|别|防止|防|以为)$/u;
const HEDGE = /((很|太|挺|非常|特别|多|真|好|相当)(的)?危险|看着.{0,4}(危险|吓人)|万一|真要|要是真|真的要|容易|怕|担心|害怕|恐怕|隐患|风险|不安全|会不会|以防|预防|迟早|早晚|一旦|如果|要是|假如|随时可能|不及时|存在安全)/u;
const PAST = /(上个?季度|上半年|去年|前年|前些年|前几年|前两年|那几年|那年|有一年|长期|经常|好几次|多次|总是|老是|一直被|昨天|昨晚|前天|前两天|前几天|[0-9一二三四五六七八九十几两]+(年|个月|天|周)前|[0-9一二三四五六七八九十]+月(份|底|初|中旬|下旬)?|[0-9]{4}年|年初|年底|春节前|过年前|上周|上个?星期|上个?月|去年|前年|上次|以前|之前|当时|那天|那次|前段时间|几个月前|年前|已经(处理|解决|修好|灭|扑灭|好了|出院|过去|治好|结束|报警)|已(处理|解决|修复|扑灭|治愈)|事后|后来|早就|曾经|过去了)/u;
/** The event is over: 已经灭了, 没有漏气, 虚惊一场. Only an ongoing cue next to the trigger overrides it. */
const RESOLVED = /(已经.{0,6}(灭|好了|修好|处理|没事|扑灭|断电|关了|送医|出院|过去)|当场.{0,4}(修好|处理|灭)|(没有|没|并没有|并未)(着火|起火|烧起来|漏气|人受伤|受伤|出事|危险|大碍)|虚惊|误会|误报|灭了|修好了|处理好了|没事了|一看(是|原来)|原来是|结果是|只是在)/u;
const CONTRAST = /(但是|可是|不过|然而|但)/gu;
const ONGOING = /(还在|一直在|越来越|正在|仍在|又开始|不停)/u;
/** Asking about a matter (咨询, 想问, 怎么申请) rather than reporting a danger. */
const ASKING = /(调解|协调|谁管|归谁管|哪个部门|找谁|找哪个|咨询|想请|请有关部门|想问|请问|问一下|问问|怎么申请|如何申请|能不能申请|可以申请|申请|需不需要|要不要|谁(来)?负责|谁来管|收费|罚款|保护令|备案|补办|怎么处理才|有没有(政策|补助|规定)|多少钱|(去|在)?哪(里|儿)?(能)?买|怎么买|(什么|么子|啥|哪些)材料|要去哪)/u;
/** A condition that has lasted (一直没修, 好几天了): a service fault, not an emergency. */
const CHRONIC = /(一直(没|冇)(修|人管|人修|处理|解决)|拖了|[到至](现在|今|目前)(都|还)?(没|冇|不)|至今|一下雨|每逢|(找|打|反映|报)了?.{0,4}几次|好几天|几天了|[半一二三四五六七八九十两几]+(个)?(天|星期|礼拜|月|年)(了|都|还|没)|年年|每年|很久|好久|好长时间|很长时间|长时间|一段时间|老半年|大半年|一个?(礼拜|星期|月)(都|了|还|没)|多年|常年|经常|每天|天天|每次|一到|一下雨就|一天到晚|成天|每天晚上|天天晚上)/u;
const ADMIN = /(造谣|谣言|辟.{0,2}谣|没这回事|是不是真的|传得|视频(上|里)?(说|讲)|网上(说|讲|传)|补贴|救助金|救济金|慰问金|法律援助|质量纠纷|质量问题|赔偿|理赔|保险|补偿|报销|鉴定|起诉|判决|仲裁|维权|退款|索赔|政策|怎么办理|手续|报案回执|事故认定|责任认定|医药费|工伤认定|追责|问责|处理结果|调查结果|整改|不给(换|退|修|维修|赔|处理)|不肯(换|退|修|赔)|售后|三包)/u;

/** How far from a trigger a present cue may stand. */
const NEAR = 14;
/** A written account that opens by saying it is an emergency (紧急！救命！). */
const URGENT_OPENING = /(紧急|十万火急|救命|快来人|求救)[!！]/u;
/** How far into a text (a title and the first words) such an opening is looked for. */
const OPENING = 40;
/** Texts this long are written accounts (see Context.judge). */
const LONG_ACCOUNT = 200;

export function detectUrgent(text: string, rules: readonly UrgentRule[], tokens: readonly Token[] = []): UrgentHit[] {
  const ctx = new Context(text, tokens);
  const candidates = new Map<number, { trigger: string; start: number; end: number }[]>();
  for (const m of phraseIndexFor(rules).findAll(text)) {
    for (const i of m.payload) {
      if (insideException(text, m.start, m.end, rules[i].except)) continue;
      const list = candidates.get(i) ?? [];
      list.push({ trigger: m.phrase, start: m.start, end: m.end });
      candidates.set(i, list);
    }
  }
  const patterns = patternsFor(rules);
  const scan = patterns.scanner.prepare(text);
  const hits: UrgentHit[] = [];
  rules.forEach((rule, i) => {
    const found = [...(candidates.get(i) ?? []), ...patternMatches(text, rule, ctx, scan, patterns.offsets[i])];
    let best: UrgentHit | null = null;
    for (const f of found) {
      const judged = ctx.judge(rule, f.start, f.end);
      if (!judged) continue;
      if (!best || (judged.level === 'urgent' && best.level === 'check')) best = { rule, trigger: f.trigger, start: f.start, ...judged };
      if (best.level === 'urgent') break;
    }
    if (best) hits.push(best);
  });
  return hits;
}

/**
 * Whether a whole text reads as a present event: no risk wording, past, resolution, question,
 * administrative framing or lasting condition anywhere, and not a long written account. Used for
 * a danger only the learned model recognised (it has no trigger to read the context around).
 * Returns the cue that speaks against it, or null.
 */
export function textReadsAsEvent(text: string): string | null {
  if (text.length >= LONG_ACCOUNT) return '长篇叙述';
  for (const re of [HEDGE, PAST, RESOLVED, ASKING, ADMIN, CHRONIC]) {
    const m = re.exec(text);
    if (m) return m[0];
  }
  return null;
}

class Context {
  private readonly administrative: boolean;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {
    this.administrative = ADMIN.test(text) || ASKING.test(text);

  }

  /** The trigger's clause: from the comma (or sentence end) before it to the one after it. */
  commaClause(start: number, end: number): string {
    let s = start;
    while (s > 0 && !CLAUSE_END.test(this.text[s - 1])) s--;
    let e = end;
    while (e < this.text.length && !CLAUSE_END.test(this.text[e])) e++;
    return this.text.slice(s, e);
  }

  /** The trigger with a few characters either side, within its sentence. */
  near(start: number, end: number): string {
    let s = start;
    while (s > 0 && start - s < NEAR && !SENTENCE.test(this.text[s - 1])) s--;
    let e = end;
    while (e < this.text.length && e - end < NEAR && !SENTENCE.test(this.text[e])) e++;
    return this.text.slice(s, e);
  }

  /**
   * Where the trigger's own clause starts: its sentence's start, or just after the last 但是 before
   * the trigger's end (孩子不见了的事已经解决了,但是弟弟的孩子不见了 is judged on its second half).
   */
  clauseStart(end: number): number {
    let s = end;
    while (s > 0 && !SENTENCE.test(this.text[s - 1])) s--;
    let cut = s;
    for (const m of this.text.slice(s, end).matchAll(CONTRAST)) cut = s + m.index + m[0].length;
    return cut;
  }

  /** From the trigger's clause to the end of the text: where a resolution (已经灭了) would be told. */
  rest(end: number): string {
    return this.text.slice(this.clauseStart(end));
  }

  clause(start: number, end: number): string {
    let e = end;
    while (e < this.text.length && !SENTENCE.test(this.text[e])) e++;
    return this.text.slice(this.clauseStart(end - 1), e);
  }

  /** null: this occurrence is not a danger at all. */
  judge(rule: UrgentRule, start: number, end: number): { level: UrgencyLevel; cue: string } | null {
    // The trigger's sentence, from the last 但是 before its end: 孩子不见了的事已经解决了,但是弟弟的
    // 孩子不见了 is judged on its second half.
    const sentence = this.clause(start, end);
    // "现在" thirty characters away in a long narrative sentence is not about this trigger.
    const present = PRESENT.exec(this.near(start, end))?.[0];
    const before = this.text.slice(Math.max(0, start - 4), start).replace(/[,,\s]/gu, '');
    const negation = NEGATION.exec(before)?.[0];
    if (negation && !present) return null;
    if (RESOLVED.test(this.rest(end - 1)) && !ONGOING.test(this.near(start, end))) return null;
    if (!present) {
      // A past cue in the sentence ends it, unless the trigger's own clause says now (昨晚刮大风，…，
      // 现在树干靠在电线上 is happening now).
      const now = rule.id === 'missing' ? NOW_IN_CLAUSE_MISSING : NOW_IN_CLAUSE;
      const past = now.test(this.commaClause(start, start + 1)) ? undefined : PAST.exec(sentence)?.[0];
      if (past) return null;
      if (this.administrative) return null;
    }
    if (present) return { level: 'urgent', cue: `现在时(${present})` };
    const nearMiss = NEAR_MISS.exec(this.text.slice(Math.max(0, start - 5), start))?.[0];
    if (nearMiss) return { level: 'check', cue: `未发生(${nearMiss})` };
    const hedge = HEDGE.exec(sentence)?.[0];
    if (hedge) return { level: 'check', cue: `风险措辞(${hedge})` };
    // The 走失 rule's own words are durations (两天没开门): there the duration is the danger.
    const chronic = rule.id === 'missing' ? undefined : CHRONIC.exec(sentence)?.[0];
    if (chronic) return { level: 'check', cue: `持续状况(${chronic})` };
    if (rule.tier === 'check') return { level: 'check', cue: '宽泛规则,无现在时' };
    // A long written account (a message-board post) without a present cue tells a story; an
    // emergency is rarely reported that way, so an operator reads it first.
    if (this.text.length >= LONG_ACCOUNT) {
      // A written account that says, in the trigger's own sentence, that it is happening now
      // (刚刚在国道上开,…,路中间塌了一个大坑) reports an emergency at length.
      const now = PRESENT.exec(sentence)?.[0] ?? URGENT_OPENING.exec(this.text.slice(0, OPENING))?.[0];
      return now ? { level: 'urgent', cue: `现在时(${now})` } : { level: 'check', cue: '长篇叙述,无现在时' };
    }
    return { level: 'urgent', cue: '事件' };
  }

  /**
   * A match of a broad rule (single hazard characters) that starts or ends inside a longer word:
   * 烟 of 油烟, 堵 of 堵死了的下水道. Specific rules are exempt: their matches start and end inside
   * words all the time (老屋里面着了, 电梯卡在); their single characters are fenced in the YAML.
   */
  splitsWord(start: number, end: number): boolean {
    for (const t of this.tokens) {
      if (t.end <= start) continue;
      if (t.start >= end) break;
      if (t.start < start && t.end > start && t.end - t.start >= 2) return true;
      if (t.start < end && t.end > end && t.end - t.start >= 2) return true;
    }
    return false;
  }
}

/**
 * All rules' phrases in one index, built once per rule list: looking each of several hundred
 * phrases up with indexOf took most of the classifier's time.
 */
const phraseIndexes = new WeakMap<readonly UrgentRule[], PhraseIndex<number>>();

function phraseIndexFor(rules: readonly UrgentRule[]): PhraseIndex<number> {
  let index = phraseIndexes.get(rules);
  if (!index) {
    index = new PhraseIndex<number>();
    rules.forEach((rule, i) => {
      for (const phrase of new Set(rule.phrases)) index!.add(phrase, i);
    });
    phraseIndexes.set(rules, index);
  }
  return index;
}

/** All rules' patterns in one scanner (pattern-scan.ts), built once per rule list. */
const patternScanners = new WeakMap<readonly UrgentRule[], { scanner: PatternScanner; offsets: number[] }>();

function patternsFor(rules: readonly UrgentRule[]): { scanner: PatternScanner; offsets: number[] } {
  let found = patternScanners.get(rules);
  if (!found) {
    const offsets: number[] = [];
    const all: RegExp[] = [];
    for (const rule of rules) {
      offsets.push(all.length);
      all.push(...rule.patterns);
    }
    found = { scanner: new PatternScanner(all), offsets };
    patternScanners.set(rules, found);
  }
  return found;
}

/** At most a few occurrences per pattern: enough to find one in a present context. */
const MAX_PATTERN_MATCHES = 4;

function patternMatches(
  text: string,
  rule: UrgentRule,
  ctx: Context,
  scan: ReturnType<PatternScanner['prepare']>,
  offset: number,
): { trigger: string; start: number; end: number }[] {
  const out: { trigger: string; start: number; end: number }[] = [];
  rule.patterns.forEach((_re, j) => {
    let n = 0;
    scan(offset + j, (m) => {
      if (insideException(text, m.start, m.end, rule.except) || (rule.tier === 'check' && ctx.splitsWord(m.start, m.end))) return true;
      out.push({ trigger: m.text, start: m.start, end: m.end });
      return ++n < MAX_PATTERN_MATCHES;
    });
  });
  return out;
}

/**
 * A match inside an exception word (冒火花 for 冒火), or a pattern match whose last word runs on
 * into one (电线掉在路上还在冒火|花: sparks, not a fire).
 */
function insideException(text: string, start: number, end: number, except: readonly string[]): boolean {
  for (const ex of except) {
    for (let at = text.indexOf(ex); at >= 0; at = text.indexOf(ex, at + 1)) {
      if (at <= start && end <= at + ex.length) return true;
      if (start <= at && at < end && end < at + ex.length) return true;
    }
  }
  return false;
}
