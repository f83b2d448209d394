/**
 * The hostile-content suite: a corpus of files written to attack the bot (front matter that is
 * code in every spelling, YAML tags that build functions, prototype keys, masked links, mention
 * syntax, credentials in urls, titles that name another site) plus symbolic links out of the
 * corpus made here, driven through the CLI as a user runs it and through the real discord.js
 * client on the double. Every code block in the fixtures writes a marker file when it is run:
 * the marker folder must stay empty.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationCommandOptionType } from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseUrl } from '../../src/core/links.js';
import { misleads } from '../../src/discord/escape.js';
import { send, startWebServer } from '../ingest/server.js';
import { bootRuntime, type BootedRuntime } from '../discord/boot.js';
import {
  startDiscordDouble,
  type DiscordDouble,
  type InteractionRecord,
  type StoredMessage,
} from '../discord/double/server.js';
import { nodeCommand } from '../setup/tsx.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const HOSTILE = join(ROOT, 'tests/fixtures/hostile');
const MANAGE_MESSAGES = String(1 << 13);
const readFixture = (file: string) => readFileSync(join(HOSTILE, file), 'utf8');

/** Each file whose front matter is code or a code-building tag, and how the warning names it. */
const CODE_FILES: Array<[file: string, line: number, reason: RegExp]> = [
  ['front-coffee.md', 1, /^front matter in "coffee" refused/],
  ['front-javascript.md', 1, /^front matter in "javascript" refused/],
  ['front-js.md', 1, /^front matter in "js" refused/],
  ['front-mixed-javascript.md', 1, /^front matter in "JavaScript" refused/],
  ['front-space-js.md', 1, /^front matter in "js" refused/],
  ['front-typescript.md', 1, /^front matter in "ts" refused/],
  ['front-upper-js.md', 1, /^front matter in "JS" refused/],
  ['yaml-js-function.md', 2, /^front matter tag refused: tag:yaml\.org,2002:js\/function/],
  ['yaml-js-regexp.md', 3, /^front matter tag refused: tag:yaml\.org,2002:js\/regexp/],
  ['yaml-local-tag.md', 2, /^front matter tag refused: tag:yaml\.org,2002:python\/object/],
];

/** A temp host: the hostile corpus, a folder of secrets beside it with links to them from inside, and an empty marker folder. */
function hostileHost(): { base: string; corpus: string; markers: string } {
  const base = mkdtempSync(join(tmpdir(), 'newsdesk-hostile-'));
  const corpus = join(base, 'corpus');
  const markers = join(base, 'markers');
  cpSync(HOSTILE, corpus, { recursive: true });
  mkdirSync(markers);
  mkdirSync(join(base, 'secrets'));
  writeFileSync(
    join(base, 'secrets', 'host-notes.txt'),
    'Zebrafinch treasury password list\n\nThe zebrafinch treasury keeps its passwords in this file outside the archive.\n',
  );
  symlinkSync(join(base, 'secrets', 'host-notes.txt'), join(corpus, 'linked-secret.txt'));
  symlinkSync(join(base, 'secrets'), join(corpus, 'linked-secrets-dir'));
  return { base, corpus, markers };
}

/** Every url a Markdown text would link: masked-link targets and `<…>` links (an escaped `\]` opens none). */
function liveLinks(markdown: string): Array<{ text?: string; url: string }> {
  return [...markdown.matchAll(/(?<!\\)\[((?:\\.|[^\]\\])*)\]\(([^)]*)\)|<(https?:[^>]*)>/g)].map((m) =>
    m[3] !== undefined ? { url: m[3] } : { text: m[1]!, url: m[2]! },
  );
}

