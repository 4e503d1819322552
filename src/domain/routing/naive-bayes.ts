/**
 * Multinomial naive Bayes over binary features, stored sparsely: a feature keeps only the classes
 * whose documents contained it, and every other class gets its smoothed floor. With ~1,000
 * examples over 65 units a dense table would be mostly floors.
 */

export interface NaiveBayesOptions {
  /** Additive smoothing. */
  alpha: number;
  /** Features seen in fewer documents are dropped (mostly one-off n-grams that only add noise). */
  minDocs: number;
  /** 0: classes equally likely a priori; 1: as often as in the training data. */
  priorWeight: number;
}

/** The classes whose documents had a feature, ascending, and what each gains over its floor. */
interface Posting {
  classes: Int32Array;
  /** log(count + alpha) - log(alpha). */
  gains: Float64Array;
}

export class NaiveBayes {
  readonly classes: readonly string[];
  private readonly postings = new Map<string, Posting>();
  /** Per class: log prior (weighted) and the log-probability floor of a feature it never saw. */
  private readonly prior: Float64Array;
  private readonly floor: Float64Array;

  constructor(docs: readonly { features: readonly string[]; label: string }[], opts: NaiveBayesOptions) {
    const classes = [...new Set(docs.map((d) => d.label))].sort();
    this.classes = classes;
    const index = new Map(classes.map((c, i) => [c, i]));
    const df = new Map<string, number>();
    for (const d of docs) for (const f of d.features) df.set(f, (df.get(f) ?? 0) + 1);
    const counts = new Map<string, Map<number, number>>();
    const totals = new Float64Array(classes.length);
    const docsPer = new Float64Array(classes.length);
    for (const d of docs) {
      const c = index.get(d.label)!;
      docsPer[c]++;
      for (const f of d.features) {
        if ((df.get(f) ?? 0) < opts.minDocs) continue;
        let byClass = counts.get(f);
        if (!byClass) counts.set(f, (byClass = new Map()));
        byClass.set(c, (byClass.get(c) ?? 0) + 1);
        totals[c]++;
      }
    }
    const vocab = counts.size;
    const logAlpha = Math.log(opts.alpha);
    this.floor = new Float64Array(classes.length);
    this.prior = new Float64Array(classes.length);
    for (let c = 0; c < classes.length; c++) {
      this.floor[c] = logAlpha - Math.log(totals[c] + opts.alpha * vocab);
      this.prior[c] = opts.priorWeight * Math.log(docsPer[c] / docs.length);
    }
    for (const [f, byClass] of counts) {
      const entries = [...byClass].sort((a, b) => a[0] - b[0]);
      this.postings.set(f, {
        classes: Int32Array.from(entries.map(([c]) => c)),
        gains: Float64Array.from(entries.map(([, n]) => Math.log(n + opts.alpha) - logAlpha)),
      });
    }
  }

  /** Log joint score of each class (index as in `classes`), from the features the model knows. */
  scores(features: readonly string[]): Float64Array {
    const out = new Float64Array(this.classes.length);
    let known = 0;
    for (const f of features) {
      const p = this.postings.get(f);
      if (!p) continue;
      known++;
      for (let i = 0; i < p.classes.length; i++) out[p.classes[i]] += p.gains[i];
    }
    for (let c = 0; c < out.length; c++) out[c] += this.prior[c] + known * this.floor[c];
    return out;
  }

  /** Features that speak most for class `a` over class `b` (or over its own floor when b < 0), strongest first. */
  reasons(features: readonly string[], a: number, b: number, n: number): string[] {
    const ranked: [string, number][] = [];
    for (const f of features) {
      const p = this.postings.get(f);
      if (!p) continue;
      const ga = gainOf(p, a);
      const gb = b < 0 ? 0 : gainOf(p, b);
      const diff = b < 0 ? ga : ga + this.floor[a] - (gb + this.floor[b]);
      if (ga > 0 && diff > 0) ranked.push([f, diff + 0.3 * f.length]);
    }
    // Ties are frequent (equal counts give equal gains): broken by code unit, not localeCompare, whose
    // collation cost more than the rest of this function.
    return ranked.sort((x, y) => y[1] - x[1] || byCodeUnit(x[0], y[0])).slice(0, n).map(([f]) => f);
  }
}

/** A total order on strings that is cheap: UTF-16 code units. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function gainOf(p: Posting, cls: number): number {
  let lo = 0;
  let hi = p.classes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (p.classes[mid] === cls) return p.gains[mid];
    if (p.classes[mid] < cls) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Softmax of log scores at a temperature: naive Bayes is far too sure of itself at T = 1. */
export function softmax(logScores: Float64Array, temperature: number): Float64Array {
  let max = -Infinity;
  for (const s of logScores) if (s > max) max = s;
  const out = new Float64Array(logScores.length);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] = Math.exp((logScores[i] - max) / temperature);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}
