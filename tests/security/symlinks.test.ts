import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/corpus.js';

const article = (title: string, body: string) => `${title}\n\n${body}\n`;
const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

/** A host with a corpus directory and, beside it, files that are not part of it. */
function host(): { corpus: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'newsdesk-links-'));
  temps.push(base);
  const corpus = join(base, 'corpus');
  const outside = join(base, 'secrets');
  mkdirSync(join(corpus, 'sub'), { recursive: true });
  mkdirSync(join(corpus, '_private'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'host-secret.txt'), article('Host secret headline', 'The outside file says zebracorn.'));
  writeFileSync(join(corpus, 'real.txt'), article('Real article', 'A harbour bridge opened.'));
  writeFileSync(join(corpus, 'sub', 'inner.txt'), article('Inner article', 'A council voted.'));
  writeFileSync(
    join(corpus, '_private', 'kept.txt'),
    article('Kept via a link', 'A private file linked in on purpose.'),
  );
  return { corpus, outside };
}

const reasonOf = (warnings: Array<{ file: string; reason: string }>, file: string) =>
  warnings.filter((w) => w.file === file).map((w) => w.reason);

describe('symbolic links in the corpus', () => {
  it('serves no file outside the corpus directory, whether the link is to a file or a folder, and names each link', async () => {
    const { corpus, outside } = host();
    symlinkSync(join(outside, 'host-secret.txt'), join(corpus, 'leak.txt'));
    symlinkSync(outside, join(corpus, 'leakdir'));
    // A relative link that climbs out is the same.
    symlinkSync('../../secrets/host-secret.txt', join(corpus, 'sub', 'climb.txt'));
    const { articles, warnings, files } = await loadCorpus(corpus);
    expect(articles.map((a) => a.title).sort()).toEqual(['Inner article', 'Real article']);
    expect(JSON.stringify(articles)).not.toContain('zebracorn');
    const outsideReason = 'symbolic link to a place outside the corpus directory: not read; skipped';
    expect(reasonOf(warnings, 'leak.txt')).toEqual([outsideReason]);
    expect(reasonOf(warnings, 'leakdir')).toEqual([outsideReason]);
    expect(reasonOf(warnings, 'sub/climb.txt')).toEqual([outsideReason]);
    // The warning never names the target: warnings can reach logs and replies.
    expect(JSON.stringify(warnings)).not.toContain('secrets');
    expect(files).toContain('leak.txt');
  });

  it('follows links that stay inside the corpus, listing each real file once and under its own name', async () => {
    const { corpus } = host();
    symlinkSync(join(corpus, '_private', 'kept.txt'), join(corpus, 'a-kept.txt'));
    symlinkSync('real.txt', join(corpus, 'a-dupe.txt'));
    symlinkSync(join(corpus, 'sub'), join(corpus, 'a-sub'));
    const { articles, warnings } = await loadCorpus(corpus);
    expect(articles.map((a) => [a.file, a.title])).toEqual([
      ['a-kept.txt', 'Kept via a link'],
      ['real.txt', 'Real article'],
      ['sub/inner.txt', 'Inner article'],
    ]);
    expect(warnings).toEqual([
      { file: 'a-dupe.txt', reason: 'symbolic link to a file already read ("real.txt"); skipped' },
      { file: 'a-sub', reason: 'symbolic link to a folder already read ("sub"); skipped' },
    ]);
  });

  it('warns about loops and broken links and never hangs', async () => {
    const { corpus } = host();
    symlinkSync(corpus, join(corpus, 'sub', 'up'));
    symlinkSync('self.txt', join(corpus, 'self.txt'));
    symlinkSync('b.txt', join(corpus, 'a.txt'));
    symlinkSync('a.txt', join(corpus, 'b.txt'));
    symlinkSync('missing.txt', join(corpus, 'gone.txt'));
    // Two folders linking to each other (and to themselves) through links only.
    mkdirSync(join(corpus, '_x'));
    mkdirSync(join(corpus, '_y'));
    symlinkSync(join(corpus, '_y'), join(corpus, '_x', 'to-y'));
    symlinkSync(join(corpus, '_x'), join(corpus, '_y', 'to-x'));
    symlinkSync(join(corpus, '_x'), join(corpus, 'x'));
    const { articles, warnings } = await loadCorpus(corpus);
    expect(articles.map((a) => a.title).sort()).toEqual(['Inner article', 'Real article']);
    expect(warnings).toEqual([
      { file: 'a.txt', reason: 'symbolic link loop (the link leads back to itself); skipped' },
      { file: 'b.txt', reason: 'symbolic link loop (the link leads back to itself); skipped' },
      { file: 'gone.txt', reason: 'broken symbolic link (its target does not exist); skipped' },
      { file: 'self.txt', reason: 'symbolic link loop (the link leads back to itself); skipped' },
      { file: 'sub/up', reason: 'symbolic link loop (the link points to a folder that contains it); skipped' },
      { file: 'x/to-y/to-x', reason: 'symbolic link loop (the link points to a folder that contains it); skipped' },
    ]);
  });

  it('does not follow a link to a folder outside even when the corpus path itself goes through a link', async () => {
    const { corpus, outside } = host();
    const alias = join(corpus, '..', 'corpus-alias');
    symlinkSync(corpus, alias);
    symlinkSync(outside, join(corpus, 'leakdir'));
    symlinkSync(join(alias, 'real.txt'), join(corpus, 'via-alias.txt'));
    const { articles, warnings } = await loadCorpus(alias);
    expect(articles.map((a) => a.title).sort()).toEqual(['Inner article', 'Real article']);
    expect(reasonOf(warnings, 'leakdir')).toEqual([
      'symbolic link to a place outside the corpus directory: not read; skipped',
    ]);
    expect(reasonOf(warnings, 'via-alias.txt')).toEqual(['symbolic link to a file already read ("real.txt"); skipped']);
  });
});
