import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerQuestion } from '../../src/core/answer.js';
import { warmDates } from '../../src/core/dates.js';
import { finish } from '../../src/core/slices.js';
import { warmUpAnswers } from '../../src/core/warmup.js';
import { warmEnglishWords } from '../../src/englishWords.js';
import type { StoredIndex } from '../../src/core/storedIndex.js';
import { BUNDLED_CORPUS, loadAliases } from '../../src/aliasFile.js';
import { SqliteArchive } from '../../src/search/sqlite.js';
import type { BenchArticle, PeerSystem } from './types.js';

/**
 * Newsdesk with SEARCH_BACKEND=sqlite: the same answer path (refusals off, as for `newsdesk`)
 * over the archive in an SQLite file. Built by adding the articles a batch at a time, as a bot
 * adds them; served from the file as it is, only caches in memory.
 */
export class NewsdeskSqlitePeer implements PeerSystem {
  readonly name = 'newsdesk-sqlite';
  private archive: SqliteArchive | null = null;
  private index: StoredIndex | null = null;
  private dir: string | null = null;

  async build(articles: BenchArticle[]): Promise<void> {
    this.close();
    // Imported here: the serving process loads no parser (see openSqliteCorpus).
    const { parseBenchArticles } = await import('./newsdesk.js');
    this.dir = mkdtempSync(join(tmpdir(), 'newsdesk-sqlite-'));
    const archive = new SqliteArchive(join(this.dir, 'archive.sqlite'), { aliases: aliases() });
    for (const batch of parseBenchArticles(articles)) archive.add(batch);
    // As StoredArchive.open after a build: the first batches' key-term profiles over the whole archive.
    archive.refreshProfiles();
    this.open(archive);
  }

  private open(archive: SqliteArchive): void {
    this.archive = archive;
    this.index = archive.index();
  }

  /** The database image, as a deployed bot would copy its archive file. */
  serialize(): Buffer {
    if (!this.archive) throw new Error('newsdesk-sqlite: not built');
    return this.archive.image();
  }

  load(data: string | Buffer): void {
    this.close();
    this.dir = mkdtempSync(join(tmpdir(), 'newsdesk-sqlite-'));
    this.open(SqliteArchive.fromImage(join(this.dir, 'archive.sqlite'), data as Buffer, { aliases: aliases() }));
  }

  /** As the bot starts: opens the file, reads nothing ahead. */
  loadFile(path: string): void {
    this.close();
    this.open(new SqliteArchive(path, { aliases: aliases(), readonly: true }));
  }

  /** As StoredArchive.warm does in a serving process (there in slices, here at once). */
  warm(): void {
    if (!this.index) throw new Error('newsdesk-sqlite: not built');
    warmEnglishWords();
    warmDates();
    finish(warmUpAnswers(this.index));
  }

  search(question: string, k: number): string[] {
    if (!this.index) throw new Error('newsdesk-sqlite: not built');
    return answerQuestion(this.index, question, { k, refuse: false }).results.map((r) => r.articleId);
  }

  close(): void {
    this.archive?.close();
    this.archive = null;
    this.index = null;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

const aliases = () => loadAliases(`${BUNDLED_CORPUS}/aliases.yaml`, []).table;

export const createNewsdeskSqlite = (): PeerSystem => new NewsdeskSqlitePeer();
