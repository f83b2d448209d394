import { describe, expect, it } from 'vitest';
import { ConfigError, guildArchiveDir, loadConfig, searchArchivePath } from '../src/config.js';

describe('loadConfig', () => {
  it('gives defaults for everything optional', () => {
    expect(loadConfig({})).toMatchObject({
      CORPUS_DIR: 'corpus',
      DATABASE_PATH: 'data/newsdesk.db',
      ANSWER_RESULTS: 3,
      STORE_QUESTION_TEXT: false,
      LOG_LEVEL: 'info',
    });
  });

  it('answers from memory unless SEARCH_BACKEND says sqlite, and names the variable when it is neither', () => {
    expect(loadConfig({}).SEARCH_BACKEND).toBe('memory');
    expect(loadConfig({ SEARCH_BACKEND: 'sqlite' }).SEARCH_BACKEND).toBe('sqlite');
    expect(() => loadConfig({ SEARCH_BACKEND: 'postgres' })).toThrow(
      'invalid configuration: SEARCH_BACKEND: must be memory or sqlite',
    );
    expect(searchArchivePath({ INDEX_PATH: 'data/index.bin' })).toBe('data/index.sqlite');
    expect(searchArchivePath({ INDEX_PATH: '/srv/nd/idx' })).toBe('/srv/nd/idx.sqlite');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DISCORD_TOKEN: '', CORPUS_DIR: '  ' }).DISCORD_TOKEN).toBeUndefined();
  });

  it('reports every bad variable at once, by name, without its value', () => {
    const secret = 'x'.repeat(10);
    try {
      loadConfig({ DISCORD_TOKEN: secret, LOG_LEVEL: 'loud', STORE_QUESTION_TEXT: 'maybe' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.problems.map((p) => p.split(':')[0])).toEqual(['DISCORD_TOKEN', 'LOG_LEVEL', 'STORE_QUESTION_TEXT']);
      expect(e.message).not.toContain(secret);
      expect(e.problems[2]).toBe('STORE_QUESTION_TEXT: must be true or false');
    }
  });

  it('takes a PostgreSQL URL in DATABASE_URL, and refuses another without printing it (it may hold a password)', () => {
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
    const url = 'postgres://newsdesk:s3cret-pw@db.internal:5432/newsdesk';
    expect(loadConfig({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    expect(loadConfig({ DATABASE_URL: 'postgresql://newsdesk@localhost/newsdesk?host=/run/pg' }).DATABASE_URL).toBe(
      'postgresql://newsdesk@localhost/newsdesk?host=/run/pg',
    );
    for (const bad of ['mysql://newsdesk:s3cret-pw@db/newsdesk', 'postgres://newsdesk:s3cret-pw@db', 's3cret-pw']) {
      try {
        loadConfig({ DATABASE_URL: bad });
        expect.unreachable();
      } catch (err) {
        expect((err as ConfigError).message).toBe(
          'invalid configuration: DATABASE_URL: must be a postgres:// or postgresql:// URL, e.g. postgres://newsdesk@db.example/newsdesk',
        );
        expect((err as Error).message).not.toContain('s3cret');
      }
    }
  });

  it('reads SHARD_IDS as this host’s part of a fixed total, shared through PostgreSQL', () => {
    const url = 'postgres://newsdesk@db.internal/newsdesk';
    expect(loadConfig({ SHARDS: '4', SHARD_IDS: '3, 2,2', DATABASE_URL: url }).SHARD_IDS).toEqual([2, 3]);
    expect(loadConfig({}).SHARD_IDS).toBeUndefined();
    expect(() => loadConfig({ SHARDS: '4', SHARD_IDS: '1,x', DATABASE_URL: url })).toThrow(
      'SHARD_IDS: must be shard ids (whole numbers from 0) separated by commas',
    );
    expect(() => loadConfig({ SHARDS: 'auto', SHARD_IDS: '1', DATABASE_URL: url })).toThrow(
      'SHARD_IDS: needs SHARDS set to the total number of shards (a number, not auto)',
    );
    expect(() => loadConfig({ SHARDS: '4', SHARD_IDS: '0,4', DATABASE_URL: url })).toThrow(
      'SHARD_IDS: shard ids go from 0 to 3 (SHARDS=4)',
    );
    expect(() => loadConfig({ SHARDS: '4', SHARD_IDS: '0,1' })).toThrow(
      'SHARD_IDS: needs DATABASE_URL (hosts share settings, digests and feeds through PostgreSQL)',
    );
  });

  it('gives the fetching and feed settings safe defaults, and bounds them', () => {
    expect(loadConfig({})).toMatchObject({
      ALLOW_PRIVATE_URLS: false,
      FETCH_MAX_BYTES: 2_000_000,
      FETCH_TIMEOUT_SECONDS: 10,
      FEED_POLL_MINUTES: 30,
    });
    expect(
      loadConfig({
        ALLOW_PRIVATE_URLS: 'on',
        FETCH_MAX_BYTES: '500000',
        FETCH_TIMEOUT_SECONDS: '30',
        FEED_POLL_MINUTES: '5',
      }),
    ).toMatchObject({
      ALLOW_PRIVATE_URLS: true,
      FETCH_MAX_BYTES: 500_000,
      FETCH_TIMEOUT_SECONDS: 30,
      FEED_POLL_MINUTES: 5,
    });
    try {
      loadConfig({ ALLOW_PRIVATE_URLS: 'sometimes', FETCH_TIMEOUT_SECONDS: 'ten', FEED_POLL_MINUTES: '4' });
      expect.unreachable();
    } catch (err) {
      const e = err as ConfigError;
      expect(e.problems.map((p) => p.split(':')[0])).toEqual([
        'FETCH_TIMEOUT_SECONDS',
        'ALLOW_PRIVATE_URLS',
        'FEED_POLL_MINUTES',
      ]);
      expect(e.problems[1]).toBe('ALLOW_PRIVATE_URLS: must be true or false');
    }
  });

  it('parses numbers and flags', () => {
    expect(loadConfig({ ANSWER_RESULTS: '5', STORE_QUESTION_TEXT: 'yes' })).toMatchObject({
      ANSWER_RESULTS: 5,
      STORE_QUESTION_TEXT: true,
    });
  });

  it('reads curator servers as a list of ids, and keeps server archives beside the database, outside the corpus', () => {
    expect(loadConfig({}).CURATOR_GUILD_IDS).toEqual([]);
    expect(loadConfig({ CURATOR_GUILD_IDS: '123456789012345678, 223456789012345678,' }).CURATOR_GUILD_IDS).toEqual([
      '123456789012345678',
      '223456789012345678',
    ]);
    expect(() => loadConfig({ CURATOR_GUILD_IDS: '123456789012345678,everyone' })).toThrow(
      'CURATOR_GUILD_IDS: must be Discord server ids (17 to 20 digits) separated by commas',
    );
    expect(guildArchiveDir(loadConfig({}))).toBe('data/guilds');
    expect(guildArchiveDir(loadConfig({ DATABASE_PATH: '/srv/nd/db.sqlite' }))).toBe('/srv/nd/guilds');
    expect(guildArchiveDir(loadConfig({ DATABASE_PATH: ':memory:', INDEX_PATH: '/tmp/x/index.bin' }))).toBe(
      '/tmp/x/guilds',
    );
    expect(guildArchiveDir(loadConfig({ GUILD_ARCHIVE_DIR: '/srv/tenants' }))).toBe('/srv/tenants');
    expect(() => loadConfig({ CORPUS_DIR: '/srv/corpus', GUILD_ARCHIVE_DIR: '/srv/corpus/guilds' })).toThrow(
      'GUILD_ARCHIVE_DIR: must not be inside CORPUS_DIR',
    );
    expect(() => loadConfig({ CORPUS_DIR: 'data' })).toThrow('GUILD_ARCHIVE_DIR: must not be inside CORPUS_DIR');
    expect(loadConfig({ GUILD_INDEX_CACHE: '2' }).GUILD_INDEX_CACHE).toBe(2);
  });
});
