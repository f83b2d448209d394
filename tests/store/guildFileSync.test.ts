import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GuildFileFollower,
  isSafeGuildFile,
  isSharedCorpusFile,
  mirrorGuildFolder,
  SHARED_CORPUS,
} from '../../src/guildFileSync.js';
import { DIALECTS, closeAll } from './dialects.js';

afterEach(closeAll);

const G = '123456789012345678';

describe('servers’ files across hosts', () => {
  it('accepts plain article paths only', () => {
    expect(['added/a.md', 'feeds/3/item one.html', 'a.txt'].map(isSafeGuildFile)).toEqual([true, true, true]);
    expect(
      ['../a.md', 'added/../../a.md', '/etc/a.md', '.hidden/a.md', 'added/a.exe', 'a\\b.md'].map(isSafeGuildFile),
    ).toEqual([false, false, false, false, false, false]);
  });
});

describe.each(DIALECTS)('servers’ files across hosts ($name)', (d) => {
  it('copies a file added on one host into the other host’s folder, and a removal too', async () => {
    const db = d.fresh();
    const [one, two] = [await d.open({ db }), await d.open({ db })];
    const root = mkdtempSync(join(tmpdir(), 'newsdesk-follow-'));
    const dirOne = join(root, 'one', G);
    const dirTwo = join(root, 'two', G);
    mkdirSync(join(dirOne, 'added'), { recursive: true });
    writeFileSync(join(dirOne, 'added', 'a.md'), '# A\n\nbody');
    writeFileSync(join(dirOne, 'notes.bin'), 'not an article');
    expect(await mirrorGuildFolder(one.guildFiles, G, dirOne)).toEqual({ put: 1, removed: 0 });
    // Nothing changed: nothing written again.
    expect(await mirrorGuildFolder(one.guildFiles, G, dirOne)).toEqual({ put: 0, removed: 0 });
    const changed: string[] = [];
    const follower = new GuildFileFollower({
      store: two.guildFiles,
      dirFor: (g) => join(root, 'two', g),
      onChanged: (g) => changed.push(g),
      logger: pino({ level: 'silent' }),
    });
    expect(await follower.catchUp()).toBe(1);
    expect(readFileSync(join(dirTwo, 'added', 'a.md'), 'utf8')).toBe('# A\n\nbody');
    expect(existsSync(join(dirTwo, 'notes.bin'))).toBe(false);
    expect(changed).toEqual([G]);
    expect(await follower.catchUp()).toBe(0);
    // A host whose copy is behind removes only what it was told was removed.
    rmSync(join(dirOne, 'added', 'a.md'));
    expect(await mirrorGuildFolder(one.guildFiles, G, dirOne)).toEqual({ put: 0, removed: 0 });
    expect(await mirrorGuildFolder(one.guildFiles, G, dirOne, { removed: ['added/a.md'] })).toEqual({
      put: 0,
      removed: 1,
    });
    expect(await follower.catchUp()).toBe(1);
    expect(existsSync(join(dirTwo, 'added', 'a.md'))).toBe(false);
    expect(changed).toEqual([G, G]);
  });

  it('never writes a file with an unsafe name from the database outside the server’s folder', async () => {
    const s = await d.open();
    const root = mkdtempSync(join(tmpdir(), 'newsdesk-follow-'));
    await s.guildFiles.put(G, '../../escape.md', '# no');
    await s.guildFiles.put(G, 'added/ok.md', '# ok');
    const follower = new GuildFileFollower({
      store: s.guildFiles,
      dirFor: (g) => join(root, 'guilds', g),
      onChanged: () => {},
      logger: pino({ level: 'silent' }),
    });
    expect(await follower.catchUp()).toBe(1);
    expect(existsSync(join(root, 'escape.md'))).toBe(false);
    expect(existsSync(join(root, 'guilds', G, 'added', 'ok.md'))).toBe(true);
  });
});

