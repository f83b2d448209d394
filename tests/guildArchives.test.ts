import { cpSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { answerQuestion } from '../src/core/answer.js';
import type { NewsIndex } from '../src/core/search.js';
import { rmSync } from 'node:fs';
import { parseArticleFile } from '../src/core/article.js';
import { openEngine } from '../src/engine.js';
import {
  existingIds,
  GuildArchives,
  guildIdPrefix,
  prepareGuildIndex,
  type GuildArchivesOptions,
} from '../src/guildArchives.js';

const SEEDS = new URL('./fixtures/seeds', import.meta.url).pathname;
const A = '111111111111111111';
const B = '222222222222222222';
const CURATOR = '333333333333333333';

const article = (title: string, body: string) => `---\ntitle: ${title}\npublished: 2030-01-04\n---\n\n${body}\n`;

async function setup(options: Partial<GuildArchivesOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'newsdesk-guilds-'));
  const corpus = join(dir, 'corpus');
  cpSync(SEEDS, corpus, { recursive: true });
  const indexPath = join(dir, 'index.bin');
  let shared = (await openEngine({ corpus, indexPath })).index;
  const loaded: string[] = [];
  const make = (extra: Partial<GuildArchivesOptions> = {}) =>
    new GuildArchives({
      root: join(dir, 'guilds'),
      corpus,
      shared: () => shared,
      indexPath,
      curators: [CURATOR],
      capacity: 4,
      onLoaded: (g) => loaded.push(g),
      ...options,
      ...extra,
    });
  const add = (guildId: string, name: string, content: string) => {
    mkdirSync(join(dir, 'guilds', guildId, 'added'), { recursive: true });
    writeFileSync(join(dir, 'guilds', guildId, 'added', name), content);
  };
  return { dir, corpus, indexPath, make, add, loaded, setShared: (i: NewsIndex) => (shared = i), shared: () => shared };
}

