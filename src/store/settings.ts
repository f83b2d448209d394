import type Database from 'better-sqlite3';
import { z } from 'zod';
import { isTimeZone } from '../core/dates.js';
import { DIGEST_MAX_COUNT } from '../core/digest.js';
import { RATE_LIMIT_MAX_QUESTIONS } from '../core/limits.js';
import type { SettingsDraft, SettingsStore } from './parts.js';

/** Per-guild settings, each validated; stored as JSON by key. */
export const SETTINGS = {
  /** Channels where mentions are answered; empty means every channel. */
  answerChannels: z.array(z.string().regex(/^\d{17,20}$/)).max(100),
  /** Keep question text in the query log (for "most asked unanswered" stats). */
  storeQuestionText: z.boolean(),
  /** How many articles a digest carries when `count` is not given. */
  digestCount: z.number().int().min(1).max(DIGEST_MAX_COUNT),
  /** IANA time zone digest schedules are read in when `timezone` is not given. */
  digestTimezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Rome'),
  /** Questions per user per rate-limit window in this guild (overrides RATE_LIMIT_QUESTIONS). */
  rateLimitQuestions: z.number().int().min(1).max(RATE_LIMIT_MAX_QUESTIONS),
} as const;

export { isTimeZone };
export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = z.infer<(typeof SETTINGS)[K]>;

/** Reads and validates one stored setting (JSON); undefined when absent or no longer valid. */
export function parseSetting<K extends SettingKey>(key: K, json: string | undefined): SettingValue<K> | undefined {
  if (json === undefined) return undefined;
  const parsed = SETTINGS[key].safeParse(JSON.parse(json));
  return parsed.success ? (parsed.data as SettingValue<K>) : undefined;
}

/** A draft over a guild's stored settings (JSON by key): reads see its own writes; `changed` lists what to write. */
export function draftOf(stored: Map<string, string>): SettingsDraft & { changed: Map<SettingKey, string> } {
  const changed = new Map<SettingKey, string>();
  return {
    changed,
    get: (key) => parseSetting(key, changed.get(key) ?? stored.get(key)),
    set: (key, value) => void changed.set(key, JSON.stringify(SETTINGS[key].parse(value))),
  };
}

/** What both dialects derive from get and set. */
export abstract class SettingsBase implements SettingsStore {
  constructor(
    /** Default for guilds that have not set storeQuestionText. */
    protected readonly storeQuestionTextDefault: boolean,
  ) {}

  abstract get<K extends SettingKey>(guildId: string, key: K): Promise<SettingValue<K> | undefined>;
  abstract set<K extends SettingKey>(guildId: string, key: K, value: SettingValue<K>): Promise<void>;
  abstract configure<T>(guildId: string, change: (draft: SettingsDraft) => T): Promise<T>;

  async answerChannels(guildId: string): Promise<string[]> {
    return (await this.get(guildId, 'answerChannels')) ?? [];
  }

  async setAnswerChannels(guildId: string, channelIds: string[]): Promise<void> {
    await this.set(guildId, 'answerChannels', [...new Set(channelIds)]);
  }

  async keepsQuestionText(guildId: string): Promise<boolean> {
    return (await this.get(guildId, 'storeQuestionText')) ?? this.storeQuestionTextDefault;
  }

  async keepsQuestionTextIn(guildId: string | null): Promise<boolean> {
    return guildId ? this.keepsQuestionText(guildId) : this.storeQuestionTextDefault;
  }

  async setKeepsQuestionText(guildId: string, keep: boolean): Promise<void> {
    await this.set(guildId, 'storeQuestionText', keep);
  }
}

const UPSERT_SETTING =
  'INSERT INTO guild_settings (guild_id, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at';

/** Per-guild settings in SQLite. */
export class SqliteSettings extends SettingsBase {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
    storeQuestionTextDefault: boolean,
  ) {
    super(storeQuestionTextDefault);
  }

  private read(guildId: string, key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?').get(guildId, key) as
      { value: string } | undefined;
    return row?.value;
  }

  async get<K extends SettingKey>(guildId: string, key: K): Promise<SettingValue<K> | undefined> {
    return parseSetting(key, this.read(guildId, key));
  }

  async set<K extends SettingKey>(guildId: string, key: K, value: SettingValue<K>): Promise<void> {
    const valid = SETTINGS[key].parse(value);
    this.db.prepare(UPSERT_SETTING).run(guildId, key, JSON.stringify(valid), this.now().toISOString());
  }

  async configure<T>(guildId: string, change: (draft: SettingsDraft) => T): Promise<T> {
    return this.db.transaction(() => {
      const rows = this.db.prepare('SELECT key, value FROM guild_settings WHERE guild_id = ?').all(guildId) as Array<{
        key: string;
        value: string;
      }>;
      const draft = draftOf(new Map(rows.map((r) => [r.key, r.value])));
      const result = change(draft);
      const at = this.now().toISOString();
      for (const [key, json] of draft.changed) this.db.prepare(UPSERT_SETTING).run(guildId, key, json, at);
      return result;
    })();
  }
}
