/**
 * Turning the unit names that real hotline exports carry into the directory's exact names.
 *
 * A city's own 12345 history (issue #16) names units the way each operator typed them over the
 * years: 市教育体育局 next to 市教体局, 瑞金市象湖镇人民政府 next to 象湖镇, 国网瑞金市供电公司 next
 * to 供电公司, and another city's message board writes 南昌市青山湖区城市管理局. Training on those
 * strings as they are would split one unit into many, so every name goes through one resolver
 * before it becomes a label. A name the resolver cannot place returns null instead of a guess:
 * a wrong label teaches the model worse than a missing one.
 *
 * Pure: the directory names and the alias table (config/unit-aliases.yaml) are passed in.
 */
import { invalid } from '../errors.js';

/**
 * The comparison key: NFKC (full-width letters, digits and punctuation become ASCII), upper case,
 * and no whitespace, punctuation or symbols, so "市 教体局", "市教体局。" and "（市教体局）" meet.
 */
export function unitKey(s: string): string {
  return s
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\p{P}\p{S}\p{Cc}\p{Cf}]+/gu, '');
}

/**
 * Place prefixes of this city that operators add or leave out at will. Longest first so that
 * 江西省瑞金市 goes before 瑞金.
 */
const CITY_PREFIXES = ['江西省赣州市瑞金市', '江西省瑞金市', '赣州市瑞金市', '赣州市瑞金', '江西省', '赣州市', '瑞金市', '瑞金'];
/** Suffixes that name the body rather than the unit: 象湖镇人民政府 is 象湖镇, 市政府办公室 → 市政府办 is in the table. */
const BODY_SUFFIXES = ['人民政府', '政府', '办公室'];
/** Companies are registered as 有限公司; the directory says 公司. */
const COMPANY_SUFFIX = /有限(?:责任)?公司$/u;
/**
 * Another city's prefix: one or more divisions ending in 省/市/区/县/州/旗/盟 (南昌市青山湖区), or a
 * placeholder as boards anonymise it (XX区).
 */
const PLACE_PREFIX = /^[\p{Script=Han}A-Z]{1,15}(?:省|市|区|县|州|旗|盟)$/u;
/** Parenthesised notes: 供电公司(城区供电所), 市教体局（基教股）. */
const BRACKETED = /[(（\[【〔][^)）\]】〕]*[)）\]】〕]/gu;

/** Alias keys starting with this match any name that ends with the rest (*派出所 → 象湖派出所). */
export const TAIL_MARK = '*';

/**
 * What is wrong with an alias table for these names, one line each (empty when it is fine):
 * targets that are not directory names, aliases that are themselves a different unit's name, and
 * aliases that mean the same after normalisation but point at different units.
 */
export function checkUnitAliases(aliases: Readonly<Record<string, string>>, names: readonly string[]): string[] {
  const nameSet = new Set(names);
  const nameByKey = new Map(names.map((n) => [unitKey(n), n]));
  const seen = new Map<string, { alias: string; target: string }>();
  const errors: string[] = [];
  for (const [alias, target] of Object.entries(aliases)) {
    if (typeof target !== 'string' || !nameSet.has(target)) {
      errors.push(`${alias}: ${String(target)} 不是单位目录中的名称`);
      continue;
    }
    const tail = alias.startsWith(TAIL_MARK);
    const key = unitKey(tail ? alias.slice(TAIL_MARK.length) : alias);
    if (key === '') {
      errors.push(`${alias}: 别名为空`);
      continue;
    }
    const asName = nameByKey.get(key);
    if (!tail && asName !== undefined && asName !== target) {
      errors.push(`${alias}: 是单位 ${asName} 的名称,不能指向 ${target}`);
      continue;
    }
    const mark = (tail ? TAIL_MARK : '') + key;
    const before = seen.get(mark);
    if (before && before.target !== target) errors.push(`${alias}: 与别名 ${before.alias} 相同,却分别指向 ${before.target} 和 ${target}`);
    else seen.set(mark, { alias, target });
  }
  return errors;
}

export type UnitResolver = (raw: string) => string | null;

/** Distinct results kept per resolver; a history file repeats a few hundred spellings. */
const CACHE_LIMIT = 50_000;

