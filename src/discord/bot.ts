import type { Config } from '../config.js';
import type { Engine } from '../engine.js';

/** Placeholder until the Discord adapter lands: says so instead of failing obscurely. */
export async function startBot(_config: Config, _engine: Engine): Promise<void> {
  throw new Error('the Discord front end is not built yet; unset DISCORD_TOKEN to use the terminal');
}
