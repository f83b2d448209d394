import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { boilerplate } from '../../src/boilerplateFile.js';
import { parseArticleFile } from '../../src/core/article.js';
import { ParseSandbox } from '../../src/workers/parseSandbox.js';
import { nestedDivs, tildeMarkdown } from './hostile.js';

const ok = {
  file: 'harbour.md',
  content:
    '---\ntitle: Harbour reopens\n---\n\nThe harbour of Tartus reopened to cargo ships on Monday, the port authority said.\n',
};

describe('the parse sandbox', () => {
  const box = new ParseSandbox({ timeoutMs: 1000, memoryMb: 128 });
  afterAll(() => box.close());

  it('parses a file exactly as the parser does in this thread, page furniture dropped by the shipped patterns', async () => {
    expect(await box.parse(ok)).toEqual(parseArticleFile(ok.file, ok.content));
    const scraped = {
      file: 'school-meals.txt',
      content: readFileSync(new URL('../fixtures/boilerplate/school-meals.txt', import.meta.url), 'utf8'),
    };
    const parsed = await box.parse(scraped);
    expect(parsed).toEqual(parseArticleFile(scraped.file, scraped.content, boilerplate()));
    expect(parsed).toMatchObject({ articles: [{ title: 'School meals to be free for all primary pupils' }] });
    expect(JSON.stringify(parsed)).not.toMatch(/SPONSORED|Share on|newsletter/);
  });

  it('gives up on hostile files within the budget, naming why, and goes on with the next file in a fresh thread', async () => {
    const started = performance.now();
    const [md, html, after] = await box.parseMany([
      { file: 'flood.md', content: tildeMarkdown() },
      { file: 'nested.html', content: nestedDivs() },
      ok,
    ]);
    expect(md).toEqual({ refused: 'took longer than 1 s to parse' });
    // Deep nesting either runs past the budget or fails cleanly; V8's stack message never comes out.
    expect(JSON.stringify(html)).not.toMatch(/call stack/i);
    if ('refused' in html!) expect(html.refused).toBe('took longer than 1 s to parse');
    else expect(html!.articles).toEqual([]);
    expect(after).toEqual(parseArticleFile(ok.file, ok.content));
    // Two budgets and the thread restarts: far below the 20 s and more these files cost without one.
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it('gives up on a file whose parser needs more memory than the cap', async () => {
    const big = new ParseSandbox({ timeoutMs: 60_000, memoryMb: 64 });
    try {
      const records = Array.from({ length: 200_000 }, (_, i) => `{"id":"r${i}","title":"Record ${i}","body":"b"}`).join(
        '\n',
      );
      expect(await big.parse({ file: 'dump.jsonl', content: records })).toEqual({
        refused: 'needed more than 64 MB to parse',
      });
      expect(await big.parse(ok)).toEqual(parseArticleFile(ok.file, ok.content));
    } finally {
      await big.close();
    }
  }, 60_000);
});
