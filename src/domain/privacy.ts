/**
 * What a citizen wrote, made fit for a public board (Open311's public list): phone numbers, ID
 * numbers and names are masked, a place is cut to street level. Conservative on purpose: a
 * false mask costs a word of the description, a missed one a citizen's privacy.
 */

const HAN = '\\p{Script=Han}';
/** Mobile (optionally +86/0086), landline with area code, and 400/800 numbers. */
const PHONE = /(?<![\d])(?:(?:\+|00)?86[\s-]?)?(?:1[3-9]\d(?:[\s-]?\d{4}){2}|0\d{2,3}[\s-]?\d{7,8}|[48]00[\s-]?\d{3}[\s-]?\d{4})(?![\d])/g;
/** Resident ID (18 characters, the last may be X) and the old 15-digit one. */
const ID_NUMBER = /(?<![\dA-Za-z])(?:\d{17}[\dXx]|\d{15})(?![\dA-Za-z])/g;
/** A name introduced as one: 我叫张三, 本人李四, 姓名：王五, 联系人 赵六, 户主钱七. */
const INTRODUCED_NAME = new RegExp(`(我叫|我是|本人|姓名|名字|联系人|户主|业主|举报人|投诉人|当事人|房东|老板)([:：\\s]*)(${HAN})(${HAN}{1,3})`, 'gu');
/** Words that follow 我是 but are not names (我是本小区业主, 我是一名…). */
const NOT_A_NAME = /^(本|一|这|那|该|个|在|从|住|外|附|市|县|镇|村|小|老|他|她|您|你|我|们|的|想|要|来|去|被|已|还|不|没|很|真|刚|居|租|业|户|商|学|家|群|工|司|店|某)/u;

export function maskPhones(text: string): string {
  return text.replace(PHONE, '[电话已隐去]');
}

/** Phone numbers, ID numbers and names masked; `knownNames` (the contact's own name) always. */
export function maskPersonalText(text: string, knownNames: (string | null | undefined)[] = []): string {
  let out = text.replace(ID_NUMBER, '[证件号已隐去]');
  out = maskPhones(out);
  for (const n of knownNames) {
    if (!n || [...n].length < 2) continue;
    out = out.split(n).join(`${[...n][0]}**`);
  }
  out = out.replace(INTRODUCED_NAME, (all, intro: string, sep: string, surname: string, rest: string) => (NOT_A_NAME.test(surname) ? all : `${intro}${sep}${surname}${'*'.repeat([...rest].length)}`));
  return out;
}

/**
 * A place at street level: the house number and anything finer (栋, 单元, 室, 楼) is dropped,
 * `88号` included, so "象湖镇红都大道88号3栋2单元501室" becomes "象湖镇红都大道".
 */
export function streetLevel(place: string | null | undefined): string | null {
  if (!place) return null;
  const cut = place.replace(/[\s,，]*[\d０-９一二三四五六七八九十百千零〇]+\s*(号|栋|幢|座|单元|室|楼|层|户|弄|排|组|号院|号楼).*$/u, '');
  const masked = maskPersonalText(cut).trim();
  return masked || null;
}

/** A coordinate rounded to about 100 m (3 decimals). */
export const roundCoordinate = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);

/** House numbers and finer (88号, 3栋2单元501室) inside a text, for views that show no exact address. */
export function maskHouseNumbers(text: string): string {
  return text.replace(/(?:[\d０-９一二三四五六七八九十百千零〇]+\s*(?:号院|号楼|号|栋|幢|座|单元|室|层|户|弄)[\s-]*)+/gu, '[门牌已隐去]');
}

/** Names a text introduces as such (我叫张三, 联系人 赵六), to mask them wherever else they appear. */
export function introducedNames(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(INTRODUCED_NAME)) if (!NOT_A_NAME.test(m[3]!)) out.add(`${m[3]}${m[4]}`);
  return [...out];
}
