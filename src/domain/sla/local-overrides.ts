import { parse as parseYaml } from 'yaml';
import { invalid } from '../errors.js';
import { addDays, datesBetween, isValidDate, yearOf } from './dates.js';

/**
 * The hotline office's own holiday/调休 list, for years chinese-days does not carry yet (or to
 * correct it). Normalised form of the YAML file; see config/calendar-local.example.yaml.
 */
export interface CalendarOverrides {
  /** Days off (sorted, unique, 'YYYY-MM-DD'). */
  holidays: readonly string[];
  /** 调休 make-up working days, usually a Saturday or Sunday (sorted, unique). */
  workdays: readonly string[];
  /**
   * Years the file fully covers: for these years the file is the whole truth (listed days, then
   * Monday–Friday), chinese-days is not consulted, and coverage() counts the year as covered.
   */
  years: readonly number[];
  /** Optional names given in the file (date → name), for display only. */
  names: Readonly<Record<string, string>>;
  /** Where it came from (file path), for messages. */
  source: string;
}

export const EMPTY_OVERRIDES: CalendarOverrides = { holidays: [], workdays: [], years: [], names: {}, source: '(none)' };

/** A holiday span never runs longer than this; a longer range is almost surely a typo. */
const MAX_RANGE_DAYS = 31;
const KNOWN_KEYS = new Set(['holidays', 'workdays', 'years']);

function fail(source: string, entry: string, value: unknown, zh: string, en: string): never {
  const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  throw invalid('calendar_overrides_invalid', `本地节假日文件 ${source} 中 ${entry} ${shown}：${zh} / local holiday file ${source}, ${entry} ${shown}: ${en}`, {
    source,
    entry,
    value,
  });
}

/** YAML 1.1 readers turn bare dates into Date objects; take those back as calendar dates. */
function asDateText(v: unknown): unknown {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
  return v;
}

function expandEntry(raw: unknown, entry: string, source: string, allowRange: boolean): { dates: string[]; name?: string } {
  let from: unknown;
  let to: unknown;
  let name: string | undefined;
  const v = asDateText(raw);
  if (typeof v === 'string') {
    const parts = v.split('..').map((s) => s.trim());
    if (parts.length > 2) fail(source, entry, raw, '区间只能写成 起..止', 'a range is written start..end');
    [from, to] = parts.length === 2 ? parts : [parts[0], parts[0]];
    if (parts.length === 2 && !allowRange) fail(source, entry, raw, '此处只能写单个日期', 'only single dates are allowed here');
  } else if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (o.name !== undefined && typeof o.name !== 'string') fail(source, entry, raw, 'name 须为文字', 'name must be text');
    name = o.name as string | undefined;
    if (o.date !== undefined) {
      from = to = asDateText(o.date);
    } else if (o.from !== undefined && o.to !== undefined) {
      if (!allowRange) fail(source, entry, raw, '此处只能写单个日期', 'only single dates are allowed here');
      from = asDateText(o.from);
      to = asDateText(o.to);
    } else {
      fail(source, entry, raw, '应写 date，或 from 与 to', 'expected date, or from and to');
    }
  } else {
    fail(source, entry, raw, '应为日期 YYYY-MM-DD、区间 YYYY-MM-DD..YYYY-MM-DD 或 {date|from,to,name}', 'expected YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD or {date|from,to,name}');
  }
  if (!isValidDate(from)) fail(source, entry, raw, `"${String(from)}" 不是有效日期（YYYY-MM-DD）`, `"${String(from)}" is not a valid date (YYYY-MM-DD)`);
  if (!isValidDate(to)) fail(source, entry, raw, `"${String(to)}" 不是有效日期（YYYY-MM-DD）`, `"${String(to)}" is not a valid date (YYYY-MM-DD)`);
  if (to < from) fail(source, entry, raw, '结束日期早于开始日期', 'the range ends before it starts');
  if (addDays(from, MAX_RANGE_DAYS - 1) < to) fail(source, entry, raw, `区间超过 ${MAX_RANGE_DAYS} 天，疑似笔误`, `the range is longer than ${MAX_RANGE_DAYS} days, probably a typo`);
  return { dates: datesBetween(from, to), name };
}

function listOf(doc: Record<string, unknown>, key: string, source: string): unknown[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(source, key, v, '应为列表', 'must be a list');
  return v;
}

/**
 * Check and normalise an overrides object (already parsed from YAML/JSON). Throws AppError
 * `invalid`/`calendar_overrides_invalid` whose message names the offending entry, e.g.
 * `holidays[2] "2027-02-30"`.
 */
export function parseCalendarOverrides(input: unknown, source = 'calendar-local'): CalendarOverrides {
  if (input === undefined || input === null) return { ...EMPTY_OVERRIDES, source };
  if (typeof input !== 'object' || Array.isArray(input)) fail(source, '(root)', input, '文件内容应为对象（holidays / workdays / years）', 'the file must hold a mapping (holidays / workdays / years)');
  const doc = input as Record<string, unknown>;
  for (const k of Object.keys(doc)) {
    if (!KNOWN_KEYS.has(k)) fail(source, k, doc[k], '未知的键（只允许 holidays、workdays、years）', 'unknown key (only holidays, workdays, years)');
  }
  const names: Record<string, string> = {};
  const seen = new Map<string, string>(); // date → entry that set it, to report conflicts
  const collect = (key: 'holidays' | 'workdays', allowRange: boolean): string[] => {
    const out: string[] = [];
    listOf(doc, key, source).forEach((raw, i) => {
      const entry = `${key}[${i}]`;
      const { dates, name } = expandEntry(raw, entry, source, allowRange);
      for (const d of dates) {
        const prev = seen.get(d);
        if (prev && !prev.startsWith(`${key}[`)) {
          fail(source, entry, raw, `${d} 同时出现在 ${prev} 中，不能既放假又上班`, `${d} is also listed in ${prev}; a day cannot be both off and working`);
        }
        seen.set(d, entry);
        out.push(d);
        if (name) names[d] = name;
      }
    });
    return [...new Set(out)].sort();
  };
  const holidays = collect('holidays', true);
  const workdays = collect('workdays', true);
  const years = listOf(doc, 'years', source).map((raw, i) => {
    const y = typeof raw === 'string' && /^\d{4}$/.test(raw) ? Number(raw) : raw;
    if (typeof y !== 'number' || !Number.isInteger(y) || y < 2000 || y > 2200) fail(source, `years[${i}]`, raw, '应为四位年份', 'expected a four-digit year');
    return y;
  });
  // A file that claims a year yet lists nothing for it is almost surely incomplete.
  for (const y of years) {
    if (![...holidays, ...workdays].some((d) => yearOf(d) === y)) {
      fail(source, 'years', y, `声明覆盖 ${y} 年，但没有列出该年的任何节假日或调休`, `claims to cover ${y} but lists no holiday or workday in it`);
    }
  }
  return { holidays, workdays, years: [...new Set(years)].sort(), names, source };
}

/** Parse the YAML text of the local file (the config loader reads the file; the domain does no I/O). */
export function parseCalendarOverridesYaml(text: string, source = 'calendar-local.yaml'): CalendarOverrides {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw invalid('calendar_overrides_invalid', `本地节假日文件 ${source} 不是有效的 YAML：${(e as Error).message} / local holiday file ${source} is not valid YAML`, { source });
  }
  return parseCalendarOverrides(doc, source);
}
