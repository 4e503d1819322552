/**
 * The classifier on labelled files it was not trained on: unit accuracy (owner or an acceptable
 * unit), top-3, manual-queue share, and 即办 levels where the file labels them.
 *
 *   npx tsx scripts/bench/classify-dev.ts test/fixtures/classify/dev-long-a.jsonl [...] [--misses] [--model m.json]
 */
import { readFileSync } from 'node:fs';
import { createClassifier, loadDutyList } from '../../adapters/fs-config/routing.js';
import { parseRoutingModel } from '../../src/domain/routing/routing-model.js';

const args = process.argv.slice(2);
const files = args.filter((a) => a.endsWith('.jsonl'));
const showMisses = args.includes('--misses');
const modelPath = args.includes('--model') ? args[args.indexOf('--model') + 1] : null;
const dutyList = loadDutyList();
const c = createClassifier(dutyList, modelPath ? { model: parseRoutingModel(readFileSync(modelPath, 'utf8')) } : {});
if (args.includes('--weight') && c.model) c.model.meta.modelWeight = Number(args[args.indexOf('--weight') + 1]);
const pct = (x: number, n: number) => `${((100 * x) / Math.max(1, n)).toFixed(1)}%`;
console.log('| file | n | unit | top-3 | manual | urgent (flag rate) | urgent recall | urgent precision | urgent∪check recall |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
const total = { n: 0, rows: 0, ok: 0, top3: 0, manual: 0, pos: 0, caught: 0, caughtAny: 0, neg: 0, negPaged: 0, negCheck: 0 };
for (const f of files) {
  const rows = readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  let ok = 0, top3 = 0, manual = 0, flagged = 0, pos = 0, caught = 0, caughtAny = 0, tp = 0;
  const misses: string[] = [];
  for (const r of rows) {
    const text = r.title ? `${r.title}\n${r.text}` : r.text;
    const x = c.classify(text);
    const gold = new Set([r.unit, ...(r.acceptable ?? [])].filter(Boolean));
    if (r.unit) {
      if (x.unit && gold.has(x.unit)) ok++;
      else misses.push(`unit ${r.id}: got ${x.unit} want ${[...gold].join('/')} | ${x.suggestions.map((s) => `${s.unit}:${s.score}`).join(' ')} | ${text.slice(0, 90)}`);
      if (x.suggestions.some((s) => gold.has(s.unit))) top3++;
      if (x.needsManualDispatch) manual++;
    }
    if (x.urgent) flagged++;
    if (r.urgent === true) {
      pos++;
      if (x.urgent) caught++;
      if (x.urgent || x.urgentCheck) caughtAny++;
      if (!x.urgent) misses.push(`urgent-miss ${r.id} (${x.urgentCheck ? 'check' : 'none'}): ${text.slice(0, 120)}`);
    }
    if (x.urgent && r.urgent === true) tp++;
    if (r.urgent === false) {
      total.neg++;
      if (x.urgent) total.negPaged++;
      else if (x.urgentCheck) total.negCheck++;
    }
    if (x.urgent && r.urgent === false) misses.push(`urgent-false ${r.id} ${x.urgentReasons.join(',')} ${x.evidence.filter((e) => e.startsWith('即办')).join(' ')}: ${text.slice(0, 100)}`);
  }
  const n = rows.filter((r) => r.unit).length;
  console.log(`| ${f.split('/').pop()} | ${rows.length} | ${pct(ok, n)} | ${pct(top3, n)} | ${pct(manual, n)} | ${flagged} (${pct(flagged, rows.length)}) | ${pos ? pct(caught, pos) : '-'} | ${flagged ? pct(tp, flagged) : '-'} | ${pos ? pct(caughtAny, pos) : '-'} |`);
  Object.assign(total, { n: total.n + n, rows: total.rows + rows.length, ok: total.ok + ok, top3: total.top3 + top3, manual: total.manual + manual, pos: total.pos + pos, caught: total.caught + caught, caughtAny: total.caughtAny + caughtAny });
  if (showMisses) for (const m of misses) console.log('  ' + m);
}
if (files.length > 1) {
  const t = total;
  console.log(`| all | ${t.rows} | ${pct(t.ok, t.n)} (${t.ok}/${t.n}) | ${pct(t.top3, t.n)} | ${pct(t.manual, t.n)} | | ${pct(t.caught, t.pos)} (${t.caught}/${t.pos}) | | ${pct(t.caughtAny, t.pos)} (${t.caughtAny}/${t.pos}) |`);
  console.log(`ordinary (urgent:false) requests: ${t.negPaged}/${t.neg} paged at once (${pct(t.negPaged, t.neg)}), ${t.negCheck} 待核实 (${pct(t.negCheck, t.neg)})`);
}
