/**
 * /metrics (issue 21, item 4): every metric people alert on moves when its event happens. Time-based
 * ones run on the fake clock: job lag, time to acknowledge, queue waits, screen-pop latency.
 */
import { CallGateway } from '../../src/application/voice/call-gateway.js';
import t from 'tap';
import WebSocket from 'ws';
import { PromMetrics } from '../../adapters/metrics/prom.js';
import { openDatabase } from '../../adapters/db/database.js';
import { SqlJobStore } from '../../adapters/db/job-store.js';
import { JobRunner } from '../../src/application/jobs/runner.js';
import { FakeClock } from '../../src/domain/clock.js';
import { countingFailures, providerErrors } from '../../src/application/ports/metrics.js';
import { testApp } from '../helpers/app.js';
import { pagingHarness } from '../application/paging/harness.js';
import { foreignJob, foreignKind } from '../helpers/jobs.js';

/** A sample's value by metric name (histograms: name_count / name_sum) and labels; 0 when absent. */
async function read(m: PromMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  for (const metric of await m.registry.getMetricsAsJSON()) {
    for (const v of metric.values as { value: number; labels: Record<string, string | number>; metricName?: string }[]) {
      if ((v.metricName ?? metric.name) !== name) continue;
      if (Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x)) return v.value;
    }
  }
  return 0;
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

t.test('job runner: lag of the oldest due job, failures by kind (retry, then final)', async (t) => {
  const db = await openDatabase({ url: 'sqlite::memory:' });
  await db.migrate();
  t.teardown(() => db.close());
  const clock = new FakeClock('2026-11-26T02:00:00Z');
  const m = new PromMetrics({ processDefaults: false });
  const jobs = new SqlJobStore(db, clock);
  const runner = new JobRunner(jobs, clock, quiet, { worker: 'w', maxAttempts: 2, metrics: m, random: () => 0.5 });
  runner.register(foreignKind('test.flaky'), async () => {
    throw new Error('provider down');
  });
  t.equal(await read(m, 'suban_job_lag_seconds'), 0, 'no job: no lag');
  await jobs.enqueue([foreignJob('test.flaky', 'k1', clock.now())]);
  clock.advance(90_000);
  t.equal(await read(m, 'suban_job_lag_seconds'), 90, 'a job due 90 s ago and not run: 90 s of lag');
  await runner.runDue();
  t.equal(await read(m, 'suban_job_failures_total', { kind: 'test.flaky', final: 'false' }), 1, 'the first failure will be retried');
  t.equal(await read(m, 'suban_job_lag_seconds'), 0, 'retried later: nothing due now');
  clock.advance(3600_000);
  await runner.runDue();
  t.equal(await read(m, 'suban_job_failures_total', { kind: 'test.flaky', final: 'true' }), 1, 'the last attempt failed for good');
});

const CHAIN = { steps: [{ target: 'duty' as const, channel: 'call' as const, attempts: 1 }, { target: 'hotline_duty' as const, channel: 'call' as const, repeat: true }] };

t.test('paging: pages by outcome and time to acknowledge', async (t) => {
  const m = new PromMetrics({ processDefaults: false });
  const h = await pagingHarness(t, { metrics: m, chain: CHAIN });
  t.teardown(() => h.close());
  await h.ticket();
  await h.settle();
  t.equal(await read(m, 'suban_pages_running', { last_step: 'false' }), 1, 'a page calling its first step');
  h.clock.advance(4 * 60_000);
  t.match(await h.press(h.dialer.calls[0]!, '1'), { status: 'acked' });
  await h.idle();
  t.equal(await read(m, 'suban_pages_running', { last_step: 'false' }), 0, 'acknowledged: no longer running');
  t.equal(await read(m, 'suban_pages_total', { outcome: 'acknowledged' }), 1);
  t.equal(await read(m, 'suban_page_ack_seconds_count'), 1);
  t.equal(await read(m, 'suban_page_ack_seconds_sum'), 240, 'acknowledged 4 minutes after the page started');
});

t.test('paging: a page nobody answered reaches the last step of its chain', async (t) => {
  const m = new PromMetrics({ processDefaults: false });
  const h = await pagingHarness(t, { metrics: m, chain: CHAIN });
  t.teardown(() => h.close());
  await h.ticket();
  await h.settle();
  t.equal(await read(m, 'suban_pages_running', { last_step: 'true' }), 0);
  for (let i = 0; i < 30 && h.dialer.calls.length < 2; i++) await h.advance(60_000);
  t.equal(h.dialer.calls.length, 2, 'the hotline duty officer is called');
  t.equal(await read(m, 'suban_pages_running', { last_step: 'true' }), 1, 'unanswered at the last step: what the alert watches');
});

