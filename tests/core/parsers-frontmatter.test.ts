import { describe, expect, it } from 'vitest';
import { readFrontMatter } from '../../src/core/parsers/frontMatter.js';
import { parseArticleFile } from '../../src/core/article.js';

const parseMarkdown = parseArticleFile;

const CODE = 'module.exports = { title: (globalThis.__ran = true, "ran") }';

describe('front matter is data, never code', () => {
  it.each(['js', 'javascript', ' js', 'JS', 'JavaScript', 'coffee', 'coffeescript', 'toml', 'json', 'ts'])(
    'refuses a ---%s block, naming line 1, without running it',
    (lang) => {
      const r = parseMarkdown('posts/evil.md', `---${lang}\n${CODE}\n---\n\n# Title\n\nBody.`);
      expect(r.articles).toEqual([]);
      expect(r.warnings).toEqual([
        {
          file: 'posts/evil.md',
          line: 1,
          reason: `front matter in "${lang.trim()}" refused: content is never run as code (only YAML front matter is read); skipped`,
        },
      ]);
      expect((globalThis as { __ran?: boolean }).__ran).toBeUndefined();
    },
  );

  it('reads ---, ---yaml and ---yml blocks as YAML', () => {
    for (const open of ['---', '---yaml', '--- YML']) {
      expect(parseMarkdown('a.md', `${open}\ntitle: Plain\n---\n\nBody.`).articles[0]).toMatchObject({
        title: 'Plain',
      });
    }
  });

  it('refuses a YAML tag that is not one of its own types (!!js/function, !!js/regexp, local tags), naming the line', () => {
    const cases: Array<[string, number, string]> = [
      ['title: T\nrun: !!js/function "function () { return 1 }"', 3, 'tag:yaml.org,2002:js/function'],
      ['title: !!js/regexp /x/', 2, 'tag:yaml.org,2002:js/regexp'],
      ['title: T\n\nx: !custom thing', 4, '!custom'],
      ['title: !!js/undefined ""', 2, 'tag:yaml.org,2002:js/undefined'],
    ];
    for (const [yaml, line, tag] of cases) {
      expect(parseMarkdown('t.md', `---\n${yaml}\n---\n\nBody.`).warnings).toEqual([
        {
          file: 't.md',
          line,
          reason: `front matter tag refused: ${tag} is not plain data (only YAML's own types are read); skipped`,
        },
      ]);
    }
  });

  it('keeps a __proto__ key as an own field: nothing reaches Object.prototype', () => {
    const r = readFrontMatter('---\n__proto__:\n  title: polluted\n  url: https://evil.example/\n---\nBody');
    expect('data' in r && r.data && Object.getPrototypeOf(r.data)).toBe(Object.prototype);
    expect(({} as { title?: unknown }).title).toBeUndefined();
    // The article has no title from the prototype: it comes from the body or is missing.
    expect(parseMarkdown('p.md', '---\n__proto__:\n  title: polluted\n---\n\nBody.').warnings).toEqual([
      { file: 'p.md', reason: 'missing title' },
    ]);
  });

  it('refuses alias expansion bombs instead of building them', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    const r = parseMarkdown('bomb.md', `---\ntitle: T\n${bomb}\n---\n\nBody.`);
    expect(r.articles).toEqual([]);
    expect(r.warnings).toEqual([
      { file: 'bomb.md', reason: 'invalid front matter: too many alias expansions (a YAML "billion laughs"); skipped' },
    ]);
  });

  it('reads dates as before (YAML timestamps), other values as their plain types', () => {
    const r = readFrontMatter('---\npublished: 2019-10-29T10:00:00Z\nday: 2019-10-29\nn: 3\n---\nBody');
    expect(r).toEqual({
      data: { published: new Date('2019-10-29T10:00:00Z'), day: new Date('2019-10-29'), n: 3 },
      body: 'Body',
    });
  });

  it('treats ---- (a Markdown rule) as body, and an unclosed block as all front matter', () => {
    expect(readFrontMatter('----\ntitle: x\n')).toEqual({ data: undefined, body: '----\ntitle: x\n' });
    expect(readFrontMatter('---\ntitle: x\n')).toEqual({ data: { title: 'x' }, body: '' });
  });
});
