import MiniSearch from 'minisearch';
import type { BenchArticle, PeerSystem } from './types.js';

const OPTIONS = { fields: ['title', 'body'], storeFields: [] as string[], idField: 'id' };

/**
 * minisearch 7 with default options over whole articles (the last table of
 * BASELINES.md): the question goes to `search()` as it is (default OR
 * combination, no prefix/fuzzy, default BM25+ parameters).
 */
export class MiniSearchDefaultPeer implements PeerSystem {
  readonly name = 'minisearch-default';
  private ms: MiniSearch<BenchArticle> | null = null;

  build(articles: BenchArticle[]): void {
    const ms = new MiniSearch<BenchArticle>(OPTIONS);
    ms.addAll(articles.map((a) => ({ id: a.id, title: a.title, body: a.body })));
    this.ms = ms;
  }

  serialize(): string {
    if (!this.ms) throw new Error('minisearch-default: not built');
    return JSON.stringify(this.ms);
  }

  load(data: string | Buffer): void {
    this.ms = MiniSearch.loadJSON<BenchArticle>(typeof data === 'string' ? data : data.toString('utf8'), OPTIONS);
  }

  search(question: string, k: number): string[] {
    if (!this.ms) throw new Error('minisearch-default: not built');
    return this.ms
      .search(question)
      .slice(0, Math.max(0, k))
      .map((r) => String(r.id));
  }

  close(): void {
    this.ms = null;
  }
}

export const createMiniSearchDefault = (): PeerSystem => new MiniSearchDefaultPeer();
