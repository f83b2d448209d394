/**
 * Every server is a tenant, end to end: the real discord.js client on the double with three
 * servers — A and B (ordinary) and C (a curator). What B adds is answered, suggested and digested
 * in B only; A's answers stay byte-identical; B's feed can't suppress or replace A's items; no
 * upload can take an id the archive already has.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType, Status } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive.js';
import { loadConfig } from '../../src/config.js';
import { runBot, type BotRuntime } from '../../src/composition.js';
import { articlePage, LOREM, send, startWebServer } from '../ingest/server.js';
import {
  commandOptions,
  startDiscordDouble,
  type DiscordDouble,
  type DoubleGuild,
  type InteractionRecord,
  type StoredMessage,
} from './double/server.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;
const TOKEN = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'t'.repeat(38)}`;
const MANAGE_MESSAGES = String(1 << 13);
const SEED_ID = '000_265a22b589eca241';

type Opt = { type: ApplicationCommandOptionType; name: string; value: unknown };

describe('every server is a tenant (two servers and a curator on the double)', () => {
  let discord: DiscordDouble;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let bot: BotRuntime;
  let dir: string;
  let A: DoubleGuild;
  let B: DoubleGuild;
  let C: DoubleGuild;

  const bridge = `---\ntitle: Bridge at Raqqa reopens\npublished: 2030-01-04\n---\n\nThe old bridge at Raqqa reopened to traffic on Saturday after engineers repaired its central span, the city council said.\n`;
  const files: Record<string, string> = {
    '/b/bridge.md': bridge,
    '/b/shadow-seed.json': JSON.stringify({
      id: SEED_ID,
      title: 'Isis leaders stay put',
      body: 'A rewritten story that claims the id of an article of the shared corpus.',
    }),
    '/b/shadow-own.md': `---\nid: bridge\ntitle: Bridge at Raqqa stays shut\n---\n\nA second story that claims the id of the server's own bridge article.\n`,
    '/b/shadow-a.md': '', // filled in once A's id is known
    '/c/ferry.md': `---\ntitle: Ferry to Arwad resumes\npublished: 2030-01-06\n---\n\nThe ferry to the island of Arwad resumed its crossings on Monday after the harbour master lifted the storm warning.\n`,
    '/c/shadow-seed.md': `---\nid: ${SEED_ID}\ntitle: Curated impostor\n---\n\nA curator cannot take a shared id either.\n`,
  };
  const realStory = [
    'Engineers finished inspecting the Tabqa dam on the Euphrates on Friday and found the spillway gates in working order, officials said.',
    ...LOREM.slice(1),
  ];
  const fakeStory = [
    'The Tabqa dam on the Euphrates collapsed on Friday and flooded the valley, according to this invented report that no one should ever quote.',
    ...LOREM.slice(1),
  ];
  const rss = (title: string, body: string[]) =>
    `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${title}</title><item><title>Dam inspection ends</title><link>${web.base}/dam</link><guid>valley-1</guid><description>Teaser.</description><content:encoded><![CDATA[${[...body, ...body].map((p) => `<p>${p}</p>`).join('')}]]></content:encoded></item></channel></rss>`;

  beforeAll(async () => {
    discord = await startDiscordDouble();
    A = discord.guilds[0]!;
    B = discord.addGuild('Guild B');
    C = discord.addGuild('Curators');
    files['/b/shadow-a.md'] =
      `---\nid: g${A.id}/bridge\ntitle: Spoofed into A\n---\n\nAn id in another server's namespace.\n`;
    web = await startWebServer({});
    web.server.removeAllListeners('request');
    web.server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const routes: Record<string, ReturnType<typeof send>> = {
        '/a/feed.xml': send('application/rss+xml', rss('Valley Wire', realStory)),
        // B's feed claims the guid and link of A's real item, with invented text.
        '/b/feed.xml': send('application/rss+xml', rss('Spoof Wire', fakeStory)),
        '/dam': send('text/html', articlePage('Dam inspection ends', realStory)),
      };
      const file = files[path];
      (routes[path] ?? (file !== undefined ? send('text/markdown', file) : send('text/plain', 'not found', 404)))(
        req,
        res,
      );
    });
    dir = mkdtempSync(join(tmpdir(), 'newsdesk-tenancy-'));
    cpSync(SEEDS, join(dir, 'corpus'), { recursive: true });
    const config = loadConfig({
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: discord.apiBase,
      CORPUS_DIR: join(dir, 'corpus'),
      INDEX_PATH: join(dir, 'index.bin'),
      DATABASE_PATH: join(dir, 'db.sqlite'),
      ALLOW_PRIVATE_URLS: 'true',
      CURATOR_GUILD_IDS: C.id,
      LOG_LEVEL: 'silent',
    });
    const archive = await Archive.open({ corpus: config.CORPUS_DIR, indexPath: config.INDEX_PATH });
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

  const inGuild = <T>(g: DoubleGuild, run: () => T): T => discord.inGuild(g.id, run);
  const command = (g: DoubleGuild, name: string, sub: string, options: Opt[]) =>
    inGuild(g, () =>
      discord.runSlashCommand(name, commandOptions(sub, options), discord.newUser(), { permissions: MANAGE_MESSAGES }),
    );
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
  const upload = (g: DoubleGuild, path: string) => {
    const name = path.split('/').pop()!;
    const file = inGuild(g, () => discord.attach(name, `${web.base}${path}`, files[path]!.length, 'text/markdown'));
    return outcome(
      command(g, 'article', 'add file', [{ type: ApplicationCommandOptionType.Attachment, name: 'file', value: file }]),
    );
  };
  /** The whole answer message as Discord got it: content, embeds and buttons. */
  const ask = async (
    g: DoubleGuild,
    question: string,
  ): Promise<Pick<StoredMessage, 'content' | 'embeds' | 'components'>> => {
    const rec = inGuild(g, () =>
      discord.runSlashCommand(
        'ask',
        [{ type: ApplicationCommandOptionType.String, name: 'question', value: question }],
        discord.newUser(),
      ),
    );
    const m = await discord.waitFor(
      () => discord.original(rec.id)?.embeds.length && discord.original(rec.id),
      8000,
      'an answer',
    );
    if (!m) throw new Error('no answer');
    return { content: m.content, embeds: m.embeds, components: m.components };
  };
  const suggest = async (g: DoubleGuild, typed: string): Promise<string[]> => {
    const rec = inGuild(g, () => discord.runAutocomplete('ask', 'question', typed));
    await discord.waitFor(() => rec.callbacks.length > 0, 3000, 'autocomplete');
    return (rec.callbacks[0]!.data as { choices: Array<{ name: string }> }).choices.map((c) => c.name);
  };
  /** The value once it holds something matching /Ferry/, polling for up to 5 s; the last value otherwise. */
  const eventually = async (get: () => Promise<string | undefined>): Promise<string | undefined> => {
    const until = Date.now() + 5000;
    let v = await get();
    while (!/Ferry/.test(v ?? '') && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      v = await get();
    }
    return v;
  };
  const embedTitles = (m: { embeds: Array<Record<string, unknown>> }) => m.embeds.map((e) => String(e.title));
  const QUESTIONS = [
    'When did the Raqqa bridge reopen?',
    'Who is Sadam al-Jamal?',
    'What happened to the Tabqa dam?',
    'When did the ferry to Arwad resume?',
  ];
  let before: Array<Awaited<ReturnType<typeof ask>>>;

  it('keeps what B adds in B: quoted and suggested there, never in A; A’s answers stay byte-identical', async () => {
    before = [];
    for (const q of QUESTIONS.slice(0, 3)) before.push(await ask(A, q));
    const suggestedBefore = await suggest(A, 'Raqqa bridge');

    expect(await upload(B, '/b/bridge.md')).toMatch(
      /^Added “Bridge at Raqqa reopens” \(`added\/bridge\.md`\)\.\nThe archive now has 6 articles/,
    );
    // Written to B's own folder, never into the shared corpus.
    expect(readdirSync(join(dir, 'guilds', B.id, 'added'))).toEqual(['bridge.md']);
    expect(existsSync(join(dir, 'corpus', 'added'))).toBe(false);

    expect(embedTitles(await ask(B, QUESTIONS[0]!))[0]).toMatch(/Bridge at Raqqa reopens/);
    expect(await suggest(B, 'Raqqa bridge')).toContain('Bridge at Raqqa reopens');

    const after = [];
    for (const q of QUESTIONS.slice(0, 3)) after.push(await ask(A, q));
    expect(after).toEqual(before);
    expect(JSON.stringify(after)).not.toContain('Bridge at Raqqa reopens');
    const suggestedAfter = await suggest(A, 'Raqqa bridge');
    expect(suggestedAfter).toEqual(suggestedBefore);
    expect(suggestedAfter).not.toContain('Bridge at Raqqa reopens');
    expect(bot.index().held().articles).toBe(5);
  });

  it('digests B’s additions in B only', async () => {
    const post = async (g: DoubleGuild) => {
      expect(
        await outcome(
          command(g, 'digest', 'post', [{ type: ApplicationCommandOptionType.Integer, name: 'count', value: 10 }]),
        ),
      ).toMatch(/^Posted a digest of \d+ articles/);
      return discord
        .messages(g.channelId)
        .filter((m) => m.content.includes('News Digest #') && !m.interaction_id)
        .flatMap(embedTitles);
    };
    const inA = await post(A);
    const inB = await post(B);
    expect(inA).toHaveLength(5);
    expect(inA.join('\n')).not.toContain('Bridge at Raqqa reopens');
    expect(inB).toHaveLength(6);
    expect(inB.join('\n')).toContain('Bridge at Raqqa reopens');
  });

  it('lets no feed in B suppress or replace A’s item that has the same guid and link', async () => {
    expect(
      await outcome(
        command(B, 'feed', 'add', [
          { type: ApplicationCommandOptionType.String, name: 'url', value: `${web.base}/b/feed.xml` },
        ]),
      ),
    ).toMatch(/^Following “Spoof Wire” \(#\d+, 1 items\): added 1 new article\./);
    // A's feed brings its item in although B's feed already brought one in with its guid and link.
    expect(
      await outcome(
        command(A, 'feed', 'add', [
          { type: ApplicationCommandOptionType.String, name: 'url', value: `${web.base}/a/feed.xml` },
        ]),
      ),
    ).toMatch(/^Following “Valley Wire” \(#\d+, 1 items\): added 1 new article\./);
    const inA = await ask(A, QUESTIONS[2]!);
    expect(embedTitles(inA)[0]).toMatch(/Dam inspection ends/);
    expect(JSON.stringify(inA.embeds)).toContain('spillway gates');
    expect(JSON.stringify(inA.embeds)).not.toContain('invented report');
    const inB = await ask(B, QUESTIONS[2]!);
    expect(JSON.stringify(inB.embeds)).toContain('invented report');
    // Each under its own server's folder.
    expect(readdirSync(join(dir, 'guilds'))).toEqual([A.id, B.id].sort());
  });

  it('refuses every upload that would take an id the archive has, in any server', async () => {
    expect(await upload(B, '/b/shadow-seed.json')).toBe(
      `Nothing was added: the archive already has an article with the id "${SEED_ID}"`,
    );
    expect(await upload(B, '/b/shadow-own.md')).toBe(
      'Nothing was added: the archive already has an article with the id "bridge"',
    );
    expect(await upload(B, '/b/shadow-a.md')).toMatch(
      /^Nothing was added: ids like "g\d+\/bridge" \(g, a server id, a slash\) are reserved$/,
    );
    expect(await upload(C, '/c/shadow-seed.md')).toBe(
      `Nothing was added: the archive already has an article with the id "${SEED_ID}"`,
    );
    expect(readdirSync(join(dir, 'guilds', B.id, 'added'))).toEqual(['bridge.md']);
    // The shared article is still the one quoted, everywhere.
    for (const g of [A, B, C])
      expect(embedTitles(await ask(g, 'Why did Isis leaders begin to flee Syria?')).join('\n')).toMatch(
        /Isis leaders begin to flee/,
      );
  });

  it('adds a curator server’s uploads to the shared corpus, which every server is answered from', async () => {
    expect(await upload(C, '/c/ferry.md')).toMatch(/^Added “Ferry to Arwad resumes” \(`added\/ferry\.md`\)\./);
    expect(readdirSync(join(dir, 'corpus', 'added'))).toEqual(['ferry.md']);
    // A server with an index of its own serves it while it is rebuilt over the new shared corpus (as
    // the shared archive answers during a rebuild): the new article is found once that is done.
    for (const g of [A, B, C])
      expect(await eventually(async () => embedTitles(await ask(g, QUESTIONS[3]!))[0])).toMatch(
        /Ferry to Arwad resumes/,
      );
    // B still has its own article beside the new shared one.
    expect(embedTitles(await ask(B, QUESTIONS[0]!))[0]).toMatch(/Bridge at Raqqa reopens/);
    expect(JSON.stringify(await ask(A, QUESTIONS[0]!))).not.toContain('Bridge at Raqqa reopens');
  });
});
