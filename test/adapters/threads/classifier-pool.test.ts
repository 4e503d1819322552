import t from 'tap';
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { ClassifierPool } from '../../../adapters/threads/classifier-pool.js';
import { createLogger } from '../../../src/logger.js';
import { classifier, LogSink } from '../../helpers/app.js';

const texts = readFileSync('config/routing-examples.jsonl', 'utf8')
  .trim()
  .split('\n')
  .slice(0, 60)
  .map((l) => (JSON.parse(l) as { text: string }).text);
const data = { dutyList: 'config/duty-list.yaml', threshold: 0.45 };
const local = classifier();

/** The pool's worker threads (tests only: a worker dying is what the pool must survive). */
const workersOf = (pool: ClassifierPool) => (pool as unknown as { slots: { worker: Worker }[] }).slots.map((s) => s.worker);

t.test('a worker classifies exactly as this thread does, each answer to its own request', async (t) => {
  const pool = new ClassifierPool(data, 2, createLogger('silent'), () => t.fail('no fallback expected') as never);
  t.teardown(() => pool.close());
  await pool.ready();
  // All at once: the requests of one turn travel in batches over both workers.
  const got = await Promise.all(texts.map((x) => pool.classify(x)));
  t.same(got, await Promise.all(texts.map((x) => local.classify(x))));
});

t.test('requests held by a worker that dies are answered by its replacement', async (t) => {
  const sink = new LogSink();
  const pool = new ClassifierPool(data, 1, createLogger('error', sink), () => t.fail('no fallback expected') as never);
  t.teardown(() => pool.close());
  await pool.ready();
  const [w] = workersOf(pool);
  const pending = Promise.all(texts.map((x) => pool.classify(x)));
  // The batch is posted on the next turn; the worker is stopped while it holds it.
  await new Promise((r) => setImmediate(r));
  await w!.terminate();
  t.same(await pending, await Promise.all(texts.map((x) => local.classify(x))));
  t.not(workersOf(pool)[0], w, 'a new worker took over');
  t.match(sink.text, 'classifier worker exited; its requests are sent again');
});

t.test('when workers cannot start, this thread classifies and says so in the log', async (t) => {
  const sink = new LogSink();
  let loaded = 0;
  const pool = new ClassifierPool({ ...data, dutyList: 'config/no-such-duty-list.yaml' }, 1, createLogger('error', sink), () => {
    loaded++;
    return local;
  });
  t.teardown(() => pool.close());
  const c = await pool.classify(texts[0]!);
  t.same(c, await local.classify(texts[0]!));
  await pool.ready();
  t.equal(loaded, 1, 'the in-process classifier is loaded once');
  t.match(sink.text, 'classifier workers do not start: classifying on the main thread');
});

t.test('a closed pool refuses work instead of hanging', async (t) => {
  const pool = new ClassifierPool(data, 1, createLogger('silent'), () => local);
  const inFlight = t.rejects(pool.classify(texts[0]!), /closed/);
  await pool.close();
  await inFlight;
  await t.rejects(pool.classify(texts[1]!), /closed/);
});

t.test('when the classifier cannot be loaded anywhere, requests fail with the reason and readiness stays red', async (t) => {
  const sink = new LogSink();
  const pool = new ClassifierPool({ ...data, dutyList: 'config/no-such-duty-list.yaml' }, 1, createLogger('error', sink), () => {
    throw new Error('duty list missing');
  });
  t.teardown(() => pool.close());
  let ready = false;
  void pool.ready().then(() => (ready = true));
  await t.rejects(pool.classify(texts[0]!), /duty list missing/);
  await t.rejects(pool.classify(texts[1]!), /duty list missing/, 'and so does every later request, at once');
  t.equal(ready, false);
  t.match(sink.text, 'the classifier cannot be loaded');
});
