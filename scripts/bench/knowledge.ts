/**
 * Knowledge search benchmark (npm run bench:knowledge).
 *
 *  1. Quality on the labelled questions (test/fixtures/knowledge/questions.jsonl) against the demo
 *     entries (config/knowledge-demo.jsonl): top-1 and top-5 hit rates on the dev and test halves,
 *     and miss detection — precision/recall of "confidence < confidentAt" as the signal that the
 *     question has no entry.
 *  2. Latency over 5,000 entries (the demo entries plus generated variants of them): search p50/p99,
 *     against a plain substring scan over the same entries measured in the same run.
 *
 * `--tune` searches the ranking weights on the dev half only (top-5, then top-1), fits the
 * confidence's logistic weights on the dev half, picks confidentAt on the dev half, and prints them
 * for src/application/knowledge/text-index.ts (DEFAULT_RANK) and service.ts (CONFIDENT_AT).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { knowledgeAnalyzer } from '../../adapters/fs-config/knowledge.js';
import { KnowledgeTextIndex, DEFAULT_RANK, type IndexedDoc, type RankParams } from '../../src/application/knowledge/text-index.js';
import { CONFIDENT_AT } from '../../src/application/knowledge/service.js';

interface Question {
  id: string;
  text: string;
  expected: string[];
  split: 'dev' | 'test';
}

export function loadDemoDocs(path = 'config/knowledge-demo.jsonl'): IndexedDoc[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as IndexedDoc);
}

export function loadQuestions(path = 'test/fixtures/knowledge/questions.jsonl'): Question[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Question);
}

export interface Quality {
  n: number;
  answerable: number;
  top1: number;
  top5: number;
  /** none-questions flagged as misses / all none-questions */
  missRecall: number;
  /** flagged questions that really have no entry / all flagged */
  missPrecision: number;
  flagged: number;
  /** answerable questions the bots would answer wrongly (confident, top-1 wrong) */
  confidentWrong: number;
  /** answerable questions answered confidently and rightly */
  confidentRight: number;
}

