import lunr from 'lunr';
import type { BenchArticle, PeerSystem } from './types.js';

/**
 * lunr 2.3 with its default pipeline (trimmer, stop-word filter, English
 * stemmer) over title and body. lunr's query-string parser treats `:` `~` `^`
 * `+` `-` `*` as syntax, so a question is not passed to `idx.search()`;
 * instead those characters are stripped, the question is tokenized and
 * trimmed exactly like document text (lunr.tokenizer + trimmer + stop-word
 * filter: `idx.search` would skip the trimmer and so miss "TechCrunch,"),
 * and the terms go to the `query` builder as OPTIONAL clauses (OR), where
 * lunr's search pipeline stems them.
 */
export class LunrPeer implements PeerSystem {
  readonly name = 'lunr';
  private idx: lunr.Index | null = null;
  private readonly queryPipeline: lunr.Pipeline;

  constructor() {
    this.queryPipeline = new lunr.Pipeline();
    this.queryPipeline.add(lunr.trimmer, lunr.stopWordFilter);
  }

  build(articles: BenchArticle[]): void {
    this.idx = lunr(function () {
      this.ref('id');
      this.field('title');
      this.field('body');
      for (const a of articles) this.add({ id: a.id, title: a.title, body: a.body });
    });
  }

  serialize(): string {
    if (!this.idx) throw new Error('lunr: not built');
    return JSON.stringify(this.idx);
  }

  load(data: string | Buffer): void {
    this.idx = lunr.Index.load(JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as object);
  }

  /** The question's query terms (before stemming), deduplicated. */
  queryTerms(question: string): string[] {
    const cleaned = question.replace(/[:~^+\-*]/g, ' ');
    return [
      ...new Set(
        this.queryPipeline
          .run(lunr.tokenizer(cleaned))
          .map(String)
          .filter((t) => t !== ''),
      ),
    ];
  }

  search(question: string, k: number): string[] {
    if (!this.idx) throw new Error('lunr: not built');
    const terms = this.queryTerms(question);
    if (terms.length === 0 || k <= 0) return [];
    return this.idx
      .query((q) => {
        q.term(terms, { presence: lunr.Query.presence.OPTIONAL });
      })
      .slice(0, k)
      .map((r) => r.ref);
  }

  close(): void {
    this.idx = null;
  }
}

export const createLunr = (): PeerSystem => new LunrPeer();
