/**
 * The 职责清单 (duty list) as validated data: which unit owns which matters, the place names of
 * each township, and the 即办 rules. The YAML lives in config/duty-list.yaml (read by
 * adapters/fs-config/routing.ts) and is edited by the hotline office, so every error names the
 * entry that is wrong, and all errors are reported at once rather than one per restart.
 */
import { parse as parseYaml } from 'yaml';
import { invalid } from '../errors.js';
import { CATEGORIES, type Category } from '../tickets/ticket.js';
import { normalizeText } from './normalize.js';

export interface DutyUnit {
  name: string;
  categories: Category[];
  /** Normalised phrase → weight (> 0). */
  keywords: Map<string, number>;
  examples: string[];
  boundary: string | null;
}

export interface Township {
  name: string;
  /** Normalised place names inside the township. */
  places: string[];
}

export interface UrgentRule {
  id: string;
  /** Chinese label shown to operators in urgentReasons. */
  label: string;
  /** The unit that acts on the scene; null keeps the unit that owns the matter. */
  unit: string | null;
  phrases: string[];
  /** Longer phrases containing a trigger that are not a danger (烟囱冒烟); a phrase or pattern match lying inside one is ignored. */
  except: string[];
  /** Compiled with the `g` flag; `{name}` placeholders of the YAML already replaced by the lexicon's words. */
  patterns: RegExp[];
  /**
   * acute: the rule names an event happening to someone (着火, 被困, 煤气味): a hit in a present,
   * un-negated context pages at once. check: a broad rule that only makes sure a possible danger
   * is seen (a lone 危险, a hazard character): its hits go to the operators' 待核实 list.
   */
  tier: 'acute' | 'check';
}

/** Matters a township government handles inside its own area (village affairs, village roads, neighbour disputes). */
export interface TownshipDuties {
  keywords: Map<string, number>;
  boundary: string | null;
}

/** A request type of the list (路灯损坏, 占道经营): what an Open311 client offers as a service. */
export interface Matter {
  /** Stable ASCII key from the YAML: the Open311 service_code. */
  code: string;
  name: string;
  /** The owning unit, the routing hint of a request filed under this matter; null = the classifier decides. */
  unit: string | null;
  category: Category;
  keywords: string[];
  description: string;
}

export interface DutyList {
  version: number;
  units: DutyUnit[];
  /** Request types (section `matters`), in the list's order; empty when the list has none. */
  matters: Matter[];
  townships: Township[];
  /** null when the list gives townships no matters of their own (they are then only places). */
  townshipDuties: TownshipDuties | null;
  urgent: UrgentRule[];
}

export interface DutyListExpectations {
  /** When given, the list must cover exactly these unit names (units.json). */
  units?: readonly string[];
  /** When given, the list must cover exactly these townships. */
  townships?: readonly string[];
}

const MAX_WEIGHT = 10;
const CATEGORY_SET: ReadonlySet<string> = new Set(CATEGORIES);

export function parseDutyList(yamlText: string, source = 'duty-list.yaml', expect: DutyListExpectations = {}): DutyList {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (e) {
    throw invalid('duty_list_invalid', `职责清单 ${source} 不是有效的 YAML:${(e as Error).message}`);
  }
  const errors: string[] = [];
  const list = validate(raw, errors, expect);
  if (errors.length > 0 || !list) {
    throw invalid('duty_list_invalid', `职责清单 ${source} 有 ${errors.length} 处错误:\n${errors.join('\n')}`, { errors });
  }
  return list;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: string[], where: string, errors: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) errors.push(`${where}: 未知字段 "${k}"(允许:${allowed.join(', ')})`);
  }
}

function stringList(v: unknown, where: string, errors: string[], opts: { min: number; minLength?: number }): string[] {
  if (v === undefined || v === null) {
    if (opts.min > 0) errors.push(`${where}: 缺少,至少需要 ${opts.min} 项`);
    return [];
  }
  if (!Array.isArray(v)) {
    errors.push(`${where}: 应为列表`);
    return [];
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    const s = typeof item === 'number' ? String(item) : item;
    if (typeof s !== 'string' || s.trim() === '') {
      errors.push(`${where}[${i}]: 应为非空文字`);
    } else if (opts.minLength && normalizeText(s.trim()).length < opts.minLength) {
      errors.push(`${where}[${i}] "${s}": 至少 ${opts.minLength} 个字`);
    } else {
      out.push(s.trim());
    }
  });
  if (out.length < opts.min && v.length >= opts.min) return out;
  if (v.length < opts.min) errors.push(`${where}: 至少需要 ${opts.min} 项,现有 ${v.length} 项`);
  return out;
}

