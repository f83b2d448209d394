import type Database from 'better-sqlite3';
import type { GuildFile, GuildFileChange, GuildFileStore } from './parts.js';

/** Each server's added files and the changes to them (guild_file, guild_file_change), in SQLite. */
export class SqliteGuildFiles implements GuildFileStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {}

  async put(guildId: string, file: string, content: string, origin: string | null = null): Promise<void> {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO guild_file (guild_id, file, content, at) VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, file) DO UPDATE SET content = excluded.content, at = excluded.at',
        )
        .run(guildId, file, content, at);
      this.db
        .prepare("INSERT INTO guild_file_change (guild_id, file, op, at, origin) VALUES (?, ?, 'put', ?, ?)")
        .run(guildId, file, at, origin);
    })();
  }

  async remove(guildId: string, file: string, origin: string | null = null): Promise<boolean> {
    const at = this.now().toISOString();
    return this.db.transaction(() => {
      const gone = this.db.prepare('DELETE FROM guild_file WHERE guild_id = ? AND file = ?').run(guildId, file).changes;
      if (gone === 0) return false;
      this.db
        .prepare("INSERT INTO guild_file_change (guild_id, file, op, at, origin) VALUES (?, ?, 'delete', ?, ?)")
        .run(guildId, file, at, origin);
      return true;
    })();
  }

  async list(guildId: string): Promise<GuildFile[]> {
    return (
      this.db
        .prepare('SELECT guild_id, file, content, at FROM guild_file WHERE guild_id = ? ORDER BY file')
        .all(guildId) as GuildFileRow[]
    ).map(toGuildFile);
  }

  async read(guildId: string, file: string): Promise<GuildFile | undefined> {
    const row = this.db
      .prepare('SELECT guild_id, file, content, at FROM guild_file WHERE guild_id = ? AND file = ?')
      .get(guildId, file) as GuildFileRow | undefined;
    return row && toGuildFile(row);
  }

  async changesSince(seq: number, limit = 1000): Promise<GuildFileChange[]> {
    return (
      this.db
        .prepare('SELECT seq, guild_id, file, op, origin FROM guild_file_change WHERE seq > ? ORDER BY seq LIMIT ?')
        .all(seq, limit) as GuildFileChangeRow[]
    ).map(toGuildFileChange);
  }
}

export interface GuildFileRow {
  guild_id: string;
  file: string;
  content: string;
  at: string;
}

export const toGuildFile = (r: GuildFileRow): GuildFile => ({
  guildId: r.guild_id,
  file: r.file,
  content: r.content,
  at: r.at,
});

export interface GuildFileChangeRow {
  seq: number | string;
  guild_id: string;
  file: string;
  op: 'put' | 'delete';
  origin: string | null;
}

export const toGuildFileChange = (r: GuildFileChangeRow): GuildFileChange => ({
  seq: Number(r.seq),
  guildId: r.guild_id,
  file: r.file,
  op: r.op,
  origin: r.origin,
});
