/**
 * One normal form for duty-list phrases and citizen text, so that full-width digits and letters
 * from phone IMEs (１２３, ＫＴＶ), traditional punctuation and letter case never decide a match.
 *
 * Dialect characters that callers type as they speak (Hakka and Cantonese: 冇 for 没, 佢 for 他)
 * are folded to Mandarin, so "到现在都冇回来" meets the same rules as "到现在都没回来". Each fold
 * maps one character to one character, so offsets into the normalised text stay offsets into the
 * caller's text.
 */
const DIALECT_FOLD: Readonly<Record<string, string>> = {
  冇: '没',
  佢: '他',
  嘅: '的',
  唔: '不',
  喺: '在',
  睇: '看',
  瞓: '睡',
  嗰: '那',
  攞: '拿',
  喫: '吃',
  咗: '了',
};
const DIALECT_CHARS = new RegExp(`[${Object.keys(DIALECT_FOLD).join('')}]`, 'gu');

export function normalizeText(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[a-z]+/g, (m) => m.toUpperCase())
    .replace(DIALECT_CHARS, (c) => DIALECT_FOLD[c] ?? c);
}
