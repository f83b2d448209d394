import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchCorpus } from '../src/corpusWatch.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('watchCorpus', () => {
  it('reports a file by its path, and has every file looked at when a folder appears', async () => {
    const corpus = mkdtempSync(join(tmpdir(), 'newsdesk-watch-'));
    dirs.push(corpus);
    const paths: string[] = [];
    const watcher = watchCorpus(corpus, (p) => paths.push(p));
    try {
      await once(watcher, 'ready');
      writeFileSync(join(corpus, 'one.md'), '# One\n\nA paragraph.\n');
      await vi.waitFor(() => expect(paths).toContain('one.md'), { timeout: 10_000 });
      // A file written as its folder is made may be missed by the folder's new watch: the folder
      // itself says "look at everything".
      mkdirSync(join(corpus, 'added'));
      writeFileSync(join(corpus, 'added', 'two.md'), '# Two\n\nA paragraph.\n');
      await vi.waitFor(() => expect(paths).toContain(''), { timeout: 10_000 });
    } finally {
      await watcher.close();
    }
  });
});
