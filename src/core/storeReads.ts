/**
 * What a StoredIndex reads from its store and may read again, kept until the store changes: a
 * store replaces its totals object after every write (its own, or another process's taken in by
 * sync). A question asked again (a busy channel, a retry, a misspelling people share) then reads
 * no postings, scores no pool again and looks up no spellings.
 *
 * A write keeps what it cannot have changed (when the store says what it changed: changesSince):
 * a pool or a term's holders whose terms it left alone, the near spellings of a word no word
 * joining or leaving the vocabulary is near. Scores go (the totals weigh them). Emptying every
 * cache made the first questions after each added article read from SQLite again.
 */
import type { ArchiveStats, ArchiveStore, StoreChanges } from './archiveStore.js';
import { Lru } from './lru.js';

/** Pools (and their articles' scores) kept: a few KB each. */
const POOL_CACHE = 256;
/** Words whose near spellings are kept (a few dozen words each at most). */
const SIMILAR_CACHE = 4_096;
/**
 * Articles kept listed as holding a term, over all terms: each about 600 bytes of heap as listed
 * (an object whose count is read when asked). The sqlite backend at 1x, all 2,255 questions:
 * 30,359 listed with 50,000 allowed, RSS 133-135 MB; with 10,000, 120-123 MB, CPU and latency
 * the same (at 100x they list 1,471).
 */
const HELD_CACHE = 10_000;

interface Pool {
  ids: readonly number[];
  articles: number[];
}
interface Near {
  term: string;
  /** Edits allowed, or -1 for words starting with the term. */
  distance: number;
  words: string[];
}
interface Held {
  id: number;
  articles: Array<{ article: number; tf: number }>;
}

/** Whether `word` joining or leaving the vocabulary may change what similarTerms gives for `near` (first letter kept, lengths within reach). */
function mayBeNear(near: Near, word: string): boolean {
  // Any word starting with the term (the store bounds their length too: dropping more is only a read again).
  if (near.distance < 0) return word.startsWith(near.term);
  // Lengths in code points, as the store measures them.
  return (
    word.codePointAt(0) === near.term.codePointAt(0) &&
    Math.abs([...word].length - [...near.term].length) <= near.distance
  );
}

/** The caches of one StoredIndex over one store; see the note at the top. */
export class StoreReads {
  private under: ArchiveStats | null = null;
  private epoch = -1;
  private readonly pools = new Lru<string, Pool>(POOL_CACHE);
  private readonly scores = new Lru<string, Array<{ a: number; score: number }>>(POOL_CACHE);
  private readonly similar = new Lru<string, Near>(SIMILAR_CACHE);
  // A term more articles hold than the budget is not kept: it is read again when asked (only
  // newer.ts asks, for an article's key terms, and keeps what it works out from them per article).
  private readonly holders = new Lru<string, Held>(HELD_CACHE, (v) => v.articles.length);

  constructor(private readonly store: ArchiveStore) {}

  /** Drops what the store's writes since the caches were filled may have changed. */
  private fresh(): void {
    const stats = this.store.stats();
    if (stats === this.under) return;
    this.under = stats;
    const since: StoreChanges | undefined = this.store.changesSince?.(this.epoch);
    this.epoch = since?.epoch ?? -1;
    this.scores.clear();
    const changed = since?.changed;
    if (!changed) {
      for (const c of [this.pools, this.similar, this.holders]) c.clear();
      return;
    }
    if (changed.ids.size > 0) {
      this.pools.drop((p) => p.ids.some((id) => changed.ids.has(id)));
      this.holders.drop((h) => changed.ids.has(h.id));
    }
    if (changed.words.size > 0) this.similar.drop((n) => [...changed.words].some((w) => mayBeNear(n, w)));
  }

  /** The store's pool for these terms and depth (see ArchiveStore.pool). */
  pool(ids: ReadonlyArray<{ id: number; weight: number }>, count: number): number[] {
    this.fresh();
    return this.pools.getOr(`${count}|${ids.map((t) => `${t.id}:${t.weight}`).join(',')}`, () => ({
      ids: ids.map((t) => t.id),
      articles: this.store.pool(ids, count),
    })).articles;
  }

  /** The store's words near a term (see ArchiveStore.similarTerms). */
  similarTerms(term: string, how: { distance: number } | { prefix: true }): string[] {
    this.fresh();
    const distance = 'prefix' in how ? -1 : how.distance;
    return this.similar.getOr(`${distance}:${term}`, () => ({
      term,
      distance,
      words: this.store.similarTerms(term, how),
    })).words;
  }

  /** Stage 1's scores of a pool's articles, by a key naming the pool and the weighed terms. */
  scored(key: string, make: () => Array<{ a: number; score: number }>): Array<{ a: number; score: number }> {
    this.fresh();
    return this.scores.getOr(key, make);
  }

  /** The articles holding a term, of id `id` (see StoredIndex.articlesHolding). */
  holding(
    term: string,
    id: number,
    make: () => Array<{ article: number; tf: number }>,
  ): Array<{ article: number; tf: number }> {
    this.fresh();
    return this.holders.getOr(term, () => ({ id, articles: make() })).articles;
  }
}
