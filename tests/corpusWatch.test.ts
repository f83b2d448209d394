import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FolderWatches, watchCorpus } from '../src/corpusWatch.js';

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
      // The folder's own watch and chokidar both see the file: the version is reported once.
      await new Promise((r) => setTimeout(r, 700));
      expect(paths).toEqual(['one.md']);
      writeFileSync(join(corpus, 'one.md'), '# One\n\nA longer paragraph.\n');
      await vi.waitFor(() => expect(paths).toEqual(['one.md', 'one.md']), { timeout: 10_000 });
      await new Promise((r) => setTimeout(r, 700));
      expect(paths).toEqual(['one.md', 'one.md']);
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

describe('FolderWatches', () => {
  it('names a file once its size and time settle, a removed one as gone, and leaves folders and swap files out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-folder-watch-'));
    dirs.push(dir);
    const seen: Array<[string, string]> = [];
    const folders = new FolderWatches((path, stamp) => seen.push([path, stamp]));
    folders.watch(dir);
    try {
      const file = join(dir, 'one.md');
      writeFileSync(file, '# One\n');
      // Written again before it settled: reported once, as it ends.
      writeFileSync(file, '# One\n\nA paragraph.\n');
      const s = statSync(file);
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, '.one.md.swp'), 'x');
      await vi.waitFor(() => expect(seen).toEqual([[file, `${s.size}:${s.mtimeMs}`]]), { timeout: 5_000 });
      rmSync(file);
      await vi.waitFor(() => expect(seen.at(-1)).toEqual([file, 'gone']), { timeout: 5_000 });
      // Nothing else came (the folder, the swap file), nor the same version twice.
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.map(([p]) => p)).toEqual([file, file]);
    } finally {
      folders.close();
    }
  });
});
