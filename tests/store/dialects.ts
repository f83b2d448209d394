/**
 * The store test suite runs once per dialect: SQLite always, PostgreSQL when `npm run test:pg`
 * started a throwaway cluster and set NEWSDESK_TEST_DATABASE_URL (scripts/test-pg.sh).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewsStore } from '../../src/store/parts.js';
import { PgStore } from '../../src/store/pg.js';
import { Store } from '../../src/store/store.js';

export interface OpenOptions {
  now?: () => Date;
  storeQuestionText?: boolean;
  /** A database from {@link Dialect.fresh}, to open several stores on one database (processes sharing it). */
  db?: string;
}

export interface Dialect {
  name: 'sqlite' | 'postgres';
  /** A new, empty database's name. */
  fresh(): string;
  open(options?: OpenOptions): Promise<NewsStore>;
  /** Rows of a query run directly on the store's database (checks of what was written). */
  rows(store: NewsStore, sql: string): Promise<unknown[]>;
}

const opened: NewsStore[] = [];
const track = (store: NewsStore): NewsStore => (opened.push(store), store);

/** Closes every store the tests opened (a store left open on PostgreSQL holds connections). */
export async function closeAll(): Promise<void> {
  for (const store of opened.splice(0)) await store.close();
}

const sqlite: Dialect = {
  name: 'sqlite',
  fresh: () => join(mkdtempSync(join(tmpdir(), 'newsdesk-store-')), 'db.sqlite'),
  open: async ({ db, ...rest } = {}) => track(new Store({ path: db ?? ':memory:', ...rest })),
  rows: async (store, sql) => (store as Store).db.prepare(sql).all(),
};

export const PG_URL = process.env.NEWSDESK_TEST_DATABASE_URL;

const postgres: Dialect = {
  name: 'postgres',
  // One schema per database: a test starts from an empty schema without the cost of CREATE DATABASE.
  fresh: () => `t_${randomBytes(6).toString('hex')}`,
  open: async ({ db, ...rest } = {}) =>
    track(await PgStore.open({ url: PG_URL!, schema: db ?? postgres.fresh(), max: 3, ...rest })),
  rows: async (store, sql) => (await (store as PgStore).pool.query(sql)).rows,
};

/** The dialects this run tests. */
export const DIALECTS: Dialect[] = PG_URL ? [sqlite, postgres] : [sqlite];
