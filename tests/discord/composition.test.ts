import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const DISCORD = join(import.meta.dirname, '../../src/discord');
const files = (readdirSync(DISCORD, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(DISCORD, f));

describe('src/discord is an adapter: the composition root builds, it wires', () => {
  it('constructs none of the store, archives, digest service and scheduler or feed poller', () => {
    const builds = /\bnew (Store|Archive|GuildArchives|DigestService|DigestScheduler|FeedPoller)\b/;
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => builds.test(readFileSync(f, 'utf8'))).map((f) => relative(DISCORD, f))).toEqual([]);
  });

  it('takes the store only as a type', () => {
    const valueImport = /^import (?!type\b)[^;]*from '\.\.\/(\.\.\/)?store\//m;
    expect(files.filter((f) => valueImport.test(readFileSync(f, 'utf8'))).map((f) => relative(DISCORD, f))).toEqual([]);
  });
});
