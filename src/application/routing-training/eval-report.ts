/**
 * Scoring dispatch on a city's own history (`suban eval`, issue #16): how often the classifier's
 * unit would have been accepted, how often the right unit was at least among its three offers
 * (what the operator sees), and how the requests it sent to the manual desk would have fared.
 *
 * A prediction counts as right when it is the owner or one of the acceptable units: a 主办/协办
 * pair in the history means either would have taken the case, and counting only the owner would
 * blame the model for the hotline's own habits. Per-unit recall is counted against the owner,
 * precision against every acceptable unit. Pure: the caller runs the model.
 */

export interface DispatchItem {
  id?: string;
  /** The owner first, then the acceptable units. Items with no gold unit are left out. */
  gold: string[];
  predicted: string | null;
  top3: string[];
  /** Sent to the manual desk (the model was not confident enough to dispatch alone). */
  manual: boolean;
}

export interface UnitScore {
  unit: string;
  /** Of the items predicted for this unit, the share it was acceptable for; null when never predicted. */
  precision: number | null;
  /** Of the items this unit owns, the share predicted right; null when it owns none. */
  recall: number | null;
  /** Items this unit owns. */
  support: number;
}

export interface DispatchEvaluation {
  n: number;
  /** Share with predicted ∈ gold (0 when n is 0). */
  accuracy: number;
  /** Share with a gold unit among the three offers. */
  top3: number;
  manualShare: number;
  /** Accuracy on the items dispatched without the desk; null when there were none. */
  accuracyAuto: number | null;
  /** Accuracy the model would have had on the items it left to the desk; null when none. */
  accuracyManual: number | null;
  /** By support (most first), then name. */
  perUnit: UnitScore[];
  /** Wrong predictions as owner → predicted, most frequent first, at most 15. */
  confusedPairs: { gold: string; predicted: string; count: number }[];
  /** Items with no prediction at all (counted wrong). */
  unpredicted: number;
  /** Items left out because they had no gold unit. */
  withoutGold: number;
}

const CONFUSED_PAIRS = 15;

export function evaluateDispatch(items: readonly DispatchItem[]): DispatchEvaluation {
  const scored = items.filter((x) => x.gold.length > 0);
  const owns = new Map<string, { support: number; hit: number }>();
  const predicts = new Map<string, { count: number; ok: number }>();
  const pairs = new Map<string, { gold: string; predicted: string; count: number }>();
  let correct = 0, inTop3 = 0, manual = 0, manualCorrect = 0, unpredicted = 0;
  for (const x of scored) {
    const ok = x.predicted !== null && x.gold.includes(x.predicted);
    const owner = x.gold[0];
    if (ok) correct++;
    if (ok || x.top3.some((u) => x.gold.includes(u))) inTop3++;
    if (x.manual) {
      manual++;
      if (ok) manualCorrect++;
    }
    const o = owns.get(owner) ?? { support: 0, hit: 0 };
    o.support++;
    if (ok) o.hit++;
    owns.set(owner, o);
    if (x.predicted === null) {
      unpredicted++;
      continue;
    }
    const p = predicts.get(x.predicted) ?? { count: 0, ok: 0 };
    p.count++;
    if (ok) p.ok++;
    predicts.set(x.predicted, p);
    if (!ok) {
      const key = `${owner}\u0000${x.predicted}`;
      const pair = pairs.get(key) ?? { gold: owner, predicted: x.predicted, count: 0 };
      pair.count++;
      pairs.set(key, pair);
    }
  }
  const n = scored.length;
  const rate = (a: number, b: number) => (b === 0 ? null : a / b);
  const perUnit: UnitScore[] = [...new Set([...owns.keys(), ...predicts.keys()])]
    .map((unit) => {
      const o = owns.get(unit);
      const p = predicts.get(unit);
      return { unit, precision: p ? rate(p.ok, p.count) : null, recall: o ? rate(o.hit, o.support) : null, support: o?.support ?? 0 };
    })
    .sort((a, b) => b.support - a.support || a.unit.localeCompare(b.unit, 'zh'));
  const confusedPairs = [...pairs.values()]
    .sort((a, b) => b.count - a.count || a.gold.localeCompare(b.gold, 'zh') || a.predicted.localeCompare(b.predicted, 'zh'))
    .slice(0, CONFUSED_PAIRS);
  return {
    n,
    accuracy: rate(correct, n) ?? 0,
    top3: rate(inTop3, n) ?? 0,
    manualShare: rate(manual, n) ?? 0,
    accuracyAuto: rate(correct - manualCorrect, n - manual),
    accuracyManual: rate(manualCorrect, manual),
    perUnit,
    confusedPairs,
    unpredicted,
    withoutGold: items.length - n,
  };
}

/** The evaluation as a plain-text report for a terminal or a file (CJK counted two columns wide). */
export function formatEvalReport(r: DispatchEvaluation): string {
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
  const summary: [string, string][] = [
    ['样本数', `${r.n}${r.withoutGold ? `(另有 ${r.withoutGold} 条无承办单位,未计入)` : ''}`],
    ['准确率', `${pct(r.accuracy)}(预测为承办单位或可接受单位)`],
    ['前三命中率', pct(r.top3)],
    ['转人工比例', pct(r.manualShare)],
    ['自动派单准确率', pct(r.accuracyAuto)],
    ['转人工部分准确率', pct(r.accuracyManual)],
  ];
  if (r.unpredicted) summary.push(['无预测', String(r.unpredicted)]);
  const labelWidth = Math.max(...summary.map(([k]) => width(k)));
  const out = summary.map(([k, v]) => `${k}${' '.repeat(labelWidth - width(k))}  ${v}`);
  out.push('', '各单位', ...table(['单位', '样本', '召回率', '精确率'], r.perUnit.map((u) => [u.unit, String(u.support), pct(u.recall), pct(u.precision)])));
  if (r.confusedPairs.length) {
    out.push('', '最常见的错分', ...table(['承办单位', '预测为', '次数'], r.confusedPairs.map((p) => [p.gold, p.predicted, String(p.count)])));
  }
  return out.join('\n') + '\n';
}

/** Columns padded to the widest cell; numbers (every column after the first text ones) right-aligned. */
function table(head: string[], rows: string[][]): string[] {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => width(r[i]))));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d.%-]+$/.test(r[i])));
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i] - width(c));
        return numeric[i] ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** Terminal columns: CJK and full-width characters take two. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u.test(ch) ? 2 : 1;
  return w;
}