export function evaluate(index: KnowledgeTextIndex, qs: Question[], confidentAt: number): Quality {
  let top1 = 0;
  let top5 = 0;
  let answerable = 0;
  let noneTotal = 0;
  let flaggedNone = 0;
  let flagged = 0;
  let confidentWrong = 0;
  let confidentRight = 0;
  for (const q of qs) {
    const hits = index.search(q.text, 5);
    const conf = hits[0]?.confidence ?? 0;
    const miss = conf < confidentAt;
    if (miss) flagged++;
    if (q.expected.length === 0) {
      noneTotal++;
      if (miss) flaggedNone++;
      continue;
    }
    answerable++;
    const ok1 = !!hits[0] && q.expected.includes(hits[0].id);
    if (ok1) top1++;
    if (hits.some((h) => q.expected.includes(h.id))) top5++;
    if (!miss) ok1 ? confidentRight++ : confidentWrong++;
  }
  return {
    n: qs.length,
    answerable,
    top1: top1 / answerable,
    top5: top5 / answerable,
    missRecall: noneTotal ? flaggedNone / noneTotal : 0,
    missPrecision: flagged ? flaggedNone / flagged : 0,
    flagged,
    confidentWrong,
    confidentRight,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function tune(docs: IndexedDoc[], dev: Question[]) {
  const analyzer = knowledgeAnalyzer('config/duty-list.yaml');
  let best: RankParams = { ...DEFAULT_RANK };
  const score = (p: RankParams) => {
    const q = evaluate(new KnowledgeTextIndex(analyzer, docs, p), dev, 0.5);
    return q.top5 * 1000 + q.top1;
  };
  let bestScore = score(best);
  const grid: Partial<Record<keyof RankParams, number[]>> = {
    k1: [0.8, 1.2, 1.6, 2],
    b: [0.3, 0.5, 0.6, 0.75, 0.9],
    title: [1, 2, 3, 4],
    variants: [1, 1.5, 2, 3],
    answer: [0.2, 0.4, 0.6, 1],
    answerDf: [0.1, 0.25, 0.5, 1],
    bigram: [0.2, 0.35, 0.5, 0.75, 1],
    synonym: [0, 0.3, 0.6, 1, 1.5],
  };
  // Coordinate ascent, two rounds.
  for (let round = 0; round < 2; round++) {
    for (const [k, values] of Object.entries(grid) as [keyof RankParams, number[]][]) {
      for (const v of values) {
        const p = { ...best, [k]: v };
        const s = score(p);
        if (s > bestScore + 1e-9) {
          bestScore = s;
          best = p;
        }
      }
    }
  }
  // Confidence: logistic regression of "top-1 is right" (none-questions: never right) on the dev half.
  const index = new KnowledgeTextIndex(analyzer, docs, best);
  const rows = dev.map((q) => {
    const f = index.search(q.text, 5)[0] ?? { id: '', coverage: 0, questionCoverage: 0, margin: 0, strength: 0 };
    return { x: [1, f.coverage, f.questionCoverage, f.margin, f.strength], y: q.expected.includes(f.id) ? 1 : 0 };
  });
  let w = [0, 0, 0, 0, 0];
  for (let it = 0; it < 20000; it++) {
    const g = [0, 0, 0, 0, 0];
    for (const r of rows) {
      const z = r.x.reduce((a, xi, i) => a + xi * w[i]!, 0);
      const p = 1 / (1 + Math.exp(-z));
      for (let i = 0; i < w.length; i++) g[i]! += (p - r.y) * r.x[i]!;
    }
    // gradient step with a little L2 on the weights (not the bias): 16 none-questions are few
    w = w.map((wi, i) => wi - (0.5 * g[i]!) / rows.length - (i > 0 ? 1e-3 * wi : 0));
    // The feature weights stay >= 0: more coverage, margin or strength never means less confidence.
    w = w.map((wi, i) => (i > 0 ? Math.max(0, wi) : wi));
  }
  best = { ...best, bias: round2(w[0]!), wCoverage: round2(w[1]!), wQuestion: round2(w[2]!), wMargin: round2(w[3]!), wStrength: round2(w[4]!) };
  // confidentAt: the threshold with the best F1 of miss detection on the dev half, among those that
  // keep wrong confident answers at or under 5% of the confident ones.
  const fitted = new KnowledgeTextIndex(analyzer, docs, best);
  let at = 0.5;
  let bestF = -1;
  for (let t = 0.2; t <= 0.8 + 1e-9; t += 0.05) {
    const q = evaluate(fitted, dev, t);
    const f1 = q.missPrecision + q.missRecall > 0 ? (2 * q.missPrecision * q.missRecall) / (q.missPrecision + q.missRecall) : 0;
    const wrongShare = q.confidentWrong / Math.max(1, q.confidentWrong + q.confidentRight);
    if (wrongShare <= 0.05 && f1 > bestF) {
      bestF = f1;
      at = Math.round(t * 100) / 100;
    }
  }
  console.log('tuned on dev:', JSON.stringify(best), 'confidentAt', at);
  return { params: best, confidentAt: at };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** 5,000 entries: the demo entries and variants of them (other places, agencies and wordings). */
export function generateDocs(base: IndexedDoc[], n: number): IndexedDoc[] {
  const places = ['象湖镇', '沙洲坝镇', '叶坪乡', '云石山乡', '黄柏乡', '九堡镇', '壬田镇', '谢坊镇', '武阳镇', '瑞林镇', '拔英乡', '丁陂乡', '大柏地乡', '泽覃乡', '日东乡', '万田乡', '冈面乡'];
  const extra = ['（乡镇便民服务中心可代办）', '（可在赣服通网上办理）', '（老年人可预约上门服务）', '（法定节假日除外）', '（材料不全的一次性告知）'];
  const topics = ['农机购置补贴', '生猪养殖', '脐橙种植', '河道管理', '林权登记', '古树保护', '文物保护', '体育场馆开放', '图书馆借阅', '献血证明', '就业见习', '人才引进', '技能鉴定', '企业年金', '残疾人就业', '留守儿童关爱', '食品抽检', '特种设备检验', '计量器具检定', '商标注册'];
  const out = [...base];
  for (let i = out.length; i < n; i++) {
    const b = base[i % base.length]!;
    const p = places[i % places.length]!;
    const t = topics[i % topics.length]!;
    out.push({
      id: `gen-${i}`,
      title: `${p}${b.title}${i % 3 === 0 ? `及${t}` : ''}`,
      variants: b.variants.map((v, j) => (j === 0 ? `${p}${v}` : `${v}${extra[(i + j) % extra.length]}`)),
      answer: `${p}：${b.answer}${extra[i % extra.length]}${i % 2 ? `${t}事项请咨询${p}便民服务中心。` : ''}`,
    });
  }
  return out;
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function latency(docs: IndexedDoc[], qs: Question[], params: RankParams) {
  const analyzer = knowledgeAnalyzer('config/duty-list.yaml');
  const t0 = performance.now();
  const index = new KnowledgeTextIndex(analyzer, docs, params);
  const buildMs = performance.now() - t0;
  // Baseline: a plain substring scan: every entry whose title, variants or answer contains any
  // 2-character piece of the question, counted (what a LIKE-based search would do, in memory).
  const flat = docs.map((d) => `${d.title}\n${d.variants.join('\n')}\n${d.answer}`);
  const scan = (text: string) => {
    const pieces: string[] = [];
    const s = text.replace(/[^\p{Script=Han}a-z0-9]/gu, '');
    for (let i = 0; i + 1 < s.length; i++) pieces.push(s.slice(i, i + 2));
    let best = -1;
    let bestN = 0;
    for (let i = 0; i < flat.length; i++) {
      let n = 0;
      for (const p of pieces) if (flat[i]!.includes(p)) n++;
      if (n > bestN) {
        bestN = n;
        best = i;
      }
    }
    return best;
  };
  const texts = qs.map((q) => q.text);
  for (const t of texts.slice(0, 50)) {
    index.search(t, 5);
    scan(t);
  }
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const base: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const t of texts) {
      const c = process.cpuUsage();
      let s = performance.now();
      index.search(t, 5);
      ours.push(performance.now() - s);
      const used = process.cpuUsage(c);
      oursCpu.push((used.user + used.system) / 1000);
      s = performance.now();
      scan(t);
      base.push(performance.now() - s);
    }
  }
  ours.sort((a, b) => a - b);
  oursCpu.sort((a, b) => a - b);
  base.sort((a, b) => a - b);
  return { buildMs, n: ours.length, p50: percentile(ours, 0.5), p99: percentile(ours, 0.99), cpuP50: percentile(oursCpu, 0.5), cpuP99: percentile(oursCpu, 0.99), baseP50: percentile(base, 0.5), baseP99: percentile(base, 0.99) };
}

async function main() {
  const docs = loadDemoDocs();
  const qs = loadQuestions();
  const dev = qs.filter((q) => q.split === 'dev');
  const test = qs.filter((q) => q.split === 'test');
  let params = DEFAULT_RANK;
  let confidentAt = CONFIDENT_AT;
  if (process.argv.includes('--tune')) ({ params, confidentAt } = tune(docs, dev));
  const index = new KnowledgeTextIndex(knowledgeAnalyzer('config/duty-list.yaml'), docs, params);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, node ${process.version}`);
  console.log(`entries ${docs.length}, questions ${qs.length} (dev ${dev.length}, test ${test.length}), confidentAt ${confidentAt}`);
  console.log('| half | questions | answerable | top-1 | top-5 | miss precision | miss recall | confident & wrong |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, set] of [['dev', dev], ['test', test]] as const) {
    const q = evaluate(index, set, confidentAt);
    console.log(`| ${name} | ${q.n} | ${q.answerable} | ${pct(q.top1)} | ${pct(q.top5)} | ${pct(q.missPrecision)} (${q.flagged} flagged) | ${pct(q.missRecall)} | ${q.confidentWrong} of ${q.confidentWrong + q.confidentRight} |`);
  }
  if (process.argv.includes('--errors')) {
    for (const q of process.argv.includes('--test') ? test : dev) {
      const hits = index.search(q.text, 5);
      const ok = hits[0] && q.expected.includes(hits[0].id);
      if (!ok || (q.expected.length === 0 && (hits[0]?.confidence ?? 0) >= confidentAt))
        console.log(q.id, q.text, '→', hits.slice(0, 3).map((h) => `${h.id}:${h.confidence.toFixed(2)}`).join(' '), 'want', q.expected.join(',') || 'none');
    }
  }
  if (!process.argv.includes('--no-latency')) {
    console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    const big = generateDocs(docs, 5000);
    const l = latency(big, qs, params);
    console.log(`latency over ${big.length} entries, ${l.n} searches (top 5): p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms (CPU time p50 ${l.cpuP50.toFixed(2)} ms, p99 ${l.cpuP99.toFixed(2)} ms); substring-scan baseline p50 ${l.baseP50.toFixed(2)} ms, p99 ${l.baseP99.toFixed(2)} ms; ratio p50 ${(l.p50 / l.baseP50).toFixed(2)}, p99 ${(l.p99 / l.baseP99).toFixed(2)}; index build ${l.buildMs.toFixed(0)} ms`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
