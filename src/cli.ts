import 'dotenv/config';
import { existsSync } from 'node:fs';
import { answerQuestion } from './core/answer.js';
import { normaliseUrl } from './core/links.js';
import { openEngine, type Engine } from './engine.js';
import { loadConfig, searchArchivePath, type Config } from './config.js';
import type { AnswerIndex, ArchiveIndex } from './core/answerIndex.js';
import { tuneRuntime } from './runtime.js';
import { answerJson, renderAnswerText, renderDigestItemText, textStyleFor } from './render/text.js';
import { DIGEST_DEFAULT_COUNT, DIGEST_MAX_COUNT, DigestInputError, parseSince, selectDigest } from './core/digest.js';
import { followPreview, normaliseTopic, type FollowItem } from './core/follow.js';
import { UsageError, callerPath, intFlag, parseFlags, runCommand } from './commandLine.js';
import { answerLines, printWarnings } from './terminal.js';
import { unwritableReason } from './paths.js';

export const ASK_USAGE = `Usage:
  npm run ask -- "question" [--json] [-k N] [--corpus DIR|FILE] [--no-cache]
  npm run ask -- --stdin [--json]        one question per line
Options:
  --json           print JSON: {"question","answered","results":[…]} (use npm run -s: no npm banner)
  --stdin          read questions from standard input, one per line
  -k, --results N  number of results, 1-10 (default: ANSWER_RESULTS, which is 3 unless set)
  --corpus PATH    another corpus directory or file, relative to where you are (default: CORPUS_DIR, corpus/)
  --no-cache       do not read or write the saved index (INDEX_PATH)
  -h, --help       this help`;

/** Prints a warning on stderr, as corpus warnings are printed. */
function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/**
 * Where the terminal keeps its index: INDEX_PATH when it can be written, else nowhere, with a
 * warning: the terminal answers from the index built in memory (the next run builds it again).
 */
export function terminalIndexPath(config: Pick<Config, 'INDEX_PATH'>): string | null {
  const why = unwritableReason(config.INDEX_PATH);
  if (!why) return config.INDEX_PATH;
  warn(`INDEX_PATH: ${why}; answering from an index in memory (built again on every run)`);
  return null;
}

/** A corpus with no articles answers nothing: say so, rather than refuse every question in silence. */
export function warnIfEmpty(engine: { index: Pick<ArchiveIndex, 'held'> }, corpus: string): void {
  if (engine.index.held().articles === 0)
    warn(`${corpus}: no articles found; every question will go unanswered (see README, Your own articles)`);
}

/** Opens the engine for a command line: the configured corpus, or --corpus (no shared cache then). */
export async function engineFor(corpus: string | undefined, cache: boolean): Promise<Engine> {
  const config = loadConfig();
  const path = corpus === undefined ? config.CORPUS_DIR : callerPath(corpus);
  if (corpus !== undefined && !existsSync(path)) throw new UsageError(`--corpus: no such file or directory: ${corpus}`);
  const engine = await openEngine({
    corpus: path,
    // Another corpus gets no cache, so it never overwrites the bot's saved index.
    indexPath: cache && corpus === undefined ? terminalIndexPath(config) : null,
  });
  printWarnings(engine.warnings);
  warnIfEmpty(engine, corpus ?? config.CORPUS_DIR);
  return engine;
}

/**
 * What the terminal answers from: the engine's index, or with SEARCH_BACKEND=sqlite the archive
 * file (searchArchivePath; in memory for another corpus or --no-cache, as the index's cache is).
 */
async function answerIndexFor(corpus: string | undefined, cache: boolean): Promise<AnswerIndex> {
  const config = loadConfig();
  if (config.SEARCH_BACKEND === 'memory') return (await engineFor(corpus, cache)).index;
  const path = corpus === undefined ? config.CORPUS_DIR : callerPath(corpus);
  if (corpus !== undefined && !existsSync(path)) throw new UsageError(`--corpus: no such file or directory: ${corpus}`);
  const archive = cache && corpus === undefined ? terminalIndexPath(config) : null;
  const { openSqliteCorpus } = await import('./search/sqlite.js');
  const opened = await openSqliteCorpus({
    corpus: path,
    path: archive === null ? ':memory:' : searchArchivePath({ INDEX_PATH: archive }),
  });
  printWarnings(opened.warnings);
  if (opened.archive.stats().articles === 0)
    warn(
      `${corpus ?? config.CORPUS_DIR}: no articles found; every question will go unanswered (see README, Your own articles)`,
    );
  return opened.index;
}

async function ask(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
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
    process.stdout.write(`${ASK_USAGE}\n`);
    return 0;
  }
  const k = values.results === undefined ? loadConfig().ANSWER_RESULTS : intFlag('-k', values.results, 1, 10);
  if (!values.stdin && positionals.length === 0) throw new UsageError('give a question, or --stdin (see --help)');
  if (values.stdin && positionals.length > 0) throw new UsageError('give a question or --stdin, not both');
  const index = await answerIndexFor(values.corpus, !values['no-cache']);
  if (values.stdin) {
    await answerLines(() => index, process.stdin, process.stdout, { json: values.json, k, echo: !values.json });
    return 0;
  }
  const answer = answerQuestion(index, positionals.join(' '), { k });
  const { style, width } = textStyleFor(process.stdout);
  process.stdout.write(
    values.json ? `${JSON.stringify(answerJson(answer))}\n` : `${renderAnswerText(answer, style, width)}\n`,
  );
  return 0;
}

