import 'dotenv/config';
import { Archive } from './archive.js';
import { answerLines, printWarnings } from './cli.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, exitOnSignals } from './lifecycle.js';
import { tuneRuntime } from './runtime.js';
import { configureParsing } from './workers/indexWorkerClient.js';

/** Composition root: config → corpus and index → Discord bot (with a token) or a terminal session. */
async function main(): Promise<number> {
  tuneRuntime();
  const config = loadConfig();
  configureParsing(config);
  const archive = await Archive.open({ corpus: config.CORPUS_DIR, indexPath: config.INDEX_PATH });
  printWarnings(archive.warnings);
  const { index } = archive;
  process.stderr.write(`Newsdesk: ${index.articles.length} articles, ${index.passages.length} passages.\n`);
  if (config.DISCORD_TOKEN && config.SHARDS) {
    // The index above was built (or found current) and saved once, here; the shards load the file.
    await startManager(config, archive);
    return -1;
  }
  if (config.DISCORD_TOKEN) {
    // discord.js reads SHARDS from the environment as JSON shard ids: an empty `SHARDS=` from .env
    // would make the client throw. Unsharded, this process is shard 0 of 1.
    delete process.env.SHARDS;
    const { startBot } = await import('./discord/bot.js');
    await startBot(config, archive);
    return -1;
  }
  const tty = process.stdin.isTTY === true;
  if (tty) process.stderr.write('No DISCORD_TOKEN set: answering here. Ask a question (Ctrl-D to quit).\n');
  await answerLines(() => archive.index, process.stdin, process.stdout, { json: false, k: config.ANSWER_RESULTS, ...(tty ? { prompt: '> ' } : {}) });
  return 0;
}

/** Runs the shard manager until SIGINT/SIGTERM, then stops every shard and exits 0. */
async function startManager(config: Config, archive: Archive): Promise<void> {
  const { runManager } = await import('./discord/sharding.js');
  const logger = createLogger(config.LOG_LEVEL, { shard: 'manager' });
  logger.info({ origin: archive.origin, articles: archive.index.articles.length }, archive.origin === 'built' ? 'index built' : 'index loaded from cache');
  // The shards load the saved file; this process only keeps it current, holding no index itself.
  archive.release();
  const runtime = await runManager(config, archive, logger);
  exitOnSignals(logger, () => runtime.stop());
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    // Config errors name the variable; anything else gets its first line only (no stack, no secrets).
    const message = err instanceof ConfigError ? err.message : `error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
