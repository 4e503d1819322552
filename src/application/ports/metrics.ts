/**
 * Metrics people alert on, as application code records them. Names and labels are Prometheus's
 * (snake_case, `_total` counters, `_seconds` histograms); the adapter (adapters/metrics/prom.ts)
 * is the only code that knows prom-client. `noMetrics` records nothing (tests, tools).
 */
export type Labels<L extends string> = Partial<Record<L, string>>;

export interface Counter<L extends string = string> {
  inc(labels?: Labels<L>, by?: number): void;
}

export interface Histogram<L extends string = string> {
  /** a duration or size; durations in seconds */
  observe(labels: Labels<L>, value: number): void;
}

/** A value read when metrics are scraped: one number, or one per label set. */
export type Reading<L extends string> = number | { labels: Labels<L>; value: number }[];

export interface MetricsPort {
  counter<L extends string = never>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  histogram<L extends string = never>(name: string, help: string, labelNames?: readonly L[], buckets?: readonly number[]): Histogram<L>;
  /** A gauge whose value is read at scrape time (a failing read leaves it unset for that scrape). */
  gauge<L extends string = never>(name: string, help: string, read: () => Reading<L> | Promise<Reading<L>>, labelNames?: readonly L[]): void;
}

const nothing = { inc() {}, observe() {} };

export const noMetrics: MetricsPort = {
  counter: () => nothing,
  histogram: () => nothing,
  gauge: () => undefined,
};

/** Buckets for latencies of in-process work and round trips (seconds). */
export const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
/** Buckets for human waits: a queue, an acknowledgement (seconds, 5 s to 2 h). */
export const HUMAN_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200] as const;

/** Times an async call into a histogram (seconds by `now`, the injected clock's milliseconds). */
export async function timed<T>(h: Histogram<string>, labels: Labels<string>, now: () => number, fn: () => Promise<T>): Promise<T> {
  const t0 = now();
  try {
    return await fn();
  } finally {
    h.observe(labels, (now() - t0) / 1000);
  }
}

/** The provider-error counter every adapter's calls are counted in (provider: twilio, freeswitch, wechat, sim, platform:<slug>). */
export function providerErrors(m: MetricsPort): Counter<'provider' | 'operation'> {
  return m.counter('suban_provider_errors_total', 'calls into an outside provider that failed, by provider and operation', ['provider', 'operation']);
}

/**
 * `target` with every method counted in `errors` when it throws or its promise rejects (the
 * error still reaches the caller). Methods run on the target itself, so private fields work.
 */
export function countingFailures<T extends object>(target: T, errors: Counter<'provider' | 'operation'>, provider: string): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, key) {
      const v = Reflect.get(t, key, t);
      if (typeof v !== 'function' || key === 'constructor') return v;
      let w = wrapped.get(key);
      if (!w) {
        const fail = () => errors.inc({ provider, operation: String(key) });
        w = (...args: unknown[]) => {
          let r: unknown;
          try {
            r = (v as (...a: unknown[]) => unknown).apply(t, args);
          } catch (e) {
            fail();
            throw e;
          }
          if (r instanceof Promise) return r.catch((e: unknown) => { fail(); throw e; });
          return r;
        };
        wrapped.set(key, w);
      }
      return w;
    },
  });
}
