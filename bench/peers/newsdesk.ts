import { parseJsonLines } from '../../src/core/parsers/json.js';
import { answerQuestion } from '../../src/core/answer.js';
import { NewsIndex, type SerializedIndex } from '../../src/core/search.js';
import { BUNDLED_CORPUS, loadAliases } from '../../src/engine.js';
import type { BenchArticle, PeerSystem } from './types.js';

/**
 * Newsdesk through its whole answer path: question → ranked passages → quoted excerpts, one
 * result per article. Refusals are off here so every question yields a ranking to score
 * (the eval reports refusal rates separately).
 */
export class NewsdeskPeer implements PeerSystem {
  readonly name = 'newsdesk';
  private index: NewsIndex | null = null;
  private readonly aliases = loadAliases(`${BUNDLED_CORPUS}/aliases.yaml`, []).table;

  build(articles: BenchArticle[]): void {
    // The same JSONL loader a corpus file goes through.
    const lines = articles.map((a) => JSON.stringify({ id: a.id, title: a.title, body: a.body, source: a.source, published_at: a.published }));
    this.index = NewsIndex.build(parseJsonLines('bench.jsonl', lines.join('\n')).articles, { aliases: this.aliases });
  }

  serialize(): string {
    if (!this.index) throw new Error('newsdesk: not built');
    return JSON.stringify(this.index.toJSON());
  }

  load(data: string | Buffer): void {
    const json = JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as SerializedIndex;
    this.index = NewsIndex.fromJSON(json, { aliases: this.aliases });
  }

  search(question: string, k: number): string[] {
    if (!this.index) throw new Error('newsdesk: not built');
    return answerQuestion(this.index, question, { k, minCoverage: 0, minRelativeCoverage: 0 }).results.map((r) => r.articleId);
  }

  close(): void {
    this.index = null;
  }
}

export const createNewsdesk = (): PeerSystem => new NewsdeskPeer();
