import { Document, Encoder } from 'flexsearch';
import EnglishPreset from 'flexsearch/lang/en';
import type { BenchArticle, PeerSystem } from './types.js';

type Doc = { id: string; title: string; body: string };
type FieldResult = { field: string; result: Array<string | number> };

/** How per-field result lists are combined into one article ranking. */
export type FlexMerge = 'library' | 'rrf';

export interface FlexsearchPeerOptions {
  name?: string;
  tokenize?: 'strict' | 'forward';
  /** `library`: flexsearch's `merge: true`; `rrf`: reciprocal-rank fusion of the field lists. */
  merge?: FlexMerge;
  /** Use flexsearch's English language pack (stopword filter + stemmer). */
  english?: boolean;
  /** Results fetched per field before merging (at least k). */
  fieldLimit?: number;
}

/**
 * flexsearch 0.8 `Document` index over title and body (`tokenize: 'strict'`,
 * the default). Queries use `suggest: true`, so a question ORs its terms
 * (without it flexsearch ANDs them and almost every question returns
 * nothing). flexsearch ranks by term position, not by term statistics, so
 * question words like "the" or "did" weigh as much as names: the default
 * peer therefore uses flexsearch's English language pack
 * (`flexsearch/lang/en`: stopword filter and stemmer), fetches 100 results
 * per field and fuses the title and body lists by reciprocal rank
 * (Σ 1/(60 + rank)). `flexsearch-default` keeps the default encoder and the
 * library's own `merge: true` (ids in first-seen order over the fields).
 * Cold start: `export()` / `import()` of the key/value chunks, packed as one
 * JSON object.
 */
export class FlexsearchPeer implements PeerSystem {
  readonly name: string;
  private doc: Document<Doc> | null = null;
  private readonly tokenize: 'strict' | 'forward';
  private readonly merge: FlexMerge;
  private readonly english: boolean;
  private readonly fieldLimit: number;

  constructor(opts: FlexsearchPeerOptions = {}) {
    this.name = opts.name ?? 'flexsearch';
    this.tokenize = opts.tokenize ?? 'strict';
    this.merge = opts.merge ?? 'rrf';
    this.english = opts.english ?? true;
    this.fieldLimit = opts.fieldLimit ?? 100;
  }

  private fresh(): Document<Doc> {
    return new Document<Doc>({
      tokenize: this.tokenize,
      ...(this.english ? { encoder: new Encoder(EnglishPreset) } : {}),
      document: { id: 'id', index: ['title', 'body'] },
    });
  }

  build(articles: BenchArticle[]): void {
    const doc = this.fresh();
    for (const a of articles) doc.add({ id: a.id, title: a.title, body: a.body });
    this.doc = doc;
  }

  serialize(): string {
    if (!this.doc) throw new Error(`${this.name}: not built`);
    const parts: Record<string, string> = {};
    // With a synchronous handler, export() runs synchronously.
    void this.doc.export((key: string, data: string) => {
      parts[key] = data;
    });
    return JSON.stringify(parts);
  }

  async load(data: string | Buffer): Promise<void> {
    const parts = JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as Record<string, string>;
    const doc = this.fresh();
    for (const [key, value] of Object.entries(parts)) await doc.import(key, value);
    this.doc = doc;
  }

  search(question: string, k: number): string[] {
    if (!this.doc) throw new Error(`${this.name}: not built`);
    if (k <= 0 || question.trim() === '') return [];
    const limit = Math.max(k, this.fieldLimit);
    if (this.merge === 'library') {
      const res = this.doc.search(question, { suggest: true, limit, merge: true }) as unknown as Array<{
        id: string | number;
      }>;
      return res.slice(0, k).map((r) => String(r.id));
    }
    const res = this.doc.search(question, { suggest: true, limit }) as unknown as FieldResult[];
    const score = new Map<string, number>();
    for (const f of res) {
      f.result.forEach((id, i) => {
        const key = String(id);
        score.set(key, (score.get(key) ?? 0) + 1 / (60 + i + 1));
      });
    }
    return [...score.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([id]) => id);
  }

  close(): void {
    this.doc = null;
  }
}

export const createFlexsearch = (): PeerSystem => new FlexsearchPeer();
export const createFlexsearchDefault = (): PeerSystem =>
  new FlexsearchPeer({ name: 'flexsearch-default', english: false, merge: 'library', fieldLimit: 0 });
