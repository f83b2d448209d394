import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { NEWER_ID, newerCorpus } from './fixtures/newer/corpus.js';
import { runCliInProcess } from './setup/inProcess.js';
import { nodeEntry } from './setup/tsx.js';

const ROOT = new URL('..', import.meta.url).pathname;
const [NODE, ...CLI] = nodeEntry('src/cli.ts');
const FORMATS = join(ROOT, 'tests/fixtures/formats');

interface Item {
  articleId: string;
  title: string;
  url: string | null;
  published: string | null;
  summary: string;
}

/** No Discord token, no database and a throwaway index path. */
function environment(): Record<string, string> {
  const data = mkdtempSync(join(tmpdir(), 'newsdesk-digest-cli-'));
  return { HOME: data, INDEX_PATH: join(data, 'index.json'), DATABASE_PATH: join(data, 'db.sqlite') };
}

/** `npm run digest -- …` as the script runs it: its own process. */
function spawned(args: string[]) {
  const r = spawnSync(NODE, [...CLI, 'digest', ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...environment() },
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same command in this process (tests/setup/inProcess.ts): the many combinations below, without a node start each. */
const digest = (args: string[]) => runCliInProcess(['digest', ...args], environment());

const itemsOf = (out: string): Item[] => (JSON.parse(out) as { items: Item[] }).items;

describe('npm run digest, on the bundled corpus', () => {
  it('--json lists the five seed articles, each with a gist of 20–400 characters', async () => {
    const r = await digest(['--json']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['items']);
    const items = itemsOf(r.out);
    expect(items.map((i) => i.articleId).sort()).toEqual([
      '000_265a22b589eca241',
      '001_6769e8153fbb5a3b',
      '002_a2c911d8e0e811de',
      '003_673823d6fb807e77',
      '004_37483b185861883f',
    ]);
    for (const i of items) {
      expect(Object.keys(i)).toEqual(['articleId', 'title', 'url', 'published', 'summary']);
      expect(i.title.length, i.articleId).toBeGreaterThan(10);
      expect(i.summary.length, i.articleId).toBeGreaterThanOrEqual(20);
      expect(i.summary.length, i.articleId).toBeLessThanOrEqual(400);
      expect(i.summary, i.articleId).not.toContain(i.title);
      expect(i.summary, i.articleId).not.toMatch(/skip to|Photo Credits|…$/i);
    }
  });

  it('keeps undated articles in corpus order, which is the order they were found in', async () => {
    const items = itemsOf((await digest(['--json'])).out);
    expect(items.map((i) => i.published)).toEqual([null, null, null, null, null]);
    expect(items.map((i) => i.articleId)).toEqual([...items.map((i) => i.articleId)].sort());
  });

  it('--since never passes an undated article off as recent: the terminal has never seen them', async () => {
    for (const since of ['7d', '2y', '10y']) {
      const r = await digest(['--since', since, '--json']);
      expect(r.code, r.err).toBe(0);
      expect(itemsOf(r.out), since).toEqual([]);
    }
  });

  it('--topic goes through the alias data, and an off-topic one gives an empty list', async () => {
    const daesh = itemsOf((await digest(['--topic', 'Islamic State', '--json', '--count', '10'])).out);
    expect(daesh).toHaveLength(5);
    const white = itemsOf((await digest(['--topic', 'Syria Civil Defence', '--json'])).out);
    expect(white.map((i) => i.articleId)).toEqual(['002_a2c911d8e0e811de']);
    const off = await digest(['--topic', 'lasagna recipes', '--json']);
    expect(off.code).toBe(0);
    expect(off.out).toBe('{"items":[]}\n');
  });

  it('--count limits the items', async () => {
    expect(itemsOf((await digest(['--count', '2', '--json'])).out)).toHaveLength(2);
  });
});

describe('npm run digest, on another corpus', () => {
  it('orders dated articles newest first and fills url and published when known', async () => {
    const r = await digest(['--corpus', FORMATS, '--count', '10', '--json']);
    expect(r.code).toBe(0);
    const items = itemsOf(r.out);
    expect(items).toHaveLength(10);
    const dated = items
      .filter((i) => i.published !== null)
      .map((i) => Date.parse(i.published!.length === 10 ? `${i.published}T00:00:00Z` : i.published!));
    expect(dated.length).toBeGreaterThan(5);
    expect(dated).toEqual([...dated].sort((x, y) => y - x));
    // Undated ones, never seen before, come after every dated one (here: none is left for them).
    expect(dated).toHaveLength(10);
    expect(items.find((i) => i.articleId === 'news-page')).toMatchObject({
      url: 'https://coast.example/ferry-strike-ends',
      published: '2024-04-10T09:30:00Z',
    });
  });

  it('--since leaves out dated articles before the cut-off', async () => {
    const items = itemsOf(
      (await digest(['--corpus', FORMATS, '--count', '10', '--since', '2024-03-01', '--json'])).out,
    );
    // Undated articles are left out too: nothing says they are from the period.
    const dates = items.map((i) => i.published);
    expect(dates.sort()).toEqual(['2024-03-05', '2024-03-05', '2024-04-10T09:30:00Z', '2024-05-02']);
  });

  it('prints a readable digest: number and title, then date and link, then the summary', async () => {
    const r = await digest(['--corpus', join(FORMATS, 'news-page.html')]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('1. Ferry strike ends after nine days');
    expect(lines[1]).toBe('   2024-04-10 · https://coast.example/ferry-strike-ends');
    expect(lines[2]).toMatch(/^ {3}The ferry crews' strike ended on Wednesday morning/);
    expect(lines).toHaveLength(3);
  });

  it('says so when nothing matches', async () => {
    const r = await digest(['--corpus', FORMATS, '--topic', 'lasagna recipes']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Nothing to post: no article matches.\n');
  });
});

describe('npm run digest, bad arguments', () => {
  it.each([
    [['--since', 'last tuesday'], '--since: must look like 7d, 24h, 2w, 2y or a date like 2026-01-31.'],
    [['--since', '0h'], '--since: must be between 1 minute and 10 years, like 7d, 24h, 2w or 2y.'],
    [['--since', '11y'], '--since: must be between 1 minute and 10 years, like 7d, 24h, 2w or 2y.'],
    [['--count', '0'], '--count must be a whole number from 1 to 10 (got "0")'],
    [['--count', '11'], '--count must be a whole number from 1 to 10 (got "11")'],
    [['--count', '0x3'], '--count must be a whole number from 1 to 10 (got "0x3")'],
    [['--count', 'many'], '--count must be a whole number from 1 to 10 (got "many")'],
    [['--topic', '   '], '--topic needs a few words'],
    [['--corpus', '/no/such/corpus'], '--corpus: no such file or directory: /no/such/corpus'],
    [['--colour'], 'unknown option --colour (see --help)'],
    [['--count'], '--count needs a value'],
    [['news'], 'unexpected argument news (see --help)'],
  ])('%j → exit 2 and one line on stderr', async (args, message) => {
    const r = await digest(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`newsdesk digest: ${message}\n`);
  });
});

describe('npm run digest -- --follow, in process', () => {
  /** Runs the CLI's digest in this process (no new process: the suite's budget), capturing what it prints. */
  async function follow(args: string[]): Promise<string> {
    const { main } = await import('../src/cli.js');
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      expect(await main(['digest', ...args])).toBe(0);
    } finally {
      write.mockRestore();
    }
    return out;
  }

  it('prints what a follower would have been sent over the period: the articles on the topic, each with its sentence', async () => {
    const corpus = newerCorpus();
    const recent = JSON.parse(
      await follow(['--follow', ' al-Baghdadi ', '--since', '2019-11-01', '--corpus', corpus, '--no-cache', '--json']),
    ) as { items: Array<Record<string, unknown>> };
    expect(recent.items.map((i) => [i.articleId, i.published, i.topic])).toEqual([
      [NEWER_ID, '2019-12-04', 'al-Baghdadi'],
    ]);
    expect(String(recent.items[0]!.sentence)).toMatch(/^Five weeks after the death of Abu Bakr al-Baghdadi/);
    const text = await follow(['--follow', 'al-Baghdadi', '--since', '2019-10-01', '--corpus', corpus, '--no-cache']);
    expect(text.split('\n').filter((l) => /^\d+\. /.test(l))).toEqual([
      '1. Syria, the Isis leaders begin to flee after al-Baghdadi’s death',
      '2. Syria, the hunt for Isis leaders after al-Baghdadi’s death reaches Hasaka and Manbij',
    ]);
    expect(await follow(['--follow', 'Tabqa dam', '--since', '2019-10-01', '--corpus', corpus, '--no-cache'])).toBe(
      'Nothing would have been sent: no new article on that topic in the period.\n',
    );
    await expect(follow(['--follow', 'x', '--count', '3'])).rejects.toThrow(
      '--follow takes no --topic or --count: it shows every article on the topic',
    );
  });
});

describe('npm run digest, as its own process', () => {
  it('prints the same digest, exits 0, and exits 2 with one line for a bad argument', async () => {
    const own = spawned(['--json']);
    expect(own.code).toBe(0);
    expect(own.err).toBe('');
    expect(own.out).toBe((await digest(['--json'])).out);
    expect(itemsOf(own.out)).toHaveLength(5);
    const bad = spawned(['--count', '0']);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expect(bad.err).toBe('newsdesk digest: --count must be a whole number from 1 to 10 (got "0")\n');
  });
});