describe('hostile content through the CLI', () => {
  let host: ReturnType<typeof hostileHost>;
  beforeAll(() => {
    host = hostileHost();
  });
  afterAll(() => rmSync(host.base, { recursive: true, force: true }));

  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: host.base,
    NEWSDESK_HOSTILE_MARKER: host.markers,
    INDEX_PATH: join(host.base, 'index.json'),
    DATABASE_PATH: join(host.base, 'db.sqlite'),
  });

  it('`npm run ask -- --corpus DIR --json` runs no front matter, names every refused file, and serves nothing through links out of the corpus', () => {
    const r = spawnSync(
      'npm',
      [
        'run',
        '--silent',
        'ask',
        '--',
        '--corpus',
        host.corpus,
        '--json',
        'What closed the Marsh Valley road for six hours?',
      ],
      { cwd: ROOT, env: env(), encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(host.markers)).toEqual([]);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    for (const [file, line, reason] of CODE_FILES) {
      const w = warnings.find((l) => l.startsWith(`warning: ${file}:${line}: `));
      expect(w, file).toBeDefined();
      expect(w!.slice(`warning: ${file}:${line}: `.length), file).toMatch(reason);
    }
    expect(warnings).toContain(
      'warning: linked-secret.txt: symbolic link to a place outside the corpus directory: not read; skipped',
    );
    expect(warnings).toContain(
      'warning: linked-secrets-dir: symbolic link to a place outside the corpus directory: not read; skipped',
    );
    expect(warnings).toContain(
      'warning: userinfo-url.json: ignored invalid url "https://discord.com@evil.example/verify"',
    );
    // The question the refused files were written to answer is answered by the plain file beside them.
    const answer = JSON.parse(r.stdout) as {
      answered: boolean;
      results: Array<{ articleId: string; url: string | null }>;
    };
    expect(answer.answered).toBe(true);
    // First from the plain file; nothing at all from a refused file (a later, weaker result may come from another loaded one).
    expect(answer.results[0]!.articleId).toBe('plain-good');
    const refused = new Set(CODE_FILES.map(([file]) => file.replace(/\.md$/, '')));
    expect(answer.results.filter((x) => refused.has(x.articleId))).toEqual([]);
    expect(answer.results[0]!.url).toBe('https://county.example/roads/valley');
  });

  it('answers from the other hostile files with normalised urls only, and never from the linked secret', () => {
    const questions = [
      'How much do harbour tolls rise for fishing boats?',
      'When will the Gull Point lighthouse repairs finish?',
      'Who won the lighthouse lottery?',
      'When does the island ferry timetable change?',
      'Who retired from the Gull Point lighthouse?',
      'Where does the zebrafinch treasury keep its passwords?',
      'What will the new crane on the north quay lift?',
    ];
    const r = spawnSync(...nodeCommand('src/cli.ts', ['ask', '--corpus', host.corpus, '--stdin', '--json']), {
      cwd: ROOT,
      env: env(),
      input: questions.join('\n'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(host.markers)).toEqual([]);
    const answers = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            answered: boolean;
            results: Array<{ articleId: string; title: string; url: string | null; excerpt: string }>;
          },
      );
    const first = answers.map((a) => a.results[0]?.articleId ?? null);
    expect(first).toEqual([
      'masked-links',
      'misleading-record',
      'userinfo-record',
      'proto-pollution',
      'proto-record',
      null,
      'plain-crane',
    ]);
    // The secret behind the link is not in the archive: its question finds nothing of it.
    expect(answers[5]!.answered).toBe(false);
    expect(JSON.stringify(answers[5])).not.toMatch(/zebrafinch treasury keeps/i);
    for (const a of answers) {
      for (const x of a.results) {
        if (x.url !== null) expect(normaliseUrl(x.url)).toBe(x.url);
        expect(x.url ?? '').not.toMatch(/polluted|@/);
      }
    }
    expect(answers[0]!.results[0]!.url).toBe('https://news.example/harbour-tolls-%282030%29%7C%22final%22');
    expect(answers[2]!.results[0]!.url).toBeNull();
    expect(answers[3]!.results[0]!.url).toBe('https://ferries.example/winter');
    // Nothing reached Object.prototype in this process either (the parsers are the same code).
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile content through the real discord.js client on the double', () => {
  let discord: DiscordDouble;
  let web: Awaited<ReturnType<typeof startWebServer>>;
  let app: BootedRuntime;
  let host: ReturnType<typeof hostileHost>;
  const previousMarker = process.env.NEWSDESK_HOSTILE_MARKER;

  beforeAll(async () => {
    host = hostileHost();
    // The bot runs in this process: a code block it ran would write here.
    process.env.NEWSDESK_HOSTILE_MARKER = host.markers;
    const routes: Record<string, ReturnType<typeof send>> = {};
    for (const [file] of CODE_FILES) routes[`/upload/${file}`] = send('text/markdown', readFixture(file));
    web = await startWebServer(routes);
    discord = await startDiscordDouble();
    app = await bootRuntime(discord, {
      corpus: host.corpus,
      env: { ALLOW_PRIVATE_URLS: 'true', LOG_LEVEL: 'silent' },
      logger: pino({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await app.stop();
    await discord.close();
    await web.close();
    if (previousMarker === undefined) delete process.env.NEWSDESK_HOSTILE_MARKER;
    else process.env.NEWSDESK_HOSTILE_MARKER = previousMarker;
    rmSync(host.base, { recursive: true, force: true });
  });

  const reply = (rec: InteractionRecord): Promise<StoredMessage> =>
    discord.waitFor(
      () => {
        const m = discord.original(rec.id);
        return m && (m.content || m.embeds.length > 0) ? m : undefined;
      },
      8000,
      'a reply',
    );
  const ask = (q: string) =>
    reply(
      discord.runSlashCommand(
        'ask',
        [{ type: ApplicationCommandOptionType.String, name: 'question', value: q }],
        discord.newUser(),
      ),
    );

  /** Nothing in a message can ping, run, or link somewhere other than it says. */
  function expectInert(m: StoredMessage): void {
    expect(m.allowed_mentions).toMatchObject({ parse: [] });
    const embeds = m.embeds as Array<{ title?: string; description?: string; url?: string; footer?: { text: string } }>;
    const texts = [m.content, ...embeds.flatMap((e) => [e.title ?? '', e.description ?? '', e.footer?.text ?? ''])];
    for (const t of texts) {
      // Mass mentions and mention tokens are all broken (a zero-width space or a backslash).
      expect(t).not.toMatch(/@(everyone|here)/i);
      expect(t).not.toMatch(/(?<!\\)<(@[!&]?|#)\d/);
      // No url with credentials anywhere, live or not.
      expect(t).not.toMatch(/https?:\/\/[^\s/?#<>()]*@/i);
    }
    for (const t of [m.content, ...embeds.map((e) => e.description ?? '')]) {
      for (const link of liveLinks(t)) {
        expect(normaliseUrl(link.url), t).toBe(link.url);
        if (link.text !== undefined) expect(misleads(link.text, link.url), t).toBe(false);
      }
      // Any other scheme://… in the text is defused (not a link Discord would make).
      const bare = t.replace(/(?<!\\)\[(?:\\.|[^\]\\])*\]\([^)]*\)|<https?:[^>]*>/g, '');
      expect(bare, t).not.toMatch(/[a-z]:\/\//i);
    }
    for (const e of embeds) if (e.url !== undefined) expect(normaliseUrl(e.url)).toBe(e.url);
  }

  it('refuses every code front matter sent with /article add, running nothing and writing nothing', async () => {
    for (const [file, line] of CODE_FILES) {
      const attachment = discord.attach(file, `${web.base}/upload/${file}`, readFixture(file).length, 'text/markdown');
      const rec = discord.runSlashCommand(
        'article',
        [
          {
            type: ApplicationCommandOptionType.SubcommandGroup,
            name: 'add',
            options: [
              {
                type: ApplicationCommandOptionType.Subcommand,
                name: 'file',
                options: [{ type: ApplicationCommandOptionType.Attachment, name: 'file', value: attachment }],
              },
            ],
          },
        ],
        discord.newUser(),
        { permissions: MANAGE_MESSAGES },
      );
      const m = await reply(rec);
      expect(m.content, file).toMatch(
        new RegExp(`^Nothing was added: line ${line}: front matter (in "[^"]+" |tag )refused`),
      );
      expectInert(m);
    }
    expect(readdirSync(host.markers)).toEqual([]);
    expect(
      existsSync(join(app.config.CORPUS_DIR, 'added')) ? readdirSync(join(app.config.CORPUS_DIR, 'added')) : [],
    ).toEqual([]);
  });

  it('answers over the hostile corpus with nothing that pings, runs or misleads', async () => {
    const tolls = await ask('How much do harbour tolls rise for fishing boats?');
    expectInert(tolls);
    const embed = tolls.embeds[0] as { title: string; url?: string; description: string };
    // The title that carries a masked link is shown as text, and the link is the article's own, normalised.
    expect(embed.title).toContain('[Claim your refund](https://evil.example/refund)');
    expect(embed.url).toBeUndefined();
    expect(embed.description).toContain('🔗 <https://news.example/harbour-tolls-%282030%29%7C%22final%22>');
    expect(embed.description).toContain('@\u200beveryone');
    expect(embed.description).toContain('https:\u200b//discord.com@evil.example/gift');

    const repairs = await ask('When will the Gull Point lighthouse repairs finish?');
    expectInert(repairs);
    expect((repairs.embeds[0] as { url?: string }).url).toBeUndefined();
    expect((repairs.embeds[0] as { description: string }).description).toContain(
      '🔗 <https://evil.example/lighthouse>',
    );

    const lottery = await ask('Who won the lighthouse lottery?');
    expectInert(lottery);
    expect((lottery.embeds[0] as { url?: string }).url).toBeUndefined();

    const ferry = await ask('When does the island ferry timetable change?');
    expectInert(ferry);
    expect((ferry.embeds[0] as { url?: string }).url).toBe('https://ferries.example/winter');

    const refusal = await ask('What did Zorblax say about the harbour tolls?');
    expectInert(refusal);
    const description = (refusal.embeds[0] as { description: string }).description;
    expect(description).toContain('Nearest articles');
    expect(liveLinks(description).length).toBeGreaterThan(0);

    expect(discord.pings()).toEqual([]);
    expect(readdirSync(host.markers)).toEqual([]);
  });

  it('lists a stored feed address that tries to close its link as a normalised link', async () => {
    await app.bot.store.feeds.add({
      guildId: discord.guildId,
      url: 'https://feeds.example/rss>)[FreeNitro](https://evil.example)',
      title: 'Port [news](https://evil.example) @everyone',
      addedBy: '1',
    });
    const rec = discord.runSlashCommand(
      'feed',
      [{ type: ApplicationCommandOptionType.Subcommand, name: 'list', options: [] }],
      discord.newUser(),
      { permissions: MANAGE_MESSAGES },
    );
    const m = await reply(rec);
    expectInert(m);
    expect(m.content).toContain('<https://feeds.example/rss%3E%29%5BFreeNitro%5D%28https://evil.example%29>');
  });
});
