import { answerQuestion } from '../../src/core/answer.js';
import { NewsIndex, type RankingOptions } from '../../src/core/search.js';
import { loadIndexFile } from '../../src/indexFile.js';
import { LOAD_OPTIONS } from '../../src/engine.js';
import { warmEnglishWords } from '../../src/englishWords.js';
import { warmDates } from '../../src/core/dates.js';
import { finish } from '../../src/core/slices.js';
import { warmUpAnswers } from '../../src/core/warmup.js';
import { BUNDLED_CORPUS, loadAliases } from '../../src/aliasFile.js';
import type { BenchArticle, PeerSystem } from './types.js';
import { parseJsonLines } from '../../src/core/parsers/json.js';
import type { Article } from '../../src/core/types.js';

/** Articles per JSONL text parsed at once: never the whole corpus in one string (V8 caps one at 512 MiB; 100x passes it). */
const PARSE_BATCH = 1_000;

/** The bench's articles through the JSONL loader a corpus file goes through, a batch at a time (parsed as taken). */
export function* parseBenchArticles(articles: readonly BenchArticle[]): Generator<Article[]> {
  for (let i = 0; i < articles.length; i += PARSE_BATCH) {
    const lines = articles
      .slice(i, i + PARSE_BATCH)
      .map((a) =>
        JSON.stringify({ id: a.id, title: a.title, body: a.body, source: a.source, published_at: a.published }),
      );
    yield parseJsonLines('bench.jsonl', lines.join('\n')).articles;
  }
}

function* eachArticle(batches: Iterable<Article[]>): Generator<Article> {
  for (const batch of batches) yield* batch;
}

/**
 * Newsdesk through its whole answer path: question → ranked passages → quoted excerpts, one
 * result per article. Refusals are off here so every question yields a ranking to score
 * (the eval reports refusal rates separately).
 */
export class NewsdeskPeer implements PeerSystem {
  private index: NewsIndex | null = null;

  constructor(
    readonly name = 'newsdesk',
    /** Ranking options other than the bot's own (see newsdesk-lean). */
    private readonly ranking: Partial<RankingOptions> = {},
  ) {}

  build(articles: BenchArticle[]): void {
    const aliases = loadAliases(`${BUNDLED_CORPUS}/aliases.yaml`, []).table;
    // Parsed a batch at a time as the build takes them: the corpus is never held parsed all at once.
    this.index = NewsIndex.build(eachArticle(parseBenchArticles(articles)), { aliases, ranking: this.ranking });
  }

  serialize(): Buffer {
    if (!this.index) throw new Error('newsdesk: not built');
    return this.index.toBuffer();
  }

  load(data: string | Buffer): void {
    // As the bot starts from its saved index: the aliases come with it, no alias file is read.
    this.index = NewsIndex.fromBuffer(typeof data === 'string' ? Buffer.from(data, 'utf8') : data, {
      ...LOAD_OPTIONS,
      ranking: this.ranking,
    }).index;
  }

  /** As the bot starts: the passage text stays in the file until an answer quotes it. */
  loadFile(path: string): void {
    this.index = loadIndexFile(path, { ...LOAD_OPTIONS, ranking: this.ranking })!.index;
  }

  /** As Archive.warm does in a serving process (there in slices, here at once). */
  async warm(): Promise<void> {
    if (!this.index) throw new Error('newsdesk: not built');
    warmEnglishWords();
    warmDates();
    await this.index.warmUp();
    finish(warmUpAnswers(this.index));
  }

  search(question: string, k: number): string[] {
    if (!this.index) throw new Error('newsdesk: not built');
    return answerQuestion(this.index, question, { k, refuse: false }).results.map((r) => r.articleId);
  }

  close(): void {
    this.index = null;
  }
}

export const createNewsdesk = (): PeerSystem => new NewsdeskPeer();

/**
 * Newsdesk with a narrower candidate pool: passages of 15 articles scored instead of 30. It
 * shows what speed the answer path gains for the quality it gives up; the bot itself keeps its
 * defaults.
 */
export const LEAN_RANKING: Partial<RankingOptions> = { candidates: 15 };
export const createNewsdeskLean = (): PeerSystem => new NewsdeskPeer('newsdesk-lean', LEAN_RANKING);
