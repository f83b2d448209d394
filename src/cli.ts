import 'dotenv/config';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { answerQuestion } from './core/answer.js';
import { normaliseUrl } from './core/links.js';
import { openEngine, type Engine } from './engine.js';
import type { NewsIndex } from './core/search.js';
import type { CorpusWarning } from './core/types.js';
import { loadConfig } from './config.js';
import { tuneRuntime } from './runtime.js';
import { ANSI, PLAIN, answerJson, renderAnswerText, renderDigestItemText } from './render/text.js';
import { DIGEST_MAX_COUNT, DigestInputError, parseSince, selectDigest } from './core/digest.js';

const USAGE = `Usage:
  npm run ask -- "question" [--json] [-k N] [--corpus DIR|FILE]
  npm run ask -- --stdin [--json]        one question per line
Options:
  --json           print JSON: {"question","answered","results":[…]}
  --stdin          read questions from standard input, one per line
  -k, --results N  number of results (1-10, default 3)
  --corpus PATH    another corpus directory or file (default: the bundled corpus/)
  --no-cache       do not read or write the saved index`;

/** Opens the engine for a command line: the configured corpus, or --corpus (no shared cache then). */
export async function engineFor(corpus: string | undefined, cache: boolean): Promise<Engine> {
  const config = loadConfig();
  const engine = await openEngine({
    corpus: corpus ?? config.CORPUS_DIR,
    // Another corpus gets no cache, so it never overwrites the bot's saved index.
    indexPath: cache && !corpus ? config.INDEX_PATH : null,
  });
  printWarnings(engine.warnings);
  return engine;
}