describe.each(DIALECTS)('servers’ files across hosts, in order ($name)', (d) => {
  const quiet = pino({ level: 'silent' });
  /** A host: its own store on the shared database, its folders, and its follower named after them. */
  const host = async (db: string, root: string, name: string) => {
    const store = await d.open({ db });
    const folder = (g: string) => join(root, name, g === SHARED_CORPUS ? 'corpus' : `guilds/${g}`);
    const follower = new GuildFileFollower({
      store: store.guildFiles,
      origin: name,
      dirFor: folder,
      onChanged: () => {},
      logger: quiet,
    });
    return { store, follower, folder };
  };

  it('keeps a file removed and re-added within one poll interval on both hosts', async () => {
    const db = d.fresh();
    const root = mkdtempSync(join(tmpdir(), 'newsdesk-follow-'));
    const [one, two] = [await host(db, root, 'one'), await host(db, root, 'two')];
    const file = join(one.folder(G), 'added', 'a.md');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '# A\n\nfirst');
    await one.follower.record(G, one.folder(G));
    expect(await two.follower.catchUp()).toBe(1);
    // /article remove, then /article add of the same name, before host two reads the log again.
    rmSync(file);
    expect(await one.follower.record(G, one.folder(G), ['added/a.md'])).toEqual({ put: 0, removed: 1 });
    writeFileSync(file, '# A\n\nsecond');
    // Host one's own removal, read back before the re-adding is recorded, must not remove the new file.
    expect(await one.follower.record(G, one.folder(G), ['added/a.md'])).toEqual({ put: 1, removed: 0 });
    expect(readFileSync(file, 'utf8')).toBe('# A\n\nsecond');
    expect(await two.follower.catchUp()).toBe(1);
    expect(readFileSync(join(two.folder(G), 'added', 'a.md'), 'utf8')).toBe('# A\n\nsecond');
    expect(await one.follower.catchUp()).toBe(0);
    // Split over two reads of the log on host two (the removal seen before the re-adding): present all the same.
    rmSync(file);
    await one.follower.record(G, one.folder(G), ['added/a.md']);
    expect(await two.follower.catchUp()).toBe(1);
    expect(existsSync(join(two.folder(G), 'added', 'a.md'))).toBe(false);
    writeFileSync(file, '# A\n\nthird');
    await one.follower.record(G, one.folder(G), ['added/a.md']);
    expect(await two.follower.catchUp()).toBe(1);
    expect(readFileSync(join(two.folder(G), 'added', 'a.md'), 'utf8')).toBe('# A\n\nthird');
  });

  it('copies a curator’s additions to the shared corpus, and only those, into the other host’s corpus', async () => {
    const db = d.fresh();
    const root = mkdtempSync(join(tmpdir(), 'newsdesk-follow-'));
    const [one, two] = [await host(db, root, 'one'), await host(db, root, 'two')];
    const corpus = one.folder(SHARED_CORPUS);
    mkdirSync(join(corpus, 'added'), { recursive: true });
    mkdirSync(join(corpus, 'feeds', '3'), { recursive: true });
    writeFileSync(join(corpus, 'operator.md'), '# The operator’s own\n\nbody');
    writeFileSync(join(corpus, 'added', 'up.md'), '# Uploaded\n\nbody');
    writeFileSync(join(corpus, 'feeds', '3', 'item.md'), '# From a feed\n\nbody');
    expect(await one.follower.record(SHARED_CORPUS, corpus)).toEqual({ put: 2, removed: 0 });
    expect((await one.store.guildFiles.list(SHARED_CORPUS)).map((f) => f.file)).toEqual([
      'added/up.md',
      'feeds/3/item.md',
    ]);
    // Written by hand into the log: nothing outside the curators' folders is written into a corpus.
    await one.store.guildFiles.put(SHARED_CORPUS, 'operator.md', '# Replaced');
    expect(await two.follower.catchUp()).toBe(2);
    const other = two.folder(SHARED_CORPUS);
    expect(readFileSync(join(other, 'added', 'up.md'), 'utf8')).toBe('# Uploaded\n\nbody');
    expect(readFileSync(join(other, 'feeds', '3', 'item.md'), 'utf8')).toBe('# From a feed\n\nbody');
    expect(existsSync(join(other, 'operator.md'))).toBe(false);
    expect(isSharedCorpusFile('operator.md')).toBe(false);
    rmSync(join(corpus, 'added', 'up.md'));
    // An operator's file named as removed is never removed from the store's shared entry (it is not there).
    expect(await one.follower.record(SHARED_CORPUS, corpus, ['added/up.md', 'operator.md'])).toEqual({
      put: 0,
      removed: 1,
    });
    expect(await two.follower.catchUp()).toBe(1);
    expect(existsSync(join(other, 'added', 'up.md'))).toBe(false);
  });
});
