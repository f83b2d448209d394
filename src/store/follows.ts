import type Database from 'better-sqlite3';
import type { Follow, FollowStore } from './parts.js';

export interface FollowRow {
  id: number;
  guild_id: string;
  user_id: string;
  topic: string;
  created_at: string;
}

export function toFollow(r: FollowRow): Follow {
  return { id: Number(r.id), guildId: r.guild_id, userId: r.user_id, topic: r.topic, createdAt: r.created_at };
}

/** What makes two follows the same: case and spacing aside. */
export const topicKey = (topic: string): string => topic.trim().replace(/\s+/g, ' ').toLowerCase();

/** Members' follows and what each was sent (follow, follow_ledger), in SQLite. */
export class SqliteFollows implements FollowStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  async add(f: { guildId: string; userId: string; topic: string }): Promise<Follow | undefined> {
    const info = this.db
      .prepare('INSERT OR IGNORE INTO follow (guild_id, user_id, topic, topic_key, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(f.guildId, f.userId, f.topic, topicKey(f.topic), this.now().toISOString());
    if (info.changes === 0) return undefined;
    const row = this.db.prepare('SELECT * FROM follow WHERE id = ?').get(Number(info.lastInsertRowid)) as FollowRow;
    return toFollow(row);
  }

  async list(guildId?: string, userId?: string): Promise<Follow[]> {
    const rows = (
      guildId === undefined
        ? this.db.prepare('SELECT * FROM follow ORDER BY id').all()
        : userId === undefined
          ? this.db.prepare('SELECT * FROM follow WHERE guild_id = ? ORDER BY id').all(guildId)
          : this.db.prepare('SELECT * FROM follow WHERE guild_id = ? AND user_id = ? ORDER BY id').all(guildId, userId)
    ) as FollowRow[];
    return rows.map(toFollow);
  }

  async remove(guildId: string, userId: string, id: number): Promise<boolean> {
    return (
      this.db.prepare('DELETE FROM follow WHERE guild_id = ? AND user_id = ? AND id = ?').run(guildId, userId, id)
        .changes > 0
    );
  }

  async dropMember(guildId: string, userId: string): Promise<number> {
    return this.db.prepare('DELETE FROM follow WHERE guild_id = ? AND user_id = ?').run(guildId, userId).changes;
  }

  async sent(guildId: string, userId: string): Promise<Set<string>> {
    const rows = this.db
      .prepare('SELECT article_id FROM follow_ledger WHERE guild_id = ? AND user_id = ?')
      .all(guildId, userId) as Array<{ article_id: string }>;
    return new Set(rows.map((r) => r.article_id));
  }

  async messagesSince(userId: string, since: Date): Promise<number> {
    const row = this.db
      .prepare('SELECT COUNT(DISTINCT message_key) AS n FROM follow_ledger WHERE user_id = ? AND at >= ?')
      .get(userId, since.toISOString()) as { n: number };
    return row.n;
  }

  async claim(guildId: string, userId: string, messageKey: string, articleIds: readonly string[]): Promise<boolean> {
    const at = this.now().toISOString();
    // IMMEDIATE: the check and the insert hold SQLite's write lock together, across processes.
    return this.db
      .transaction((): boolean => {
        const has = this.db.prepare(
          'SELECT 1 FROM follow_ledger WHERE guild_id = ? AND user_id = ? AND article_id = ?',
        );
        if (articleIds.some((a) => has.get(guildId, userId, a))) return false;
        const put = this.db.prepare(
          'INSERT INTO follow_ledger (guild_id, user_id, article_id, message_key, at) VALUES (?, ?, ?, ?, ?)',
        );
        for (const a of articleIds) put.run(guildId, userId, a, messageKey, at);
        return true;
      })
      .immediate();
  }

  async release(guildId: string, userId: string, messageKey: string): Promise<void> {
    this.db
      .prepare('DELETE FROM follow_ledger WHERE guild_id = ? AND user_id = ? AND message_key = ?')
      .run(guildId, userId, messageKey);
  }
}
