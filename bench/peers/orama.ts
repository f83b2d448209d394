import { create, insertMultiple, load, save, search, type AnyOrama, type RawData } from '@orama/orama';
import { NLTK_STOPWORDS } from './nltk-stopwords.js';
import type { BenchArticle, PeerSystem } from './types.js';

const SCHEMA = { title: 'string', body: 'string' } as const;

export interface OramaPeerOptions {
  name?: string;
  /**
   * Stopwords for Orama's tokenizer (its documented `tokenizer.stopWords`
   * option; Orama's own default list is empty). Default: the NLTK list.
   * `false`: Orama's default tokenizer untouched.
   */
  stopWords?: readonly string[] | false;
}

/**
 * @orama/orama 3: BM25 full-text search over title and body, default
 * tokenizer (English, no stemming). Search with `threshold: 1` (any term
 * may match: OR; this is also Orama 3's default, set explicitly because
 * `threshold: 0` would require every term) and `tolerance: 0` (no fuzzy
 * matching). Orama matches each query token as a prefix (`exact: false`;
 * `exact: true` would also require the raw question words, case-sensitively,
 * in one property, so no question matches). With no stopwords, "the" then
 * expands to "them", "theory", ... and every question word adds noise; the
 * default peer therefore gives the tokenizer the NLTK stopword list
 * (`orama-default` keeps the bare defaults).
 * Cold start: `save()` → JSON → `load()` into a fresh instance.
 */
export class OramaPeer implements PeerSystem {
  readonly name: string;
  private db: ReturnType<OramaPeer['fresh']> | null = null;
  private readonly stopWords: readonly string[] | false;

  constructor(opts: OramaPeerOptions = {}) {
    this.stopWords = opts.stopWords ?? NLTK_STOPWORDS;
    this.name = opts.name ?? 'orama';
  }

  private fresh() {
    return this.stopWords === false
      ? create({ schema: SCHEMA })
      : create({ schema: SCHEMA, components: { tokenizer: { stopWords: [...this.stopWords] } } });
  }

  async build(articles: BenchArticle[]): Promise<void> {
    const db = this.fresh();
    await insertMultiple(
      db,
      articles.map((a) => ({ id: a.id, title: a.title, body: a.body })),
    );
    this.db = db;
  }

  serialize(): string {
    if (!this.db) throw new Error(`${this.name}: not built`);
    return JSON.stringify(save(this.db as AnyOrama));
  }

  load(data: string | Buffer): void {
    const db = this.fresh();
    load(db as AnyOrama, JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as RawData);
    this.db = db;
  }

  search(question: string, k: number): string[] {
    if (!this.db) throw new Error(`${this.name}: not built`);
    if (k <= 0) return [];
    const res = search(this.db, {
      term: question,
      properties: ['title', 'body'],
      limit: k,
      threshold: 1,
      tolerance: 0,
    });
    if (res instanceof Promise) throw new Error(`${this.name}: search unexpectedly async`);
    return res.hits.map((h) => h.id);
  }

  close(): void {
    this.db = null;
  }
}

export const createOrama = (): PeerSystem => new OramaPeer();
export const createOramaDefault = (): PeerSystem => new OramaPeer({ name: 'orama-default', stopWords: false });
