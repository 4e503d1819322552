/**
 * docs/prometheus-alerts.yml and docs/grafana-dashboard.json: the shape Prometheus and Grafana load,
 * and every metric they name is one /metrics exposes (so a renamed metric cannot leave a silent alert).
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { testApp } from '../helpers/app.js';
import { prereq } from '../helpers/prereqs.js';

const rulesText = readFileSync('docs/prometheus-alerts.yml', 'utf8');
const rules = parse(rulesText) as { groups: { name: string; rules: Record<string, unknown>[] }[] };
const dashboard = JSON.parse(readFileSync('docs/grafana-dashboard.json', 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };

/** Metric names in a PromQL expression: suban_*, process_*, nodejs_* (histogram suffixes dropped). */
const metricsIn = (expr: string) => [...expr.matchAll(/\b((?:suban|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''));

t.test('alert rules: groups of rules with alert, expr, labels.severity, summary and description', async (t) => {
  t.ok(Array.isArray(rules.groups) && rules.groups.length > 0);
  const names = new Set<string>();
  for (const g of rules.groups) {
    t.type(g.name, 'string');
    t.ok(Array.isArray(g.rules) && g.rules.length > 0, `group ${g.name} has rules`);
    for (const r of g.rules) {
      t.same(Object.keys(r).filter((k) => !['alert', 'expr', 'for', 'labels', 'annotations'].includes(k)), [], `${r.alert}: only fields Prometheus knows`);
      t.match(r, { alert: /^[A-Za-z][A-Za-z0-9_]*$/, expr: String, labels: { severity: /^(critical|warning)$/ }, annotations: { summary: String, description: String } });
      if (r.for !== undefined) t.match(r.for, /^\d+[smh]$/);
      t.notOk(names.has(r.alert as string), `${r.alert} is named once`);
      names.add(r.alert as string);
    }
  }
  for (const needed of ['SubanPageUnansweredAtLastStep', 'SubanJobRunnerLagging', 'SubanProviderFailing', 'SubanHigh5xxRate']) t.ok(names.has(needed), needed);
});

const PROMTOOL = prereq('promtool');
t.test('promtool check rules', { skip: PROMTOOL.skip }, async (t) => {
  const out = execFileSync(PROMTOOL.path!, ['check', 'rules', 'docs/prometheus-alerts.yml'], { encoding: 'utf8' });
  t.match(out, /SUCCESS: \d+ rules found/);
});

t.test('the dashboard and the alerts name only metrics /metrics exposes', async (t) => {
  const h = await testApp(t);
  const res = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
  const exposed = new Set([...res.body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  t.ok(dashboard.panels.length >= 10, 'panels');
  const named = new Set<string>();
  for (const p of dashboard.panels) for (const target of p.targets) metricsIn(target.expr).forEach((m) => named.add(m));
  for (const g of rules.groups) for (const r of g.rules) metricsIn(r.expr as string).forEach((m) => named.add(m));
  for (const m of named) t.ok(exposed.has(m), `${m} is exposed`);
  for (const m of ['suban_pages_running', 'suban_page_ack_seconds', 'suban_job_lag_seconds', 'suban_provider_errors_total', 'suban_call_queue_length', 'suban_screen_pop_seconds', 'suban_websocket_clients', 'suban_classify_seconds']) t.ok(named.has(m), `the dashboard or an alert shows ${m}`);
});
