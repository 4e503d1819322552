/**
 * One normal form for duty-list phrases and citizen text, so that full-width digits and letters
 * from phone IMEs (１２３, ＫＴＶ), traditional punctuation and letter case never decide a match.
 */
export function normalizeText(s: string): string {
  return s.normalize('NFKC').replace(/[a-z]+/g, (m) => m.toUpperCase());
}
