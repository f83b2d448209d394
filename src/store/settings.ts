import type Database from 'better-sqlite3';
import { z } from 'zod';
import { isTimeZone } from '../core/dates.js';
import { DIGEST_MAX_COUNT } from '../core/digest.js';
import { RATE_LIMIT_MAX_QUESTIONS } from '../core/limits.js';

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

/** Per-guild settings (the guild_settings table). */
export class SettingsStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
    /** Default for guilds that have not set storeQuestionText. */
    private readonly storeQuestionTextDefault: boolean,
  ) {}

  get<K extends SettingKey>(guildId: string, key: K): SettingValue<K> | undefined {
    const row = this.db.prepare('SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?').get(guildId, key) as
      { value: string } | undefined;
    if (!row) return undefined;
    const parsed = SETTINGS[key].safeParse(JSON.parse(row.value));
    return parsed.success ? (parsed.data as SettingValue<K>) : undefined;
  }

  /** Stores a setting; throws a zod error (and changes nothing) when the value is invalid. */
  set<K extends SettingKey>(guildId: string, key: K, value: SettingValue<K>): void {
    const valid = SETTINGS[key].parse(value);
    this.db
      .prepare(
        'INSERT INTO guild_settings (guild_id, key, value, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(guildId, key, JSON.stringify(valid), this.now().toISOString());
  }

  /**
   * Runs several reads and changes as one: when `change` throws, none of its changes stay
   * (so `/admin config` applies all its options or nothing).
   */
  atomically<T>(change: () => T): T {
    return this.db.transaction(change)();
  }

  answerChannels(guildId: string): string[] {
    return this.get(guildId, 'answerChannels') ?? [];
  }

  setAnswerChannels(guildId: string, channelIds: string[]): void {
    this.set(guildId, 'answerChannels', [...new Set(channelIds)]);
  }

  keepsQuestionText(guildId: string): boolean {
    return this.get(guildId, 'storeQuestionText') ?? this.storeQuestionTextDefault;
  }

  /** Whether question text asked here is kept: the guild's setting, or the default outside a guild (a DM). */
  keepsQuestionTextIn(guildId: string | null): boolean {
    return guildId ? this.keepsQuestionText(guildId) : this.storeQuestionTextDefault;
  }

  setKeepsQuestionText(guildId: string, keep: boolean): void {
    this.set(guildId, 'storeQuestionText', keep);
  }
}