export const DIGEST_USAGE = `Usage:
  npm run digest -- [--since 7d] [--topic T] [--count N] [--json] [--corpus DIR|FILE] [--no-cache]
  npm run digest -- --follow T [--since 7d] [--json] [--corpus DIR|FILE] [--no-cache]
Options:
  --since PERIOD   only articles from this period: 90m, 24h, 7d, 2w, 2y or a date (2026-01-31);
                   undated articles count from when the bot first saw them, and are left out
                   when it never has (the terminal records nothing)
  --topic T        only articles about T (names, places, subjects; other spellings count)
  --count N        at most N articles, 1-${DIGEST_MAX_COUNT} (default ${DIGEST_DEFAULT_COUNT})
  --follow T       what a member following T would have been sent over --since (default 7d): every
                   article about T that entered the archive then (by when the bot first saw it,
                   else its date), each with the sentence that matches; no limit per day
  --json           print JSON: {"items":[{"articleId","title","url","published","summary"}]}
                   (with --follow: {"items":[{"articleId","title","url","published","topic","sentence"}]})
  --corpus PATH    another corpus directory or file, relative to where you are (default: CORPUS_DIR, corpus/)
  --no-cache       do not read or write the saved index (INDEX_PATH)
  -h, --help       this help`;

/**
 * When the bot first saw each article, read from its database when there is one: the order an
 * undated article takes in the digest, the same in the terminal as on Discord. Read-only; none
 * is created.
 */
async function firstSeenFromDatabase(path: string): Promise<Map<string, string> | undefined> {
  if (path === ':memory:' || !existsSync(path)) return undefined;
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT article_id, first_seen_at FROM article_seen').all() as Array<{
        article_id: string;
        first_seen_at: string;
      }>;
      return new Map(rows.map((r) => [r.article_id, r.first_seen_at]));
    } finally {
      db.close();
    }
  } catch {
    // No table yet, or a database of something else: nothing was seen.
    return undefined;
  }
}

