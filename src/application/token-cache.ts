/**
 * A short-lived memo of credential lookups: every API call authenticates, and a database round
 * trip per request halves intake throughput. Entries live a few seconds, so a revoked token or a
 * logout stops working within that time on every instance (and at once on this one).
 */
export class TtlCache<V> {
  private readonly map = new Map<string, { v: V; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(k: string): V | undefined {
    const e = this.map.get(k);
    if (!e) return undefined;
    if (e.until < this.now()) {
      this.map.delete(k);
      return undefined;
    }
    return e.v;
  }

  set(k: string, v: V): void {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(k, { v, until: this.now() + this.ttlMs });
  }

  delete(k: string): void {
    this.map.delete(k);
  }

  clear(): void {
    this.map.clear();
  }
}
