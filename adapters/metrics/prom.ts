/**
 * The metrics port on prom-client: one registry per container (tests build many), plus the Node
 * and process defaults (CPU, memory, event-loop lag, GC, handles) in one registry per process,
 * since their collectors cannot be removed again.
 */
import client from 'prom-client';
import type { Counter, Histogram, Labels, MetricsPort, Reading } from '../../src/application/ports/metrics.js';

let defaults: client.Registry | null = null;
function processRegistry(): client.Registry {
  if (!defaults) {
    defaults = new client.Registry();
    client.collectDefaultMetrics({ register: defaults });
  }
  return defaults;
}

export class PromMetrics implements MetricsPort {
  readonly registry = new client.Registry();
  readonly contentType = this.registry.contentType;

  constructor(opts: { processDefaults?: boolean } = {}) {
    if (opts.processDefaults ?? true) processRegistry();
    this.withDefaults = opts.processDefaults ?? true;
  }
  private readonly withDefaults: boolean;

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const c = (this.registry.getSingleMetric(name) as client.Counter<L> | undefined) ?? new client.Counter<L>({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    return { inc: (labels, by = 1) => (labels ? c.inc(clean(labels), by) : c.inc(by)) };
  }

  histogram<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], buckets?: readonly number[]): Histogram<L> {
    const h = (this.registry.getSingleMetric(name) as client.Histogram<L> | undefined) ?? new client.Histogram<L>({ name, help, labelNames: [...labelNames], registers: [this.registry], ...(buckets ? { buckets: [...buckets] } : {}) });
    return { observe: (labels, value) => h.observe(clean(labels), value) };
  }

  gauge<L extends string = never>(name: string, help: string, read: () => Reading<L> | Promise<Reading<L>>, labelNames: readonly L[] = []): void {
    if (this.registry.getSingleMetric(name)) this.registry.removeSingleMetric(name);
    new client.Gauge<L>({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      async collect() {
        this.reset();
        let r: Reading<L>;
        try {
          r = await read();
        } catch {
          return;
        }
        if (typeof r === 'number') this.set(r);
        else for (const { labels, value } of r) this.set(clean(labels), value);
      },
    });
  }

  /** The exposition text: this container's metrics, then the process's. */
  async text(): Promise<string> {
    const own = await this.registry.metrics();
    return this.withDefaults ? `${own}\n${await processRegistry().metrics()}` : own;
  }
}

/** prom-client wants no undefined label values. */
function clean<L extends string>(labels: Labels<L>): Partial<Record<L, string>> {
  const out: Partial<Record<L, string>> = {};
  for (const k in labels) if (labels[k] !== undefined) out[k] = labels[k];
  return out;
}