function validate(raw: unknown, errors: string[], expect: DutyListExpectations): DutyList | null {
  if (!isRecord(raw)) {
    errors.push('根节点应为映射(version, units, townships, urgent)');
    return null;
  }
  checkKeys(raw, ['version', 'units', 'townships', 'township_duties', 'lexicon', 'urgent', 'matters'], '根节点', errors);
  if (raw.version !== 1) errors.push(`version: 只支持 1,实际为 ${JSON.stringify(raw.version)}`);

  const units = validateUnits(raw.units, errors);
  const unitNames = new Set(units.map((u) => u.name));
  const townships = validateTownships(raw.townships, errors);
  const townshipDuties = validateTownshipDuties(raw.township_duties, errors);
  const lexicon = validateLexicon(raw.lexicon, errors);
  const urgent = validateUrgent(raw.urgent, unitNames, lexicon, errors);
  const matters = validateMatters(raw.matters, unitNames, errors);

  if (expect.units) compareSets('units', [...unitNames], expect.units, errors);
  if (expect.townships) compareSets('townships', townships.map((t) => t.name), expect.townships, errors);
  return { version: 1, units, matters, townships, townshipDuties, urgent };
}

function validateMatters(v: unknown, unitNames: ReadonlySet<string>, errors: string[]): Matter[] {
  if (v === undefined || v === null) return [];
  if (!isRecord(v)) {
    errors.push('matters: 应为映射(代码 → 事项)');
    return [];
  }
  const out: Matter[] = [];
  const names = new Set<string>();
  for (const [code, body] of Object.entries(v)) {
    const where = `matters.${code}`;
    if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(code)) errors.push(`${where}: 代码只能用小写字母、数字和 -(最多 40 个),它是 Open311 的 service_code`);
    if (!isRecord(body)) {
      errors.push(`${where}: 应为映射(name, unit, category, keywords, description)`);
      continue;
    }
    checkKeys(body, ['name', 'unit', 'category', 'keywords', 'description'], where, errors);
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    if (!name) errors.push(`${where}.name: 应为文字`);
    else if (names.has(name)) errors.push(`${where}.name: 与另一个事项重名「${name}」`);
    names.add(name);
    let unit: string | null = null;
    if (body.unit !== null && body.unit !== undefined) {
      if (typeof body.unit !== 'string' || !unitNames.has(body.unit)) errors.push(`${where}.unit: "${String(body.unit)}" 不是 units 中的单位(或写 null 由分类器决定)`);
      else unit = body.unit;
    }
    const category = typeof body.category === 'string' && CATEGORY_SET.has(body.category) ? (body.category as Category) : null;
    if (!category) errors.push(`${where}.category: 未知类别 "${String(body.category)}"(可选:${CATEGORIES.join('/')})`);
    const keywords = stringList(body.keywords, `${where}.keywords`, errors, { min: 1 });
    const description = typeof body.description === 'string' ? body.description.trim() : '';
    if (!description) errors.push(`${where}.description: 应为文字`);
    if (name && category && description) out.push({ code, name, unit, category, keywords, description });
  }
  return out;
}

function compareSets(where: string, actual: string[], expected: readonly string[], errors: string[]): void {
  const have = new Set(actual);
  const want = new Set(expected);
  for (const name of expected) if (!have.has(name)) errors.push(`${where}: 缺少 "${name}"`);
  for (const name of actual) if (!want.has(name)) errors.push(`${where}.${name}: 不在成员单位/乡镇名单中(名称须完全一致)`);
}