t.test('the service: calls queue, waits, abandons, screen pops, classifier, providers, websockets, Node defaults on /metrics', async (t) => {
  const h = await testApp(t);
  const m = h.ctx.metrics;
  const v = h.ctx.calls as unknown as { onProgress(e: unknown): void; idle(): Promise<void> };
  const base = { flow: 'hotline', at: h.clock.now() };
  const pop = (callId: string) => ({ callId, caller: '13800138000', called: '12345', queue: 'operators', priority: 5, ivrPath: '主菜单', path: [], digits: [] });

  v.onProgress({ ...base, callId: 'CA1', kind: 'queued', step: 'queue', screenPop: pop('CA1') });
  v.onProgress({ ...base, callId: 'CA2', kind: 'queued', step: 'queue', screenPop: pop('CA2') });
  await v.idle();
  t.equal(await read(m, 'suban_call_queue_length'), 2, 'two calls waiting');
  t.equal(await read(m, 'suban_screen_pop_seconds_count'), 2, 'two screen pops timed');
  v.onProgress({ ...base, at: h.clock.now(), callId: 'CA1', kind: 'dequeued', step: 'queue', queue: 'operators', result: 'bridged', waitedSec: 35 });
  v.onProgress({ ...base, at: h.clock.now(), callId: 'CA2', kind: 'dequeued', step: 'queue', queue: 'operators', result: 'hangup', waitedSec: 70 });
  await v.idle();
  t.equal(await read(m, 'suban_call_queue_length'), 0);
  t.equal(await read(m, 'suban_call_queue_wait_seconds_sum', { result: 'answered' }), 35);
  t.equal(await read(m, 'suban_call_queue_wait_seconds_sum', { result: 'abandoned' }), 70);
  t.equal(await read(m, 'suban_call_queue_abandoned_total'), 1, 'the caller who hung up while waiting');
  // A call that ends while still queued is abandoned too.
  v.onProgress({ ...base, callId: 'CA3', kind: 'queued', step: 'queue', screenPop: pop('CA3') });
  v.onProgress({ ...base, callId: 'CA3', kind: 'ended', result: null, reason: 'caller_hangup', ivrPath: '' });
  await v.idle();
  t.equal(await read(m, 'suban_call_queue_abandoned_total'), 2);

  const before = await read(m, 'suban_classify_seconds_count');
  await h.ctx.classifier.classify('红都大道路灯不亮');
  t.equal(await read(m, 'suban_classify_seconds_count'), before + 1, 'a classification timed');

  // A gateway over a provider whose calls fail, recording into the same registry.
  const c = h.ctx;
  const failing = new CallGateway({ flowFiles: c.flowFiles, bus: c.bus, clock: c.clock, state: c.state, tickets: c.tickets, workCalendar: c.workCalendar, sms: c.sms, log: c.log, actions: {}, blocked: c.blockedCallers, queue: c.operatorQueue, metrics: m, provider: () => ({ name: 'freeswitch', placeCall: async () => Promise.reject(new Error('ESL not connected')) }) });
  await t.rejects(failing.placeCall({ to: '13800138000', flow: 'paging', vars: {}, ref: 'r1' }), /ESL not connected/, 'the error still reaches the caller');
  t.equal(await read(m, 'suban_provider_errors_total', { provider: 'freeswitch', operation: 'placeCall' }), 1);

  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (h.app.server.address() as { port: number }).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/operator`, ['bearer', h.tokens.operator]);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  await h.app.inject({ method: 'GET', url: '/healthz' });
  const res = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
  ws.close();
  t.equal(res.statusCode, 200);
  t.match(res.body, /^suban_websocket_clients 1$/m, 'the open desk socket');
  t.match(res.body, /^process_cpu_user_seconds_total /m, 'process defaults');
  t.match(res.body, /^nodejs_eventloop_lag_seconds /m, 'event-loop lag');
  t.match(res.body, /^suban_job_lag_seconds /m);
  t.match(res.body, /^suban_pages_running\{last_step="true"\} 0$/m);
  t.match(res.body, /^suban_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1$/m, 'HTTP latency by route (the 5xx alert counts its status)');
});

t.test('countingFailures: counts throws and rejections, passes results and errors through, keeps private fields working', async (t) => {
  const m = new PromMetrics({ processDefaults: false });
  class Provider {
    #secret = 'x';
    async send(ok: boolean) {
      if (!ok) throw new Error('HTTP 500');
      return this.#secret;
    }
    sync(ok: boolean) {
      if (!ok) throw new Error('bad');
      return 1;
    }
  }
  const p = countingFailures(new Provider(), providerErrors(m), 'twilio');
  t.equal(await p.send(true), 'x');
  await t.rejects(p.send(false), /HTTP 500/);
  t.throws(() => p.sync(false), /bad/);
  t.equal(p.sync(true), 1);
  t.ok(p instanceof Provider);
  t.equal(await read(m, 'suban_provider_errors_total', { provider: 'twilio', operation: 'send' }), 1);
  t.equal(await read(m, 'suban_provider_errors_total', { provider: 'twilio', operation: 'sync' }), 1);
});
