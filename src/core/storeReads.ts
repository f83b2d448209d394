/**
 * What a StoredIndex reads from its store and may read again, kept until the store changes: a
 * store replaces its totals object after every write (its own, or another process's taken in by
 * sync), so a new one empties every cache here. A question asked again (a busy channel, a retry,
 * a misspelling people share) then reads no postings, scores no pool again and looks up no spellings.
 */
import type { ArchiveStats, ArchiveStore } from './archiveStore.js';

/** Pools (and their articles' scores) kept: a few KB each. */
const POOL_CACHE = 256;
/** Words whose near spellings are kept (a few dozen words each at most). */
const SIMILAR_CACHE = 4_096;
/** Articles kept listed as holding a term, over all terms (a few MB at most). */
const HELD_CACHE = 50_000;

/** A bounded map emptied when full (the working set between two writes is small). */
class Bounded<V> {
  private readonly map = new Map<string, V>();
  private size = 0;
  constructor(
    private readonly max: number,
    private readonly weigh: (v: V) => number = () => 1,
  ) {}
  get(key: string, make: () => V): V {
    let v = this.map.get(key);
    if (v === undefined) {
      v = make();
      const w = this.weigh(v);
      if (this.size + w > this.max) this.clear();
      this.map.set(key, v);
      this.size += w;
    }
    return v;
  }
  clear(): void {
    this.map.clear();
    this.size = 0;
  }
}

/** The caches of one StoredIndex over one store; see the note at the top. */
export class StoreReads {
  private under: ArchiveStats | null = null;
  private readonly pools = new Bounded<number[]>(POOL_CACHE);
  private readonly scores = new Bounded<Array<{ a: number; score: number }>>(POOL_CACHE);
  private readonly similar = new Bounded<string[]>(SIMILAR_CACHE);
  private readonly holders = new Bounded<Array<{ article: number; tf: number }>>(HELD_CACHE, (v) => v.length);

  constructor(private readonly store: ArchiveStore) {}

  /** Empties every cache when the store changed since they were filled. */
  private fresh(): void {
    const stats = this.store.stats();
    if (stats === this.under) return;
    this.under = stats;
    for (const c of [this.pools, this.scores, this.similar, this.holders]) c.clear();
  }

  /** The store's pool for these terms and depth (see ArchiveStore.pool). */
  pool(ids: ReadonlyArray<{ id: number; weight: number }>, count: number): number[] {
    this.fresh();
    return this.pools.get(`${count}|${ids.map((t) => `${t.id}:${t.weight}`).join(',')}`, () =>
      this.store.pool(ids, count),
    );
  }

  /** The store's words near a term (see ArchiveStore.similarTerms). */
  similarTerms(term: string, how: { distance: number } | { prefix: true }): string[] {
    this.fresh();
    return this.similar.get(`${'prefix' in how ? 'p' : how.distance}:${term}`, () =>
      this.store.similarTerms(term, how),
    );
  }

  /** Stage 1's scores of a pool's articles, by a key naming the pool and the weighed terms. */
  scored(key: string, make: () => Array<{ a: number; score: number }>): Array<{ a: number; score: number }> {
    this.fresh();
    return this.scores.get(key, make);
  }

  /** The articles holding a term (see StoredIndex.articlesHolding). */
  holding(term: string, make: () => Array<{ article: number; tf: number }>): Array<{ article: number; tf: number }> {
    this.fresh();
    return this.holders.get(term, make);
  }
}
