import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guildArchiveDir } from '../../src/config.js';
import { send, startWebServer } from '../ingest/server.js';
import { nestedDivs, tildeMarkdown } from '../workers/hostile.js';
import { addArticleFile, bootRuntime, type BootedRuntime } from './boot.js';
import { startDiscordDouble, type DiscordDouble, type InteractionRecord } from './double/server.js';

const MANAGE_SERVER = String(1 << 5);

describe('hostile uploads and failing writes on the Discord double', () => {
  let discord: DiscordDouble;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let booted: BootedRuntime;
  const flood = tildeMarkdown();
  const nested = nestedDivs();
  const logged: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    discord = await startDiscordDouble();
    web = await startWebServer({
      '/flood.md': send('text/markdown', flood),
      '/nested.html': send('text/html', nested),
    });
    booted = await bootRuntime(discord, {
      env: { ALLOW_PRIVATE_URLS: 'true', PARSE_TIMEOUT_SECONDS: '2', LOG_LEVEL: 'silent' },
      logger: pino(
        { level: 'error' },
        { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) },
      ),
    });
  });

  afterAll(async () => {
    await booted.stop();
    await discord.close();
    await web.close();
  });

  const upload = (name: string, size: number, contentType: string) =>
    addArticleFile(discord, discord.guildId, { name, url: `${web.base}/${name}`, size, contentType });
  const ask = (question: string) =>
    discord.runSlashCommand(
      'ask',
      [{ type: ApplicationCommandOptionType.String, name: 'question', value: question }],
      discord.newUser(),
    );
  /** When the interaction's final content arrived, and what it says. */
  const settled = (rec: InteractionRecord, ms: number) =>
    discord.waitFor(
      () => {
        const m = discord.original(rec.id);
        return m && (m.content || m.embeds.length > 0)
          ? { at: performance.now(), content: m.content, embeds: m.embeds.length }
          : undefined;
      },
      ms,
      'a final reply',
    );

  it('refuses a Markdown flood of strikethrough within the budget, answering /ask meanwhile', async () => {
    const started = performance.now();
    const add = upload('flood.md', flood.length, 'text/markdown');
    // Asked once the upload is being parsed: answered before the upload's verdict.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const question = ask('How many White Helmets did Jordan take in?');
    const [refusal, answer] = await Promise.all([settled(add, 30_000), settled(question, 30_000)]);
    expect(refusal.content).toBe('Nothing was added: it took longer than 2 s to parse (the limit for one file)');
    expect(answer.embeds).toBeGreaterThan(0);
    expect(answer.at).toBeLessThan(refusal.at);
    // The budget and a fresh parse thread, not the 20 s the file costs unbudgeted.
    expect(refusal.at - started).toBeLessThan(15_000);
    const dir = join(guildArchiveDir(booted.config), discord.guildId);
    expect(existsSync(dir) ? readdirSync(dir, { recursive: true }) : []).toEqual([]);
  }, 40_000);

  it('refuses deeply nested HTML with a clear message, never the stack error', async () => {
    const add = upload('nested.html', nested.length, 'text/html');
    const question = ask('Who is Sadam al-Jamal?');
    const [refusal, answer] = await Promise.all([settled(add, 30_000), settled(question, 30_000)]);
    expect(refusal.content).toMatch(
      /^Nothing was added: (it took longer than 2 s to parse \(the limit for one file\)|could not parse: it is nested too deeply|no article found in it)$/,
    );
    expect(refusal.content).not.toMatch(/call stack/i);
    expect(answer.embeds).toBeGreaterThan(0);
  }, 40_000);

  it('answers /ask while /admin reindex rebuilds over a corpus file that takes the whole budget, and names that file', async () => {
    writeFileSync(join(booted.config.CORPUS_DIR, 'flood.md'), flood);
    const reindex = discord.runSlashCommand(
      'admin',
      [{ type: ApplicationCommandOptionType.Subcommand, name: 'reindex', options: [] }],
      discord.newUser(),
      { permissions: MANAGE_SERVER },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const question = ask('Who is Sadam al-Jamal?');
    const [report, answer] = await Promise.all([settled(reindex, 30_000), settled(question, 30_000)]);
    expect(answer.embeds).toBeGreaterThan(0);
    expect(answer.at).toBeLessThan(report.at);
    expect(report.content).toMatch(
      /^Reindexed in \d+ ms\.\n5 articles, \d+ passages\.\n1 file problem\(s\):\n• flood\.md: took longer than 2 s to parse; skipped$/,
    );
  }, 40_000);

  it('sends the answer when the stats cannot be written (a full disk), logging the failure', async () => {
    const { store } = booted.bot;
    const logQuery = store.activity.logQuery.bind(store);
    store.activity.logQuery = () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    };
    try {
      const answer = await settled(ask('How many White Helmets did Jordan take in?'), 10_000);
      expect(answer.embeds).toBeGreaterThan(0);
      expect(logged).toContainEqual(
        expect.objectContaining({
          level: 50,
          guildId: discord.guildId,
          msg: 'could not record the question in the stats; answering anyway',
          err: expect.objectContaining({ code: 'SQLITE_FULL' }),
        }),
      );
    } finally {
      store.activity.logQuery = logQuery;
    }
  });
});
