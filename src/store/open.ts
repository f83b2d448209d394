import type { NewsStore } from './parts.js';
import { Store } from './store.js';

/** What choosing and opening the store needs from the configuration. */
export interface StoreConfig {
  DATABASE_PATH: string;
  STORE_QUESTION_TEXT: boolean;
}

/** Opens the store the configuration names: SQLite at DATABASE_PATH (the single-machine default). */
export async function openStore(config: StoreConfig, now?: () => Date): Promise<NewsStore> {
  return new Store({
    path: config.DATABASE_PATH,
    storeQuestionText: config.STORE_QUESTION_TEXT,
    ...(now ? { now } : {}),
  });
}