function validateUnits(v: unknown, errors: string[]): DutyUnit[] {
  if (!isRecord(v) || Object.keys(v).length === 0) {
    errors.push('units: 应为非空映射(单位名 → 职责)');
    return [];
  }
  const out: DutyUnit[] = [];
  for (const [name, body] of Object.entries(v)) {
    const where = `units.${name}`;
    if (name.trim() !== name || name === '') {
      errors.push(`${where}: 单位名不能有首尾空格`);
      continue;
    }
    if (!isRecord(body)) {
      errors.push(`${where}: 应为映射(categories, keywords, examples, boundary)`);
      continue;
    }
    checkKeys(body, ['categories', 'keywords', 'examples', 'boundary'], where, errors);
    const categories = stringList(body.categories, `${where}.categories`, errors, { min: 1 }).filter((c) => {
      if (CATEGORY_SET.has(c)) return true;
      errors.push(`${where}.categories: 未知类别 "${c}"(可选:${CATEGORIES.join('/')})`);
      return false;
    }) as Category[];
    const keywords = validateKeywords(body.keywords, where, errors);
    const examples = stringList(body.examples, `${where}.examples`, errors, { min: 2 });
    let boundary: string | null = null;
    if (body.boundary !== undefined) {
      if (typeof body.boundary !== 'string' || body.boundary.trim() === '') errors.push(`${where}.boundary: 应为文字`);
      else boundary = body.boundary.trim();
    }
    out.push({ name, categories, keywords, examples, boundary });
  }
  return out;
}

function validateKeywords(v: unknown, where: string, errors: string[]): Map<string, number> {
  const keywords = new Map<string, number>();
  if (!isRecord(v) || Object.keys(v).length === 0) {
    errors.push(`${where}.keywords: 应为非空映射(关键词: 权重)`);
    return keywords;
  }
  for (const [kw, w] of Object.entries(v)) {
    const norm = normalizeText(kw.trim());
    if (norm.length < 2) errors.push(`${where}.keywords.${kw}: 关键词至少 2 个字(单字太容易误配)`);
    else if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0 || w > MAX_WEIGHT) {
      errors.push(`${where}.keywords.${kw}: 权重应为 0 到 ${MAX_WEIGHT} 之间的正数,实际为 ${JSON.stringify(w)}`);
    } else if (keywords.has(norm)) errors.push(`${where}.keywords.${kw}: 与其他关键词重复`);
    else keywords.set(norm, w);
  }
  return keywords;
}

function validateTownshipDuties(v: unknown, errors: string[]): TownshipDuties | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    errors.push('township_duties: 应为映射(keywords, boundary)');
    return null;
  }
  checkKeys(v, ['keywords', 'boundary'], 'township_duties', errors);
  const keywords = validateKeywords(v.keywords, 'township_duties', errors);
  const boundary = typeof v.boundary === 'string' && v.boundary.trim() !== '' ? v.boundary.trim() : null;
  return { keywords, boundary };
}

function validateTownships(v: unknown, errors: string[]): Township[] {
  if (!isRecord(v) || Object.keys(v).length === 0) {
    errors.push('townships: 应为非空映射(乡镇 → 地名列表)');
    return [];
  }
  const owner = new Map<string, string>();
  const out: Township[] = [];
  for (const [name, places] of Object.entries(v)) {
    const where = `townships.${name}`;
    const list = stringList(places, where, errors, { min: 1, minLength: 2 }).map(normalizeText);
    for (const p of list) {
      const prev = owner.get(p);
      if (prev !== undefined && prev !== name) errors.push(`${where}: 地名 "${p}" 同时属于 ${prev},无法判断乡镇`);
      else owner.set(p, name);
    }
    out.push({ name, places: [...new Set(list)] });
  }
  return out;
}

/**
 * Word families (儿童, 老人, 房屋构件, 凶器 ...) that urgent patterns share as `{name}`, so that a
 * colloquial word added once (细伢子, 老倌) reaches every rule about children or old people. An
 * item is a regular-expression fragment (usually a plain word) or `{other}` to include another
 * family. Returns name → one non-capturing alternation, longest words first.
 */
