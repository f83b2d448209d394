import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { GuildFileFollower, isSafeGuildFile, mirrorGuildFolder } from '../../src/guildFileSync.js';
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
    expect(await mirrorGuildFolder(one.guildFiles, G, dirOne, ['added/a.md'])).toEqual({ put: 0, removed: 1 });
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
