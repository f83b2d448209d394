/**
 * A server's archive on the sqlite backend: the shared archive with the server's own articles (a
 * small store of their own) laid over it, answered from as one ArchiveStore. Nothing is copied:
 * a change to the shared archive is seen at once, and the server's additions never reach the
 * shared store, so no other server's answers (nor their term statistics) move.
 *
 * Numbering: the shared store's articles, passages and terms keep their numbers; the own store's
 * are shifted past a base no shared number reaches (OWN_ARTICLES, OWN_PASSAGES), and a word only
 * the own store knows gets an id from FAR_TERMS up. An own article's term ids are translated to
 * these on reading, so ranking compares ids alike across both.
 */
import {
  FAR_TERMS,
  type ArchiveStats,
  type ArchiveStore,
  type StoredArticle,
  type StoredTerm,
} from './archiveStore.js';
import type { KeyProfile } from './answerIndex.js';
import type { ArticleMeta } from './index-parts.js';
import type { Passage } from './passages.js';

/** Own article numbers start here (the shared archive never holds this many). */
export const OWN_ARTICLES = 2 ** 30;
/** Own passage numbers start here. */
export const OWN_PASSAGES = 2 ** 30;

/** The shared store with a server's own store laid over it (see the note at the top). */
export class LayeredStore implements ArchiveStore {
  /** Own term id → layered id; made again when the shared store changes (a word may have joined it). */
  private translation = new Map<number, number>();
  private readonly records = new Map<number, StoredArticle>();
  private sharedSeen: ArchiveStats | null = null;
  private ownSeen: ArchiveStats | null = null;
  private merged: ArchiveStats | null = null;
  private sourceLists: [readonly string[], readonly string[], readonly string[]] | null = null;

  constructor(
    private readonly shared: ArchiveStore,
    private readonly own: ArchiveStore,
  ) {}

  sync(): void {
    this.shared.sync?.();
    this.own.sync?.();
    this.stats();
  }

  stats(): ArchiveStats {
    const s = this.shared.stats();
    const o = this.own.stats();
    // The stores replace their totals object after every write: a new one means cached translations may be stale.
    if (s !== this.sharedSeen || o !== this.ownSeen) {
      this.sharedSeen = s;
      this.ownSeen = o;
      this.translation.clear();
      this.records.clear();
      this.merged = {
        articles: s.articles + o.articles,
        passages: s.passages + o.passages,
        tokens: s.tokens + o.tokens,
        articleLength: s.articleLength + o.articleLength,
        nextArticle: o.nextArticle > 0 ? OWN_ARTICLES + o.nextArticle : s.nextArticle,
        nextPassage: o.nextPassage > 0 ? OWN_PASSAGES + o.nextPassage : s.nextPassage,
      };
    }
    return this.merged!;
  }

  term(term: string): StoredTerm | undefined {
    const s = this.shared.term(term);
    const o = this.own.term(term);
    if (!s && !o) return undefined;
    if (!o) return s;
    if (!s) return { ...o, id: FAR_TERMS + o.id };
    return {
      id: s.id,
      passageDf: s.passageDf + o.passageDf,
      articleDf: s.articleDf + o.articleDf,
      postingDf: s.postingDf + o.postingDf,
    };
  }

  termOf(id: number): string {
    return id >= FAR_TERMS ? this.own.termOf(id - FAR_TERMS) : this.shared.termOf(id);
  }

  /** The layered id of an own term id. */
  private layered(ownId: number): number {
    let id = this.translation.get(ownId);
    if (id === undefined) {
      id = this.shared.term(this.own.termOf(ownId))?.id ?? FAR_TERMS + ownId;
      this.translation.set(ownId, id);
    }
    return id;
  }

  /** The own store's id of a layered term id, if it knows the term. */
  private ownId(id: number): number | undefined {
    return id >= FAR_TERMS ? id - FAR_TERMS : this.own.term(this.shared.termOf(id))?.id;
  }

  article(a: number): StoredArticle {
    if (a < OWN_ARTICLES) return this.shared.article(a);
    this.stats();
    let record = this.records.get(a);
    if (!record) {
      const r = this.own.article(a - OWN_ARTICLES);
      const tokens = r.tokens.map((x) => this.layered(x));
      record = {
        number: a,
        meta: { ...r.meta, firstPassage: r.meta.firstPassage + OWN_PASSAGES },
        passageCount: r.passageCount,
        length: r.length,
        tokens,
        tokenStart: r.tokenStart,
        get offsets() {
          return r.offsets;
        },
        metaTerms: r.metaTerms,
      };
      // A server's own articles are few; the cache is dropped with every write anyway.
      this.records.set(a, record);
    }
    return record;
  }

  /**
   * A shared article's profile as the shared store keeps it (its IDF leaves the server's few
   * articles out). An own article's is worked out over both (newer.ts): its own store's term
   * statistics cover only the server's articles.
   */
  keyProfile(a: number, keyTerms: number): KeyProfile | undefined {
    return a < OWN_ARTICLES ? this.shared.keyProfile?.(a, keyTerms) : undefined;
  }

  passage(p: number): Passage {
    if (p < OWN_PASSAGES) return this.shared.passage(p);
    const own = this.own.passage(p - OWN_PASSAGES);
    return { ...own, article: own.article + OWN_ARTICLES };
  }

  articleOf(p: number): number {
    return p < OWN_PASSAGES ? this.shared.articleOf(p) : this.own.articleOf(p - OWN_PASSAGES) + OWN_ARTICLES;
  }

  pool(terms: ReadonlyArray<{ id: number; weight: number }>, count: number): number[] {
    const sharedTerms = terms.filter((t) => t.id < FAR_TERMS);
    const ownTerms = terms.flatMap((t) => {
      const id = this.ownId(t.id);
      return id === undefined ? [] : [{ id, weight: t.weight }];
    });
    // Both pools are scored exactly after: the server's own matches (few) all go in, beside the shared pool.
    const own = ownTerms.length > 0 ? this.own.pool(ownTerms, count).map((a) => a + OWN_ARTICLES) : [];
    const shared = sharedTerms.length > 0 ? this.shared.pool(sharedTerms, count) : [];
    return [...own, ...shared];
  }

  sources(): readonly string[] {
    const s = this.shared.sources();
    const o = this.own.sources();
    if (!this.sourceLists || this.sourceLists[0] !== s || this.sourceLists[1] !== o)
      this.sourceLists = [s, o, [...new Set([...s, ...o])].sort()];
    return this.sourceLists[2];
  }

  similarTerms(term: string, how: { distance: number } | { prefix: true }): string[] {
    return [...new Set([...this.shared.similarTerms(term, how), ...this.own.similarTerms(term, how)])];
  }

  articleWith(termId: number): number | undefined {
    if (termId < FAR_TERMS) {
      const a = this.shared.articleWith(termId);
      if (a !== undefined) return a;
    }
    const id = this.ownId(termId);
    const a = id === undefined ? undefined : this.own.articleWith(id);
    return a === undefined ? undefined : a + OWN_ARTICLES;
  }

  articleNumber(id: string): number | undefined {
    const a = this.own.articleNumber(id);
    return a === undefined ? this.shared.articleNumber(id) : a + OWN_ARTICLES;
  }

  *articles(): Iterable<{ number: number; meta: ArticleMeta }> {
    yield* this.shared.articles();
    for (const { number, meta } of this.own.articles())
      yield { number: number + OWN_ARTICLES, meta: { ...meta, firstPassage: meta.firstPassage + OWN_PASSAGES } };
  }
}
