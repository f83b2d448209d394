import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');
const files = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(SRC, f));
const outsideStore = files.filter((f) => !relative(SRC, f).startsWith('store'));

describe('the store boundary', () => {
  it('no code outside src/store reaches the database behind a Store', () => {
    const offenders = outsideStore
      .filter((f) => /\bstore\??\.db\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
    // The check reads the files it should: commands that use the store are among them.
    expect(outsideStore.map((f) => relative(SRC, f))).toContain(join('discord', 'commands', 'admin.ts'));
  });

  it('src/discord does not import better-sqlite3', () => {
    const discord = files.filter((f) => relative(SRC, f).startsWith('discord'));
    expect(discord.length).toBeGreaterThan(5);
    expect(
      discord.filter((f) => /from 'better-sqlite3'/.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f)),
    ).toEqual([]);
  });
});