/** `npm run digest`: the digest the bot would post (without a channel's history), as text or JSON. */
async function digest(argv: string[]): Promise<number> {
  const { values } = parseFlags({
    args: argv,
    options: {
      since: { type: 'string' },
      topic: { type: 'string' },
      follow: { type: 'string' },
      count: { type: 'string' },
      json: { type: 'boolean', default: false },
      corpus: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${DIGEST_USAGE}\n`);
    return 0;
  }
  const count =
    values.count === undefined ? DIGEST_DEFAULT_COUNT : intFlag('--count', values.count, 1, DIGEST_MAX_COUNT);
  let since: Date | undefined;
  try {
    if (values.since !== undefined) since = parseSince(values.since, new Date());
  } catch (err) {
    if (!(err instanceof DigestInputError)) throw err;
    throw new UsageError(`--since: ${err.message.replace(/^"since" /, '')}`);
  }
  if (values.topic !== undefined && !values.topic.trim()) throw new UsageError('--topic needs a few words');
  if (values.follow !== undefined && !normaliseTopic(values.follow)) throw new UsageError('--follow needs a few words');
  if (values.follow !== undefined && (values.topic !== undefined || values.count !== undefined))
    throw new UsageError('--follow takes no --topic or --count: it shows every article on the topic');
  const engine = await engineFor(values.corpus, !values['no-cache']);
  // First-seen records belong to the bot's corpus; another corpus was never seen.
  const firstSeen = values.corpus === undefined ? await firstSeenFromDatabase(loadConfig().DATABASE_PATH) : undefined;
  if (values.follow !== undefined) {
    const topic = normaliseTopic(values.follow);
    const found = followPreview(engine.index, topic, since ?? parseSince('7d', new Date()), firstSeen);
    return printFollowPreview(found, values.json);
  }
  const { items } = selectDigest(engine.index, {
    count,
    ...(since ? { since } : {}),
    ...(values.topic ? { topic: values.topic } : {}),
    ...(firstSeen ? { firstSeen } : {}),
  });
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ items: items.map((i) => ({ articleId: i.articleId, title: i.title, url: normaliseUrl(i.url) ?? null, published: i.published ?? null, summary: i.summary })) })}\n`,
    );
    return 0;
  }
  const { style, width } = textStyleFor(process.stdout);
  if (items.length === 0) {
    process.stdout.write('Nothing to post: no article matches.\n');
    return 0;
  }
  process.stdout.write(`${items.map((i, n) => renderDigestItemText(i, n + 1, style, width)).join('\n\n')}\n`);
  return 0;
}

/** Prints `digest --follow`: each article a follower would have been sent, with its matching sentence. */
function printFollowPreview(items: FollowItem[], json: boolean): number {
  if (json) {
    const out = items.map((i) => ({
      articleId: i.articleId,
      title: i.title,
      url: normaliseUrl(i.url) ?? null,
      published: i.published ?? null,
      topic: i.topic,
      sentence: i.sentence,
    }));
    process.stdout.write(`${JSON.stringify({ items: out })}\n`);
    return 0;
  }
  if (items.length === 0) {
    process.stdout.write('Nothing would have been sent: no new article on that topic in the period.\n');
    return 0;
  }
  const { style, width } = textStyleFor(process.stdout);
  const text = items.map((i, n) => renderDigestItemText({ ...i, summary: `“${i.sentence}”` }, n + 1, style, width));
  process.stdout.write(`${text.join('\n\n')}\n`);
  return 0;
}

export const FORGET_GUILD_USAGE = `Usage:
  npm run forget-guild -- SERVER_ID
  Removes everything Newsdesk keeps for one server: its own articles and feed items
  (GUILD_ARCHIVE_DIR/SERVER_ID), its saved index, and its rows in the database. The shared corpus
  is untouched. Run it with the bot stopped, or restart the bot after.
Options:
  -h, --help       this help`;

/**
 * `forget-guild ID`: removes everything Newsdesk keeps for one server — its own articles and feed
 * items (GUILD_ARCHIVE_DIR/ID), its saved index, and its rows in the database. The shared corpus is
 * untouched (a curator server's additions there are the operator's to remove). Run it with the bot
 * stopped, or restart the bot after: a running bot keeps the index it holds in memory.
 */
async function forgetGuild(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${FORGET_GUILD_USAGE}\n`);
    return 0;
  }
  const [id, ...extra] = positionals;
  if (!id) throw new UsageError('give a SERVER_ID (a Discord id, 17 to 20 digits)');
  if (extra.length > 0) throw new UsageError(`one SERVER_ID only (got ${positionals.length})`);
  if (!/^\d{17,20}$/.test(id)) throw new UsageError('SERVER_ID must be a Discord id, 17 to 20 digits');
  const { rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { guildArchiveDir } = await import('./config.js');
  const { guildIndexPath } = await import('./guildArchives.js');
  const { openStore } = await import('./store/open.js');
  const config = loadConfig();
  const folder = join(guildArchiveDir(config), id);
  const hadFolder = existsSync(folder);
  rmSync(folder, { recursive: true, force: true });
  rmSync(guildIndexPath(config.INDEX_PATH, id), { force: true });
  const store = await openStore(config);
  try {
    const rows = await store.forgetGuild(id);
    process.stdout.write(
      `Forgot server ${id}: ${hadFolder ? `removed ${folder}, ` : ''}its saved index and ${rows} database row${rows === 1 ? '' : 's'}.\n`,
    );
  } finally {
    await store.close();
  }
  return 0;
}

export const BACKUP_USAGE = `Usage:
  npm run backup -- DEST_FILE
  A consistent copy of the bot's database (DATABASE_PATH) while it runs, integrity-checked, as
  one file (no -wal/-shm beside it). DEST_FILE is relative to where you are and must not exist.
  The terminal (npm start without a token) keeps no database: there is nothing to back up until
  the bot has run.
Options:
  -h, --help       this help`;

/** `backup DEST`: an online copy of the database at DATABASE_PATH. */
async function backup(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${BACKUP_USAGE}\n`);
    return 0;
  }
  const [dest, ...extra] = positionals;
  if (!dest) throw new UsageError('give a DEST_FILE, like backups/newsdesk.db (see --help)');
  if (extra.length > 0) throw new UsageError(`one DEST_FILE only (got ${positionals.length})`);
  const { backupDatabase } = await import('./backup.js');
  const config = loadConfig();
  // The state is in PostgreSQL then: the SQLite file, if any, is not what the bot uses.
  if (config.DATABASE_URL)
    throw new Error(
      'DATABASE_URL is set: the state is in PostgreSQL; back it up with pg_dump (README, Running on several machines)',
    );
  const source = config.DATABASE_PATH;
  if (source === ':memory:' || !existsSync(source)) {
    throw new Error(
      `no database at ${source} (DATABASE_PATH): the bot creates it when it first runs with a DISCORD_TOKEN; the terminal creates none`,
    );
  }
  const target = callerPath(dest);
  const { pages } = await backupDatabase(source, target);
  process.stdout.write(`Backed up ${source} to ${dest} (${pages} pages, integrity ok).\n`);
  return 0;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  ask,
  digest,
  eval: async (argv) => (await import('./eval/cli.js')).runEval(argv),
  backup,
  'forget-guild': forgetGuild,
};

/** Entry point: `tsx src/cli.ts <command> [args]`. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command ? COMMANDS[command] : undefined;
  if (!run)
    throw new UsageError(
      `${command ? `unknown command ${command}` : 'give a command'}; one of ${Object.keys(COMMANDS).join(', ')}`,
    );
  tuneRuntime();
  return run(rest);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  // A reader that stops early (`| head`) closes the pipe: the output is no longer wanted, which is no crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  runCommand(argv[0] && COMMANDS[argv[0]] ? argv[0] : 'cli', () => main(argv));
}
