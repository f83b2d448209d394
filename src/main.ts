import 'dotenv/config';
import { Archive } from './archive.js';
import { answerLines, printWarnings } from './cli.js';
import { ConfigError, loadConfig } from './config.js';

/** Composition root: config → corpus and index → Discord bot (with a token) or a terminal session. */
async function main(): Promise<number> {
  const config = loadConfig();
  const archive = await Archive.open({ corpus: config.CORPUS_DIR, indexPath: config.INDEX_PATH });
  printWarnings(archive.warnings);
  const { index } = archive;
  process.stderr.write(`Newsdesk: ${index.articles.length} articles, ${index.passages.length} passages.\n`);
  if (config.DISCORD_TOKEN) {
    const { startBot } = await import('./discord/bot.js');
    await startBot(config, archive);
    return -1;
  }
  const tty = process.stdin.isTTY === true;
  if (tty) process.stderr.write('No DISCORD_TOKEN set: answering here. Ask a question (Ctrl-D to quit).\n');
  await answerLines(() => archive.index, process.stdin, process.stdout, { json: false, k: config.ANSWER_RESULTS, ...(tty ? { prompt: '> ' } : {}) });
  return 0;
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