describe('GuildArchives', () => {
  it('answers DMs and servers without additions from the shared index itself', async () => {
    const t = await setup();
    const guilds = t.make();
    expect(await guilds.index(null)).toBe(t.shared());
    expect(await guilds.index(A)).toBe(t.shared());
    // Not a server id: never used as a path, answered from the shared index.
    expect(await guilds.index('../etc')).toBe(t.shared());
    expect(guilds.held).toBe(0);
  });

  it('gives a server with additions an index of the shared corpus plus its articles, their ids namespaced', async () => {
    const t = await setup();
    const guilds = t.make();
    t.add(
      B,
      'bridge.md',
      article(
        'Bridge at Raqqa reopens',
        'The old bridge at Raqqa reopened to traffic on Saturday after engineers repaired its central span.',
      ),
    );
    const own = await guilds.index(B);
    expect(own).not.toBe(t.shared());
    expect(own.articles.map((a) => a.id)).toEqual([
      ...t.shared().articles.map((a) => a.id),
      `${guildIdPrefix(B)}bridge`,
    ]);
    expect(answerQuestion(own, 'When did the Raqqa bridge reopen?', { k: 1 }).results[0]?.title).toBe(
      'Bridge at Raqqa reopens',
    );
    expect(
      answerQuestion(await guilds.index(A), 'When did the Raqqa bridge reopen?', { k: 3 }).results.map((r) => r.title),
    ).not.toContain('Bridge at Raqqa reopens');
    expect(t.loaded).toEqual([B]);
    // An upload in B must not take a shared id, nor one of B's own (as B's upload would name it).
    const ids = existingIds(own, B);
    expect(ids.has('bridge')).toBe(true);
    expect(ids.has(t.shared().articles[0]!.id.toLowerCase())).toBe(true);
  });

  it('saves each server’s index beside the shared one, and a restart loads it instead of building', async () => {
    const t = await setup();
    t.add(
      B,
      'bridge.md',
      article('Bridge at Raqqa reopens', 'The old bridge at Raqqa reopened to traffic on Saturday.'),
    );
    const first = t.make();
    const built = await first.index(B);
    const path = first.cachePath(B)!;
    expect(path).toBe(join(t.dir, `index.guild-${B}.bin`));
    const mtime = statSync(path).mtimeMs;
    const again = await t.make().index(B);
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(again.hash).toBe(built.hash);
    expect(again.articles).toEqual(built.articles);
  });

  it('rebuilds a server’s index after a change there, and only that server’s', async () => {
    const t = await setup();
    const guilds = t.make();
    t.add(
      A,
      'ferry.md',
      article('Ferry to Arwad resumes', 'The ferry to the island of Arwad resumed its crossings on Monday.'),
    );
    t.add(
      B,
      'bridge.md',
      article('Bridge at Raqqa reopens', 'The old bridge at Raqqa reopened to traffic on Saturday.'),
    );
    const a = await guilds.index(A);
    const b = await guilds.index(B);
    t.add(B, 'dam.md', article('Dam inspection ends', 'Engineers finished inspecting the Tabqa dam on Friday.'));
    const report = await guilds.reindex(B);
    expect(report).toMatchObject({ articles: 7, rebuilt: true });
    expect(await guilds.index(A)).toBe(a);
    expect(await guilds.index(B)).not.toBe(b);
    expect((await guilds.reindex(B)).rebuilt).toBe(false);
  });

  it('serves a server’s index while it is rebuilt over a new shared index, then the new one', async () => {
    const t = await setup();
    const guilds = t.make();
    t.add(
      B,
      'bridge.md',
      article('Bridge at Raqqa reopens', 'The old bridge at Raqqa reopened to traffic on Saturday.'),
    );
    const old = await guilds.index(B);
    writeFileSync(
      join(t.corpus, 'lighthouse.md'),
      article('Harbour lighthouse relit', 'The Ventotene harbour lighthouse was relit on Thursday.'),
    );
    t.setShared((await openEngine({ corpus: t.corpus, indexPath: t.indexPath })).index);
    // The stale index at once (a question never waits for a rebuild it can be answered without)…
    expect(await guilds.index(B)).toBe(old);
    // …and the rebuilt one once the refresh is done.
    await guilds.reindex(B);
    const fresh = await guilds.index(B);
    expect(fresh).not.toBe(old);
    expect(fresh.articles.map((a) => a.title)).toEqual(
      expect.arrayContaining(['Harbour lighthouse relit', 'Bridge at Raqqa reopens']),
    );
  });

  it('answers a server’s own addition and removal through the delta before its rebuild ends', async () => {
    const t = await setup();
    // The rebuild is held until released: whatever is answered meanwhile came through the delta.
    let release = () => {};
    let builds = 0;
    const guilds = t.make({
      parse: async (f) => parseArticleFile(f.path, f.content).articles,
      prepare: async (job) => {
        builds++;
        await new Promise<void>((r) => (release = r));
        return prepareGuildIndex(job);
      },
    });
    const ask = async (q: string) => answerQuestion(await guilds.index(B), q, { k: 3 }).results.map((r) => r.title);
    t.add(
      B,
      'bridge.md',
      article('Bridge at Raqqa reopens', 'The old bridge at Raqqa reopened to traffic on Saturday.'),
    );
    // Told once it is answerable (what /article add replies on), while the rebuild is still held.
    let answerable = false;
    const first = guilds.reindex(B, () => (answerable = true));
    await vi.waitFor(() => expect(answerable).toBe(true), { timeout: 10_000 });
    expect(await ask('When did the Raqqa bridge reopen?')).toContain('Bridge at Raqqa reopens');
    // The rebuild starts after the delta, on its own time: it is held, once.
    await vi.waitFor(() => expect(builds).toBe(1), { timeout: 10_000 });
    // Only this server: another one is still answered from the shared index.
    expect(await guilds.index(A)).toBe(t.shared());
    release();
    await first;
    const built = await guilds.index(B);
    expect(built.articles.filter((a) => a.id.startsWith(guildIdPrefix(B))).map((a) => a.id)).toEqual([
      `${guildIdPrefix(B)}bridge`,
    ]);

    // A second file, and the first removed: both answered before the rebuild that follows ends.
    t.add(B, 'dam.md', article('Dam inspection ends', 'Engineers finished inspecting the Tabqa dam on Friday.'));
    rmSync(join(t.dir, 'guilds', B, 'added', 'bridge.md'));
    const second = guilds.reindex(B);
    await guilds.update(B);
    const own = (await guilds.index(B)).articles.filter((a) => a.id.startsWith(guildIdPrefix(B))).map((a) => a.id);
    expect(own).toEqual([`${guildIdPrefix(B)}dam`]);
    expect(await ask('When did engineers finish inspecting the Tabqa dam?')).toContain('Dam inspection ends');
    expect(await ask('When did the Raqqa bridge reopen?')).not.toContain('Bridge at Raqqa reopens');
    expect((await guilds.index(B)).articles.length).toBe(t.shared().articles.length + 1);
    // The rebuild starts once the delta is in: released only after it has started.
    await vi.waitFor(() => expect(builds).toBe(2), { timeout: 10_000 });
    release();
    expect(await second).toMatchObject({ articles: t.shared().articles.length + 1, rebuilt: true });
  });

  it('holds at most `capacity` servers’ indexes, dropping the least recently used', async () => {
    const t = await setup({ capacity: 1 });
    const guilds = t.make();
    t.add(
      A,
      'ferry.md',
      article('Ferry to Arwad resumes', 'The ferry to the island of Arwad resumed its crossings on Monday.'),
    );
    t.add(
      B,
      'bridge.md',
      article('Bridge at Raqqa reopens', 'The old bridge at Raqqa reopened to traffic on Saturday.'),
    );
    await guilds.index(A);
    await guilds.index(B);
    expect(guilds.held).toBe(1);
    expect((await guilds.index(A)).articles.at(-1)?.title).toBe('Ferry to Arwad resumes');
    expect(guilds.held).toBe(1);
  });

  it('writes a curator’s additions to the shared corpus, and anyone else’s to their own folder', async () => {
    const t = await setup();
    const guilds = t.make();
    expect(guilds.dirFor(CURATOR)).toBe(t.corpus);
    expect(guilds.dirFor(B)).toBe(join(t.dir, 'guilds', B));
    expect(() => guilds.dirFor('../../etc')).toThrow('not a server id');
  });
});
