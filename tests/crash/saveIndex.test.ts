import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;

describe('saveIndex after a process killed mid-write', () => {
  it('ignores and removes tmp files of dead processes, keeps those of live ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-crash-'));
    cpSync(SEEDS, join(dir, 'corpus'), { recursive: true });
    const indexPath = join(dir, 'data', 'index.bin');
    mkdirSync(join(dir, 'data'));
    // A pid that cannot be alive (above Linux's pid_max) and the parent's, which is.
    const dead = `index.bin.${2 ** 22 + 1}.tmp`;
    const live = `index.bin.${process.ppid}.tmp`;
    writeFileSync(join(dir, 'data', dead), 'half an index');
    writeFileSync(join(dir, 'data', live), 'being written');
    const built = await openEngine({ corpus: join(dir, 'corpus'), indexPath });
    expect(built.origin).toBe('built');
    expect(readdirSync(join(dir, 'data')).sort()).toEqual(['index.bin', live].sort());
    expect(existsSync(join(dir, 'data', dead))).toBe(false);
    const loaded = await openEngine({ corpus: join(dir, 'corpus'), indexPath });
    expect(loaded.origin).toBe('cache');
    expect(loaded.index.passages.length).toBe(built.index.passages.length);
  });
});
