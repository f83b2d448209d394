/**
 * A small least-recently-used map (a Map keeps insertion order): its entries' weights (1 each
 * unless `weigh` says) sum to at most `max`, the longest unused dropped first. A cache weighed by
 * bytes holds as much memory however large its entries are (an archive's articles differ in
 * length tenfold).
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  private readonly weights = new Map<K, number>();
  private total = 0;
  constructor(
    private readonly max: number,
    private readonly weigh?: (value: V) => number,
  ) {}

  /** The value kept for `key`, now the most recently used (undefined when none). */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** The value kept for `key`, else `make()`'s, kept (see set). */
  getOr(key: K, make: () => V): V {
    let v = this.get(key);
    if (v === undefined) this.set(key, (v = make()));
    return v;
  }

  /** Keeps `value` (one weighing more than the whole budget is not kept). */
  set(key: K, value: V): void {
    this.delete(key);
    const w = this.weigh ? this.weigh(value) : 1;
    if (w > this.max) return;
    this.map.set(key, value);
    if (this.weigh) this.weights.set(key, w);
    this.total += w;
    while (this.total > this.max) this.delete(this.map.keys().next().value!);
  }

  delete(key: K): void {
    if (!this.map.delete(key)) return;
    if (!this.weigh) this.total--;
    else {
      this.total -= this.weights.get(key)!;
      this.weights.delete(key);
    }
  }

  /** Drops the entries `stale` names. */
  drop(stale: (value: V, key: K) => boolean): void {
    for (const [key, v] of this.map) if (stale(v, key)) this.delete(key);
  }

  clear(): void {
    this.map.clear();
    this.weights.clear();
    this.total = 0;
  }

  /** Entries kept. */
  get size(): number {
    return this.map.size;
  }

  /** The kept entries' weights summed (their count, unweighed). */
  get weight(): number {
    return this.total;
  }
}