function validateLexicon(v: unknown, errors: string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (v === undefined || v === null) return out;
  if (!isRecord(v)) {
    errors.push('lexicon: 应为映射(词族名 → 词语列表)');
    return out;
  }
  const raw = new Map<string, string[]>();
  for (const [name, items] of Object.entries(v)) {
    if (!LEXICON_NAME.test(name)) errors.push(`lexicon.${name}: 词族名只能用小写字母、数字和下划线`);
    else raw.set(name, stringList(items, `lexicon.${name}`, errors, { min: 1 }));
  }
  const words = (name: string, trail: string[]): string[] => {
    if (trail.includes(name)) {
      errors.push(`lexicon.${trail[0]}: 循环引用 ${[...trail, name].join(' → ')}`);
      return [];
    }
    const items = raw.get(name) ?? [];
    return items.flatMap((item) => {
      const ref = /^\{([a-z0-9_]+)\}$/.exec(item);
      if (!ref) return [item];
      if (!raw.has(ref[1])) {
        errors.push(`lexicon.${name}: 引用了不存在的词族 {${ref[1]}}`);
        return [];
      }
      return words(ref[1], [...trail, name]);
    });
  };
  for (const name of raw.keys()) {
    const list = [...new Set(words(name, []))].sort((a, b) => b.length - a.length);
    const alternation = `(?:${list.join('|')})`;
    try {
      new RegExp(alternation, 'u');
      out.set(name, alternation);
    } catch (e) {
      errors.push(`lexicon.${name}: 含无效的正则片段:${(e as Error).message}`);
    }
  }
  return out;
}

const LEXICON_NAME = /^[a-z][a-z0-9_]*$/;
/** `{name}` in a pattern; `{0,12}` and other quantifiers never match because they start with a digit. */
const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

function validateUrgent(v: unknown, unitNames: ReadonlySet<string>, lexicon: ReadonlyMap<string, string>, errors: string[]): UrgentRule[] {
  if (!Array.isArray(v) || v.length === 0) {
    errors.push('urgent: 应为非空列表(即办规则)');
    return [];
  }
  const ids = new Set<string>();
  const out: UrgentRule[] = [];
  v.forEach((body, i) => {
    const id = isRecord(body) && typeof body.id === 'string' ? body.id : `#${i}`;
    const where = `urgent[${id}]`;
    if (!isRecord(body)) {
      errors.push(`${where}: 应为映射(id, label, unit, phrases, except, patterns)`);
      return;
    }
    checkKeys(body, ['id', 'label', 'unit', 'tier', 'phrases', 'except', 'patterns'], where, errors);
    const tier = body.tier ?? 'acute';
    if (tier !== 'acute' && tier !== 'check') errors.push(`${where}.tier: 应为 acute 或 check`);
    if (typeof body.id !== 'string' || body.id === '') errors.push(`${where}.id: 缺少`);
    else if (ids.has(body.id)) errors.push(`${where}.id: 重复`);
    else ids.add(body.id);
    if (typeof body.label !== 'string' || body.label.trim() === '') errors.push(`${where}.label: 缺少中文标签`);
    let unit: string | null = null;
    if (body.unit !== null && body.unit !== undefined) {
      if (typeof body.unit !== 'string' || !unitNames.has(body.unit)) errors.push(`${where}.unit: "${String(body.unit)}" 不是清单中的单位`);
      else unit = body.unit;
    }
    const phrases = stringList(body.phrases, `${where}.phrases`, errors, { min: 0, minLength: 2 }).map(normalizeText);
    const except = stringList(body.except, `${where}.except`, errors, { min: 0 }).map(normalizeText);
    const patterns: RegExp[] = [];
    stringList(body.patterns, `${where}.patterns`, errors, { min: 0 }).forEach((p, j) => {
      // Not normalizeText: its upper-casing would turn \s into \S.
      let source = p;
      const unknown = [...source.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((name) => !lexicon.has(name));
      if (unknown.length > 0) {
        errors.push(`${where}.patterns[${j}]: 词族 ${unknown.map((n) => `{${n}}`).join('、')} 未在 lexicon 中定义`);
        return;
      }
      source = source.replace(PLACEHOLDER, (_, name: string) => lexicon.get(name)!);
      try {
        patterns.push(new RegExp(source, 'gu'));
      } catch (e) {
        errors.push(`${where}.patterns[${j}]: 正则表达式无效:${(e as Error).message}`);
      }
    });
    if (phrases.length === 0 && patterns.length === 0) errors.push(`${where}: phrases 和 patterns 至少要有一项`);
    for (const ex of except) {
      const covers = phrases.some((p) => ex.includes(p)) || patterns.some((re) => new RegExp(re.source, 'u').test(ex));
      if (!covers) errors.push(`${where}.except "${ex}": 不包含任何触发词,不会起作用`);
    }
    out.push({ id, label: typeof body.label === 'string' ? body.label.trim() : id, unit, phrases, except, patterns, tier: tier === 'check' ? 'check' : 'acute' });
  });
  return out;
}
