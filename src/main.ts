import 'dotenv/config';
import { ConfigError, loadConfig } from './config.js';
import { answerLines, engineFor } from './cli.js';

/** Composition root: config → corpus and index → Discord bot (with a token) or a terminal session. */
async function main(): Promise<number> {
  const config = loadConfig();
  const engine = await engineFor(undefined, true);
  const { index } = engine;
  process.stderr.write(
    `Newsdesk: ${index.articles.length} articles, ${index.passages.length} passages ` +
      `(index ${engine.origin === 'cache' ? 'loaded' : 'built'} in ${Math.round(engine.ms)} ms).\n`,
  );
  if (config.DISCORD_TOKEN) {
    const { startBot } = await import('./discord/bot.js');
    await startBot(config, engine);
    return -1;
  }
  const tty = process.stdin.isTTY === true;
  if (tty) process.stderr.write('No DISCORD_TOKEN set: answering here. Ask a question (Ctrl-D to quit).\n');
  await answerLines(engine, process.stdin, process.stdout, { json: false, k: config.ANSWER_RESULTS, ...(tty ? { prompt: '> ' } : {}) });
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
