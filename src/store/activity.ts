import type Database from 'better-sqlite3';
import type { Answer } from '../core/answer.js';
import type { ActivityStore, QueryStats, SettingsStore } from './parts.js';

/** What members asked and how they voted (query_log, feedback) in SQLite. */
export class SqliteActivity implements ActivityStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
    // Whether question text is kept is each guild's setting.
    private readonly settings: SettingsStore,
  ) {}

  /** One vote per user per answer: a new vote replaces the old one. */
  async recordFeedback(f: {
    guildId: string | null;
    userId: string;
    messageId: string;
    articleId: string;
    vote: 1 | -1;
    question?: string;
  }): Promise<void> {
    const keepText = await this.settings.keepsQuestionTextIn(f.guildId);
    this.db
      .prepare(
        'INSERT INTO feedback (guild_id, user_id, message_id, article_id, vote, at, question) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, message_id) DO UPDATE SET vote = excluded.vote, article_id = excluded.article_id, at = excluded.at, question = excluded.question',
      )
      .run(
        f.guildId,
        f.userId,
        f.messageId,
        f.articleId,
        f.vote,
        this.now().toISOString(),
        keepText && f.question ? f.question.slice(0, 1000) : null,
      );
  }

  /** The votes on one answer (a message). */
  async votes(messageId: string): Promise<{ up: number; down: number }> {
    return this.db
      .prepare(
        'SELECT COALESCE(SUM(vote = 1), 0) AS up, COALESCE(SUM(vote = -1), 0) AS down FROM feedback WHERE message_id = ?',
      )
      .get(messageId) as { up: number; down: number };
  }

  /** Logs a question's outcome; its text only when the guild keeps question text. */
  async logQuery(q: { guildId: string | null; question: string; answer: Answer; ms: number }): Promise<void> {
    const keepText = await this.settings.keepsQuestionTextIn(q.guildId);
    this.db
      .prepare(
        'INSERT INTO query_log (guild_id, at, answered, reason, question, results, ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        q.guildId,
        this.now().toISOString(),
        q.answer.answered ? 1 : 0,
        q.answer.reason ?? null,
        keepText ? q.question.slice(0, 1000) : null,
        q.answer.results.length,
        q.ms,
      );
  }

  /** Answered and refused questions, the most-asked unanswered ones and feedback, over the last `days`. */
  async stats(guildId: string | null, days = 7, top = 5): Promise<QueryStats> {
    const since = new Date(this.now().getTime() - days * 86_400_000).toISOString();
    const scope = guildId === null ? 'guild_id IS NULL' : 'guild_id = @guild';
    const params = { guild: guildId, since, top };
    const counts = this.db
      .prepare(
        `SELECT COALESCE(SUM(answered), 0) AS answered, COUNT(*) - COALESCE(SUM(answered), 0) AS refused FROM query_log WHERE ${scope} AND at >= @since`,
      )
      .get(params) as { answered: number; refused: number };
    const unanswered = this.db
      .prepare(
        `SELECT question, COUNT(*) AS count FROM query_log WHERE ${scope} AND at >= @since AND answered = 0 AND question IS NOT NULL GROUP BY lower(question) ORDER BY count DESC, MAX(at) DESC LIMIT @top`,
      )
      .all(params) as Array<{ question: string; count: number }>;
    const fb = this.db
      .prepare(
        `SELECT COALESCE(SUM(vote = 1), 0) AS up, COALESCE(SUM(vote = -1), 0) AS down FROM feedback WHERE ${scope} AND at >= @since`,
      )
      .get(params) as { up: number; down: number };
    const unhelpful = this.db
      .prepare(
        `SELECT MAX(question) AS question, COALESCE(SUM(vote = 1), 0) AS up, COALESCE(SUM(vote = -1), 0) AS down FROM feedback WHERE ${scope} AND at >= @since GROUP BY message_id HAVING down > up ORDER BY down DESC, MAX(at) DESC LIMIT @top`,
      )
      .all(params) as Array<{ question: string | null; up: number; down: number }>;
    return { answered: counts.answered, refused: counts.refused, unanswered, feedback: fb, unhelpful };
  }
}
