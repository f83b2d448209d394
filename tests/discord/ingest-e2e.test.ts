import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, Status } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion } from '../../src/core/answer.js';
import { LiveIndex } from '../../src/core/delta.js';
import { NewsIndex } from '../../src/core/search.js';
import { StoredIndex } from '../../src/core/storedIndex.js';
import { loadConfig } from '../../src/config.js';
import { openLiveArchive, runBot, type BotRuntime } from '../../src/composition.js';
import { articlePage, LOREM, send, startWebServer } from '../ingest/server.js';
import { commandOptions, startDiscordDouble, type DiscordDouble, type InteractionRecord } from './double/server.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;
const TOKEN = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'i'.repeat(38)}`;
const MANAGE_MESSAGES = String(1 << 13);

// Both search backends serve the bot: the same additions answered from memory and from SQLite.
describe.each(['memory', 'sqlite'] as const)('adding articles and feeds from Discord, end to end (%s)', (backend) => {
  let discord: DiscordDouble;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let bot: BotRuntime;
  let dir: string;
  // Paths the web server was asked for: a refused upload must not be downloaded.
  const asked: string[] = [];

  const md = `---\ntitle: Bridge at Raqqa reopens\npublished: 2030-01-04\n---\n\nThe old bridge at Raqqa reopened to traffic on Saturday after engineers repaired its central span, the city council said.\n`;
  const rss = () =>
    `<?xml version="1.0"?><rss version="2.0"><channel><title>Valley Wire</title><item><title>Dam inspection ends</title><link>${web.base}/dam</link><guid>valley-1</guid><description>Teaser only.</description></item></channel></rss>`;

  beforeAll(async () => {
    discord = await startDiscordDouble();
    web = await startWebServer({});
    web.server.removeAllListeners('request');
    web.server.on('request', (req, res) => {
      const routes: Record<string, ReturnType<typeof send>> = {
        '/upload/bridge.md': send('text/markdown', md),
        '/news/harbour': send('text/html', articlePage('Harbour of Tartus reopens to cargo ships', LOREM)),
        '/feed.xml': send('application/rss+xml', rss()),
        '/dam': send(
          'text/html',
          articlePage('Dam inspection ends', [
            'Engineers finished inspecting the Tabqa dam on the Euphrates on Friday and found the spillway gates in working order, officials said.',
            ...LOREM.slice(1),
          ]),
        ),
      };
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      asked.push(path);
      (routes[path] ?? send('text/plain', 'not found', 404))(req, res);
    });
    dir = mkdtempSync(join(tmpdir(), 'newsdesk-ingest-'));
    cpSync(SEEDS, join(dir, 'corpus'), { recursive: true });
    const config = loadConfig({
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: discord.apiBase,
      CORPUS_DIR: join(dir, 'corpus'),
      INDEX_PATH: join(dir, 'index.json'),
      DATABASE_PATH: join(dir, 'db.sqlite'),
      ALLOW_PRIVATE_URLS: 'true',
      LOG_LEVEL: 'silent',
      SEARCH_BACKEND: backend,
    });
    const archive = await openLiveArchive(config);
    bot = await runBot(config, archive, {
      logger: pino({ level: 'silent' }),
      clientOptions: { ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) } },
    });
  });

  afterAll(async () => {
    await discord.waitFor(() => bot.client.ws.shards.every((s) => s.status === Status.Ready), 2000, 'ready');
    await bot.stop();
    await discord.close();
    await web.close();
  });

  const run = (
    command: string,
    sub: string,
    options: Array<{ type: ApplicationCommandOptionType; name: string; value: unknown }>,
    permissions = MANAGE_MESSAGES,
  ) => discord.runSlashCommand(command, commandOptions(sub, options), discord.newUser(), { permissions });
  const outcome = (rec: InteractionRecord) =>
    discord.waitFor(
      () => {
        const first = rec.callbacks[0];
        if (first?.type === 4) return (first.data as { content: string }).content;
        return discord.original(rec.id)?.content || undefined;
      },
      8000,
      'a response',
    );
  // Additions are the server's own: they are answered from the server's index.
  const answers = async (q: string) => answerQuestion(await bot.indexFor(discord.guildId), q, { k: 1 });

  it('adds an uploaded file, confirms it by title, and answers from it at once', async () => {
    const file = discord.attach('bridge.md', `${web.base}/upload/bridge.md`, md.length, 'text/markdown');
    const text = await outcome(
      run('article', 'add file', [{ type: ApplicationCommandOptionType.Attachment, name: 'file', value: file }]),
    );
    expect(text).toMatch(/^Added “Bridge at Raqqa reopens” \(`added\/bridge\.md`\)\.\nThe archive now has 6 articles/);
    expect((await answers('When did the Raqqa bridge reopen?')).results[0]?.title).toBe('Bridge at Raqqa reopens');
    // Served from the backend asked for (on memory, the main index with the upload's delta beside it until the rebuild).
    const served = await bot.indexFor(discord.guildId);
    if (backend === 'sqlite') expect(served).toBeInstanceOf(StoredIndex);
    else expect(served instanceof NewsIndex || served instanceof LiveIndex).toBe(true);
  });

  it('answers /ask from the added file, and no more once it is removed', async () => {
    // A real /ask through the double: deferred, then the answer edited in (an embed, or a refusal's text).
    const ask = (q: string) => {
      const rec = discord.runSlashCommand(
        'ask',
        [{ type: ApplicationCommandOptionType.String, name: 'question', value: q }],
        discord.newUser(),
      );
      return discord.waitFor(
        () => {
          const m = discord.original(rec.id);
          return m && (m.embeds.length > 0 || m.content) ? m : undefined;
        },
        8000,
        'an answer',
      );
    };
    const reply = await ask('When did the Raqqa bridge reopen?');
    expect(reply.embeds[0]?.title).toBe('1. Bridge at Raqqa reopens');
    const before = (await bot.indexFor(discord.guildId)).held().articles;
    const text = await outcome(
      run('article', 'remove', [{ type: ApplicationCommandOptionType.String, name: 'file', value: 'bridge.md' }]),
    );
    expect(text).toBe(`Removed \`bridge.md\`. The archive now has ${before - 1} articles.`);
    expect((await answers('When did the Raqqa bridge reopen?')).results[0]?.title).not.toBe('Bridge at Raqqa reopens');
    const after = await ask('When did the Raqqa bridge reopen?');
    expect(JSON.stringify(after)).not.toContain('Bridge at Raqqa reopens');
  });

  it('refuses a file type the loaders do not read by its name, before downloading it', async () => {
    const before = (await bot.indexFor(discord.guildId)).held().articles;
    const file = discord.attach('notes.pdf', `${web.base}/upload/notes.pdf`, 8, 'application/pdf');
    expect(
      await outcome(
        run('article', 'add file', [{ type: ApplicationCommandOptionType.Attachment, name: 'file', value: file }]),
      ),
    ).toBe(
      'Nothing was added: “notes.pdf” is not a file Newsdesk reads: send txt, text, md, markdown, html, htm, json, jsonl, ndjson',
    );
    expect(asked).not.toContain('/upload/notes.pdf');
    expect((await bot.indexFor(discord.guildId)).held().articles).toBe(before);
  });

  it('adds a web page by its link, keeping the link', async () => {
    const text = await outcome(
      run('article', 'add url', [
        { type: ApplicationCommandOptionType.String, name: 'url', value: `${web.base}/news/harbour` },
      ]),
    );
    expect(text).toMatch(/^Added “Harbour of Tartus reopens to cargo ships”/);
    const hit = (await answers('How much did the Tartus harbour repairs cost?')).results[0];
    expect(hit).toMatchObject({ title: 'Harbour of Tartus reopens to cargo ships', url: `${web.base}/news/harbour` });
  });

  it('explains a refused link and adds nothing', async () => {
    const before = (await bot.indexFor(discord.guildId)).held().articles;
    expect(
      await outcome(
        run('article', 'add url', [
          { type: ApplicationCommandOptionType.String, name: 'url', value: 'file:///etc/passwd' },
        ]),
      ),
    ).toBe('Nothing was added: only http and https links are accepted');
    expect(
      await outcome(
        run('article', 'add url', [
          { type: ApplicationCommandOptionType.String, name: 'url', value: `${web.base}/missing` },
        ]),
      ),
    ).toBe('Nothing was added: the site answered 404');
    expect((await bot.indexFor(discord.guildId)).held().articles).toBe(before);
  });

  it('follows a feed, bringing in its items, and lists it', async () => {
    const text = await outcome(
      run('feed', 'add', [{ type: ApplicationCommandOptionType.String, name: 'url', value: `${web.base}/feed.xml` }]),
    );
    expect(text).toMatch(/^Following “Valley Wire” \(#\d+, 1 items\): added 1 new article\./);
    expect((await answers('Which dam did engineers inspect?')).results[0]?.title).toBe('Dam inspection ends');
    expect(
      await outcome(
        run('feed', 'add', [{ type: ApplicationCommandOptionType.String, name: 'url', value: `${web.base}/feed.xml` }]),
      ),
    ).toBe('This server already follows that feed: see /feed list.');
    expect(await outcome(run('feed', 'list', []))).toMatch(
      new RegExp(`^\\*\\*#\\d+\\*\\* Valley Wire — <${web.base}/feed.xml> · checked <t:\\d+:R>$`),
    );
  });

  it('refuses members without Manage Messages', async () => {
    expect(
      await outcome(
        run(
          'article',
          'add url',
          [{ type: ApplicationCommandOptionType.String, name: 'url', value: `${web.base}/news/harbour` }],
          '0',
        ),
      ),
    ).toBe('You need the Manage Messages permission to manage this server’s articles.');
    expect(
      await outcome(
        run('feed', 'remove', [{ type: ApplicationCommandOptionType.String, name: 'feed', value: '1' }], '0'),
      ),
    ).toBe('You need the Manage Messages permission to manage feeds.');
    expect(await bot.store.feeds.list(discord.guildId)).toHaveLength(1);
  });
});