/** Corpus warnings on stderr, one a line: `warning: file:line: reason`. */
export function printWarnings(warnings: readonly CorpusWarning[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.reason}\n`);
}

/** Answers questions in a loop, one per line, until the input ends. */
export async function answerLines(index: () => NewsIndex, input: NodeJS.ReadableStream, out: NodeJS.WritableStream, opts: { json: boolean; k: number; prompt?: string }): Promise<number> {
  const rl = createInterface({ input, terminal: false });
  const style = (out as NodeJS.WriteStream).isTTY ? ANSI : PLAIN;
  let count = 0;
  if (opts.prompt) out.write(opts.prompt);
  for await (const line of rl) {
    if (line.trim() === '' && !opts.json) {
      if (opts.prompt) out.write(opts.prompt);
      continue;
    }
    const answer = answerQuestion(index(), line, { k: opts.k });
    out.write(opts.json ? `${JSON.stringify(answerJson(answer))}\n` : `${renderAnswerText(answer, style)}\n\n`);
    count++;
    if (opts.prompt) out.write(opts.prompt);
  }
  return count;
}

async function ask(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      stdin: { type: 'boolean', default: false },
      results: { type: 'string', short: 'k' },
      corpus: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const k = values.results === undefined ? loadConfig().ANSWER_RESULTS : Number(values.results);
  if (!Number.isInteger(k) || k < 1 || k > 10) {
    process.stderr.write('error: -k must be a whole number from 1 to 10\n');
    return 2;
  }
  if (!values.stdin && positionals.length === 0) {
    process.stderr.write(`error: give a question, or --stdin\n\n${USAGE}\n`);
    return 2;
  }
  const engine = await engineFor(values.corpus, !values['no-cache']);
  if (values.stdin) {
    await answerLines(() => engine.index, process.stdin, process.stdout, { json: values.json, k });
    return 0;
  }
  const answer = answerQuestion(engine.index, positionals.join(' '), { k });
  process.stdout.write(values.json ? `${JSON.stringify(answerJson(answer))}\n` : `${renderAnswerText(answer, process.stdout.isTTY ? ANSI : PLAIN)}\n`);
  return 0;
}

const DIGEST_USAGE = `Usage:
  npm run digest -- [--since 7d] [--topic T] [--count N] [--json] [--corpus DIR|FILE]
Options:
  --since PERIOD   only articles from this period: 90m, 24h, 7d, 2w or a date (2026-01-31)
  --topic T        only articles about T (names, places, subjects; other spellings count)
  --count N        at most N articles (1-${DIGEST_MAX_COUNT}, default 5)
  --json           print JSON: {"items":[{"articleId","title","url","published","summary"}]}
  --corpus PATH    another corpus directory or file (default: the bundled corpus/)`;

/** \`npm run digest\`: the digest the bot would post (without a channel's history), as text or JSON. */
async function digest(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        since: { type: 'string' },
        topic: { type: 'string' },
        count: { type: 'string' },
        json: { type: 'boolean', default: false },
        corpus: { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    // One line: the reason, as node:util words it; --help has the rest.
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${DIGEST_USAGE}\n`);
    return 0;
  }
  const count = values.count === undefined ? 5 : Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > DIGEST_MAX_COUNT) {
    process.stderr.write(`error: --count must be a whole number from 1 to ${DIGEST_MAX_COUNT}\n`);
    return 2;
  }
  let since: Date | undefined;
  try {
    if (values.since !== undefined) since = parseSince(values.since, new Date());
  } catch (err) {
    if (!(err instanceof DigestInputError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    return 2;
  }
  if (values.topic !== undefined && !values.topic.trim()) {
    process.stderr.write('error: --topic needs a few words\n');
    return 2;
  }
  if (values.corpus !== undefined && !existsSync(values.corpus)) {
    process.stderr.write(`error: --corpus: no such file or directory: ${values.corpus}\n`);
    return 2;
  }
  const engine = await engineFor(values.corpus, !values['no-cache']);
  const { items } = selectDigest(engine.index, { count, ...(since ? { since } : {}), ...(values.topic ? { topic: values.topic } : {}) });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ items: items.map((i) => ({ articleId: i.articleId, title: i.title, url: normaliseUrl(i.url) ?? null, published: i.published ?? null, summary: i.summary })) })}\n`);
    return 0;
  }
  const style = process.stdout.isTTY ? ANSI : PLAIN;
  if (items.length === 0) {
    process.stdout.write('Nothing to post: no article matches.\n');
    return 0;
  }
  process.stdout.write(`${items.map((i, n) => renderDigestItemText(i, n + 1, style)).join('\n\n')}\n`);
  return 0;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  ask,
  digest,
  eval: async (argv) => (await import('./eval/cli.js')).runEval(argv),
  backup,
  'forget-guild': forgetGuild,
};

/**
 * `forget-guild ID`: removes everything Newsdesk keeps for one server — its own articles and feed
 * items (GUILD_ARCHIVE_DIR/ID), its saved index, and its rows in the database. The shared corpus is
 * untouched (a curator server's additions there are the operator's to remove). Run it with the bot
 * stopped, or restart the bot after: a running bot keeps the index it holds in memory.
 */
async function forgetGuild(argv: string[]): Promise<number> {
  const [id, ...extra] = argv;
  if (!id || extra.length > 0 || !/^\d{17,20}$/.test(id)) {
    process.stderr.write('usage: npm run forget-guild -- SERVER_ID (a Discord id, 17 to 20 digits)\n');
    return 2;
  }
  const { rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { guildArchiveDir } = await import('./config.js');
  const { guildIndexPath } = await import('./guildArchives.js');
  const { Store } = await import('./store/store.js');
  const config = loadConfig();
  const folder = join(guildArchiveDir(config), id);
  const hadFolder = existsSync(folder);
  rmSync(folder, { recursive: true, force: true });
  rmSync(guildIndexPath(config.INDEX_PATH, id), { force: true });
  const store = new Store({ path: config.DATABASE_PATH });
  try {
    const rows = store.forgetGuild(id);
    process.stdout.write(`Forgot server ${id}: ${hadFolder ? `removed ${folder}, ` : ''}its saved index and ${rows} database row${rows === 1 ? '' : 's'}.\n`);
  } finally {
    store.close();
  }
  return 0;
}

/** `backup DEST`: an online copy of the database at DATABASE_PATH. */
async function backup(argv: string[]): Promise<number> {
  const [dest, ...extra] = argv;
  if (!dest || extra.length > 0 || dest.startsWith('-')) {
    process.stderr.write('usage: npm run backup -- DEST_FILE\n');
    return 2;
  }
  const { loadConfig } = await import('./config.js');
  const { backupDatabase } = await import('./backup.js');
  const source = loadConfig().DATABASE_PATH;
  try {
    const { pages } = await backupDatabase(source, dest);
    process.stdout.write(`Backed up ${source} to ${dest} (${pages} pages, integrity ok).\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

/** Entry point: `tsx src/cli.ts <command> [args]`. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`Commands: ${Object.keys(COMMANDS).join(', ')}\n\n${USAGE}\n`);
    return 2;
  }
  tuneRuntime();
  return run(rest);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
