/**
 * Which emergency numbers to point a citizen to when a 即办 report describes danger. The hotline
 * never replaces 110/119/120; it tells the citizen to call them as well.
 */
export type EmergencyNumber = '110' | '119' | '120';

const RULES: { number: EmergencyNumber; re: RegExp }[] = [
  // Gas leaks go to 119 too: the fire service handles them in China.
  { number: '119', re: /火|燃烧|冒烟|浓烟|烟雾|爆炸|煤气|燃气|液化气|泄漏|fire/i },
  { number: '120', re: /受伤|伤者|伤员|流血|出血|昏迷|晕倒|休克|急救|救护|骨折|抽搐|呼吸困难|心脏|中毒|溺水|生病|病人|发病|急病|injur|medical/i },
  { number: '110', re: /打架|斗殴|殴打|打人|持刀|砍人|抢劫|抢夺|偷|盗窃|杀|绑架|威胁|家暴|暴力|犯罪|违法犯罪|诈骗|失踪|走失|找不到人|走丢|拐|溺水|violence|crime|missing/i },
];

/** Numbers that apply, in the order 110, 119, 120; empty when nothing specific matched. */
export function emergencyNumbers(text: string, urgentReasons: readonly string[] = []): EmergencyNumber[] {
  const haystack = [text, ...urgentReasons].join(' ');
  const found = new Set(RULES.filter((r) => r.re.test(haystack)).map((r) => r.number));
  return (['110', '119', '120'] as const).filter((n) => found.has(n));
}

const WHAT: Record<EmergencyNumber, string> = { '110': '报警请拨打110', '119': '火警及燃气泄漏请拨打119', '120': '急救请拨打120' };

/** The sentence sent with an urgent ticket. */
export function emergencyAdvice(numbers: readonly EmergencyNumber[]): string {
  if (numbers.length === 0) return '如有人身或财产安全危险，请同时拨打110、119或120。';
  return `如情况危急，请立即拨打电话：${numbers.map((n) => WHAT[n]).join('，')}。`;
}