/**
 * A resolver over the directory's names and an alias table (alias → directory name; an alias
 * starting with `*` matches any name ending in the rest). Throws when an alias points outside the
 * directory, so a typo in the table fails at start rather than dropping rows silently.
 *
 * The steps, first hit wins:
 * 1. the exact key (names and aliases, after `unitKey`);
 * 2. with this city's prefixes (瑞金市, 江西省瑞金市 ...) and body suffixes (人民政府, 政府,
 *    办公室) taken off, or 市/瑞金 put on, when all the readings that hit agree on one unit;
 * 3. another city's department (南昌市青山湖区城市管理局): the longest known name or alias that
 *    ends the string after a place prefix (…省/市/区/县);
 * 4. the `*` tails (…派出所, …供电所).
 * Each step is tried on the name as written, then without parenthesised notes and with 有限公司
 * read as 公司. Ambiguous readings give null.
 */
export function createUnitResolver(names: readonly string[], aliases: Readonly<Record<string, string>> = {}): UnitResolver {
  const errors = checkUnitAliases(aliases, names);
  if (errors.length > 0) {
    throw invalid('unit_aliases_invalid', `单位别名有 ${errors.length} 处错误:\n${errors.join('\n')}`, { errors });
  }
  const exact = new Map<string, string>();
  const tails: { key: string; unit: string }[] = [];
  for (const [alias, target] of Object.entries(aliases)) {
    if (alias.startsWith(TAIL_MARK)) tails.push({ key: unitKey(alias.slice(TAIL_MARK.length)), unit: target });
    else exact.set(unitKey(alias), target);
  }
  // Names last, so a name always means itself.
  for (const n of names) {
    const k = unitKey(n);
    if (k !== '') exact.set(k, n);
  }
  tails.sort((a, b) => b.key.length - a.key.length);

  // For step 3: every key, and every key without its leading 市 (公安局 for 南昌市公安局).
  const endings = new Map<string, Set<string>>();
  const addEnding = (k: string, unit: string) => {
    if (k.length < 2) return;
    let s = endings.get(k);
    if (!s) endings.set(k, (s = new Set()));
    s.add(unit);
  };
  for (const [k, unit] of exact) {
    addEnding(k, unit);
    if (k.startsWith('市')) addEnding(k.slice(1), unit);
  }
  const endingKeys = [...endings.keys()].sort((a, b) => b.length - a.length);

  /** undefined: no reading hit; null: readings disagree. */
  const viaAffixes = (k: string): string | null | undefined => {
    const found = new Set<string>();
    for (const c of strippedForms(k)) {
      for (const form of [c, `市${c}`, `瑞金${c}`]) {
        const hit = exact.get(form);
        if (hit !== undefined) found.add(hit);
      }
    }
    if (found.size === 0) return undefined;
    return found.size === 1 ? [...found][0] : null;
  };

  const viaOtherCity = (k: string): string | null | undefined => {
    for (const e of endingKeys) {
      if (e.length >= k.length || !k.endsWith(e)) continue;
      if (!PLACE_PREFIX.test(k.slice(0, k.length - e.length))) continue;
      const units = endings.get(e)!;
      return units.size === 1 ? [...units][0] : null;
    }
    return undefined;
  };

  const viaTail = (k: string): string | undefined => tails.find((t) => k.endsWith(t.key))?.unit;

  const resolveKey = (k: string): string | null | undefined => {
    if (k === '') return undefined;
    const direct = exact.get(k);
    if (direct !== undefined) return direct;
    const a = viaAffixes(k);
    if (a !== undefined) return a;
    const o = viaOtherCity(k);
    if (o !== undefined) return o;
    return viaTail(k);
  };

  const cache = new Map<string, string | null>();
  return (raw: string) => {
    const cached = cache.get(raw);
    if (cached !== undefined) return cached;
    let result: string | null = null;
    const plain = raw.replace(BRACKETED, ' ');
    for (const variant of new Set([unitKey(raw), unitKey(plain), unitKey(plain).replace(COMPANY_SUFFIX, '公司')])) {
      const r = resolveKey(variant);
      if (r !== undefined) {
        result = r;
        break;
      }
    }
    if (cache.size < CACHE_LIMIT) cache.set(raw, result);
    return result;
  };
}

/** The key with any one city prefix and up to two body suffixes removed (象湖镇人民政府办公室 → 象湖镇). */
function strippedForms(k: string): string[] {
  const out = new Set<string>();
  const starts = [k, ...CITY_PREFIXES.filter((p) => k.startsWith(p)).map((p) => k.slice(p.length))];
  for (const s of starts) {
    let level = [s];
    for (let round = 0; round <= 2; round++) {
      const next: string[] = [];
      for (const x of level) {
        if (x.length >= 2) out.add(x);
        for (const suf of BODY_SUFFIXES) if (x.endsWith(suf)) next.push(x.slice(0, x.length - suf.length));
      }
      level = next;
    }
  }
  return [...out];
}
