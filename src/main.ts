import 'dotenv/config';
import { Archive } from './archive.js';
import { terminalIndexPath, warnIfEmpty } from './cli.js';
import { parseFlags, runCommand } from './commandLine.js';
import type { LiveArchive } from './composition.js';
import { ConfigError, guildArchiveDir, loadConfig, searchArchivePath, type Config } from './config.js';
import { createLogger, exitOnSignals } from './lifecycle.js';
import { unwritableReason } from './paths.js';
import { tuneRuntime } from './runtime.js';
import { configureParsing, yieldIndexWorker } from './workers/indexWorkerClient.js';
import { answerLines, printWarnings } from './terminal.js';

export const START_USAGE = `Usage:
  npm start              with DISCORD_TOKEN set: the Discord bot; without: questions answered here
  npm start < questions  one question a line, answers on standard output
  Settings come from the environment or .env (see README, Configuration).
Options:
  -h, --help             this help`;

/** Composition root: config → corpus and index → Discord bot (with a token) or a terminal session. */
async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  tuneRuntime();
  configureParsing(config);
  let indexPath: string | null = config.INDEX_PATH;
  if (config.DISCORD_TOKEN && config.SEARCH_BACKEND === 'sqlite') {
    const why = unwritableReason(searchArchivePath(config));
    if (why) throw new ConfigError([`INDEX_PATH: ${why}`]);
    const { openLiveArchive, startBot } = await import('./composition.js');
    const archive = await openLiveArchive(config);
    printWarnings(archive.warnings);
    warnIfEmpty(archive, config.CORPUS_DIR);
    const held = archive.index.held();
    process.stderr.write(`Newsdesk: ${held.articles} articles, ${held.passages} passages (sqlite).\n`);
    if (config.SHARDS) {
      // This process is the archive files' one writer; the shards read them (see storedArchive.ts).
      await startManager(config, archive);
      return -1;
    }
    delete process.env.SHARDS;
    await startBot(config, archive);
    return -1;
  }
  if (config.DISCORD_TOKEN) {
    // The bot (and its shards) need the saved index; the terminal can answer from memory.
    const why = unwritableReason(config.INDEX_PATH);
    if (why) throw new ConfigError([`INDEX_PATH: ${why}`]);
  } else indexPath = terminalIndexPath(config);
  const archive = await Archive.open({ corpus: config.CORPUS_DIR, indexPath });
  printWarnings(archive.warnings);
  warnIfEmpty(archive, config.CORPUS_DIR);
  const held = archive.index.held();
  process.stderr.write(`Newsdesk: ${held.articles} articles, ${held.passages} passages.\n`);
  if (config.DISCORD_TOKEN && config.SHARDS) {
    // The index above was built (or found current) and saved once, here; the shards load the file.
    await startManager(config, archive);
    return -1;
  }
  if (config.DISCORD_TOKEN) {
    // discord.js reads SHARDS from the environment as JSON shard ids: an empty `SHARDS=` from .env
    // would make the client throw. Unsharded, this process is shard 0 of 1.
    delete process.env.SHARDS;
    const { startBot } = await import('./composition.js');
    await startBot(config, archive);
    return -1;
  }
  const tty = process.stdin.isTTY === true;
  if (tty) process.stderr.write('No DISCORD_TOKEN set: answering here. Ask a question (Ctrl-D to quit).\n');
  await answerLines(() => archive.index, process.stdin, process.stdout, {
    json: false,
    k: config.ANSWER_RESULTS,
    ...(tty ? { prompt: '> ' } : {}),
  });
  return 0;
}

/** Runs the shard manager until SIGINT/SIGTERM, then stops every shard and exits 0. */
async function startManager(config: Config, archive: LiveArchive): Promise<void> {
  const { runManager } = await import('./discord/sharding.js');
  const logger = createLogger(config.LOG_LEVEL, { shard: 'manager' });
  logger.info(
    { origin: archive.origin, articles: archive.index.held().articles },
    archive.origin === 'built' ? 'index built' : 'index loaded from cache',
  );
  if (archive instanceof Archive) {
    // The shards load the saved file; this process only keeps it current, holding no index itself.
    archive.release();
    // Its rebuilds give way to the shards answering (see yieldIndexWorker).
    yieldIndexWorker();
    const runtime = await runManager(config, archive, logger);
    exitOnSignals(logger, () => runtime.stop());
    return;
  }
  // The sqlite backend: the shards read the shared file and the servers' own, and ask this
  // process, their one writer, to take changes in (a second writer would number articles from
  // totals the first is changing). It holds no server's index in memory, only the files open.
  const { StoredGuildArchives } = await import('./storedArchive.js');
  const guilds = new StoredGuildArchives({
    root: guildArchiveDir(config),
    corpus: config.CORPUS_DIR,
    shared: archive,
    curators: config.CURATOR_GUILD_IDS,
  });
  const runtime = await runManager(config, archive, logger, {
    write: ({ guildId, paths }) => (guildId === undefined ? archive.update(paths) : guilds.update(guildId)),
  });
  exitOnSignals(logger, async () => {
    await runtime.stop();
    guilds.close();
  });
}

// Config errors name the variable; anything else gets its first line only (no stack, no secrets).
runCommand('start', () => main(process.argv.slice(2)));
