import type Database from 'better-sqlite3';
import type { SeenArticles } from './parts.js';

/** When each article was first seen (article_seen) in SQLite. */
export class SqliteSeenArticles implements SeenArticles {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  /** Records articles not seen before; returns how many were new. */
  async markSeen(articles: ReadonlyArray<{ id: string; file: string }>): Promise<number> {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO article_seen (article_id, file, first_seen_at) VALUES (?, ?, ?)',
    );
    const at = this.now().toISOString();
    return this.db.transaction(() => articles.reduce((n, a) => n + insert.run(a.id, a.file, at).changes, 0))();
  }

  /** When each article was first seen (ISO time), by article id. */
  async firstSeen(): Promise<Map<string, string>> {
    const rows = this.db.prepare('SELECT article_id, first_seen_at FROM article_seen').all() as Array<{
      article_id: string;
      first_seen_at: string;
    }>;
    return new Map(rows.map((r) => [r.article_id, r.first_seen_at]));
  }

  /** When each article first seen at or after `since` was (a follow sweep's recent arrivals, not the whole archive). */
  async seenSince(since: Date): Promise<Map<string, string>> {
    const rows = this.db
      .prepare('SELECT article_id, first_seen_at FROM article_seen WHERE first_seen_at >= ?')
      .all(since.toISOString()) as Array<{ article_id: string; first_seen_at: string }>;
    return new Map(rows.map((r) => [r.article_id, r.first_seen_at]));
  }
}
