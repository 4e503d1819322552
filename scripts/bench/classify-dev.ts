/**
 * The classifier on labelled files it was not trained on: unit accuracy (owner or an acceptable
 * unit), top-3, manual-queue share, and 即办 levels where the file labels them.
 *
 *   npx tsx scripts/bench/classify-dev.ts test/fixtures/classify/dev-long-a.jsonl [...] [--misses] [--model m.json]
 */
import { readFileSync } from 'node:fs';
import { createClassifier, loadDutyList } from '../../adapters/fs-config/routing.js';
import { parseRoutingModel } from '../../src/domain/routing/routing-model.js';
import { UrgencyTally } from './urgency-tally.js';

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
const total = { n: 0, rows: 0, ok: 0, top3: 0, manual: 0, urgency: new UrgencyTally() };
for (const f of files) {
  const rows = readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  let ok = 0, top3 = 0, manual = 0;
  const u = new UrgencyTally();
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
    u.add(r.urgent, x);
    if (r.urgent === true && !x.urgent) misses.push(`urgent-miss ${r.id} (${x.urgentCheck ? 'check' : 'none'}): ${text.slice(0, 120)}`);
    if (x.urgent && r.urgent === false) misses.push(`urgent-false ${r.id} ${x.urgentReasons.join(',')} ${x.evidence.filter((e) => e.startsWith('即办')).join(' ')}: ${text.slice(0, 100)}`);
  }
  const n = rows.filter((r) => r.unit).length;
  console.log(`| ${f.split('/').pop()} | ${rows.length} | ${pct(ok, n)} | ${pct(top3, n)} | ${pct(manual, n)} | ${u.flagged} (${pct(u.flagged, rows.length)}) | ${u.urgent ? pct(u.pagedUrgent, u.urgent) : '-'} | ${u.flagged ? pct(u.pagedUrgent, u.flagged) : '-'} | ${u.urgent ? pct(u.eitherUrgent, u.urgent) : '-'} |`);
  Object.assign(total, { n: total.n + n, rows: total.rows + rows.length, ok: total.ok + ok, top3: total.top3 + top3, manual: total.manual + manual });
  total.urgency.addAll(u);
  if (showMisses) for (const m of misses) console.log('  ' + m);
}
if (files.length > 1) {
  const t = total;
  const u = t.urgency;
  console.log(`| all | ${t.rows} | ${pct(t.ok, t.n)} (${t.ok}/${t.n}) | ${pct(t.top3, t.n)} | ${pct(t.manual, t.n)} | | ${pct(u.pagedUrgent, u.urgent)} (${u.pagedUrgent}/${u.urgent}) | | ${pct(u.eitherUrgent, u.urgent)} (${u.eitherUrgent}/${u.urgent}) |`);
  console.log(`ordinary (urgent:false) requests: ${u.pagedOrdinary}/${u.ordinary} paged at once (${pct(u.pagedOrdinary, u.ordinary)}), ${u.checkedOrdinary} 待核实 (${pct(u.checkedOrdinary, u.ordinary)})`);
}
