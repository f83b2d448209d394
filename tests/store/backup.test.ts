import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDatabase } from '../../src/backup.js';
import { Store } from '../../src/store/store.js';
import { nodeCommand } from '../setup/tsx.js';

const G = '123456789012345678';
const C = '223456789012345678';

describe('backup', () => {
  it('copies a database that is open and written to, uncheckpointed WAL included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-backup-'));
    const live = new Store({ path: join(dir, 'live.db') });
    await live.settings.set(G, 'answerChannels', [C]);
    // The bot is still running: its last write sits in the WAL, not yet in the main file.
    expect(existsSync(join(dir, 'live.db-wal'))).toBe(true);
    const { pages } = await backupDatabase(join(dir, 'live.db'), join(dir, 'copies', 'one.db'));
    expect(pages).toBeGreaterThan(0);
    // One file: no -wal or -shm beside the copy.
    expect(readdirSync(join(dir, 'copies'))).toEqual(['one.db']);
    await live.settings.set(G, 'digestCount', 7);
    const copy = new Store({ path: join(dir, 'copies', 'one.db') });
    expect(await copy.settings.answerChannels(G)).toEqual([C]);
    expect(await copy.settings.get(G, 'digestCount')).toBeUndefined();
    copy.close();
    live.close();
  });

  it('refuses to overwrite a file or to copy a database that is not there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-backup-'));
    new Store({ path: join(dir, 'live.db') }).close();
    writeFileSync(join(dir, 'taken.db'), 'keep me');
    await expect(backupDatabase(join(dir, 'live.db'), join(dir, 'taken.db'))).rejects.toThrow(/already exists/);
    await expect(backupDatabase(join(dir, 'nope.db'), join(dir, 'new.db'))).rejects.toThrow(/no database at/);
  });

  it('runs as `npm run backup -- DEST` on the configured database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-backup-'));
    const db = join(dir, 'newsdesk.db');
    new Store({ path: db }).close();
    const run = (args: string[]) =>
      spawnSync(...nodeCommand('src/cli.ts', ['backup', ...args]), {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', DATABASE_PATH: db },
        encoding: 'utf8',
      });
    const ok = run([join(dir, 'b.db')]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^Backed up .*newsdesk\.db to .*b\.db \(\d+ pages, integrity ok\)\.\n$/);
    const again = run([join(dir, 'b.db')]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(run([]).status).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['b.db', 'newsdesk.db']);
  });

  it('on a fresh clone, says that there is no database yet and that the terminal creates none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-backup-'));
    const r = spawnSync(...nodeCommand('src/cli.ts', ['backup', 'b.db']), {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DATABASE_PATH: join(dir, 'data', 'newsdesk.db') },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `newsdesk backup: no database at ${join(dir, 'data', 'newsdesk.db')} (DATABASE_PATH): the bot creates it when it first runs with a DISCORD_TOKEN; the terminal creates none\n`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});
