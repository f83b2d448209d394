import type { NewsStore } from './parts.js';
import { Store } from './store.js';

/** What choosing and opening the store needs from the configuration. */
export interface StoreConfig {
  DATABASE_PATH: string;
  DATABASE_URL?: string | undefined;
  STORE_QUESTION_TEXT: boolean;
}

/**
 * Opens the store the configuration names: PostgreSQL when DATABASE_URL is set (several hosts),
 * else SQLite at DATABASE_PATH (the single-machine default, which loads no PostgreSQL client).
 */
export async function openStore(config: StoreConfig, now?: () => Date): Promise<NewsStore> {
  const options = { storeQuestionText: config.STORE_QUESTION_TEXT, ...(now ? { now } : {}) };
  if (config.DATABASE_URL) {
    const { PgStore } = await import('./pg.js');
    return PgStore.open({ url: config.DATABASE_URL, ...options });
  }
  return new Store({ path: config.DATABASE_PATH, ...options });
}
