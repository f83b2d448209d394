import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArticleSchema, isArticleFile, parseArticleFile, validateArticle } from '../../src/core/article.js';
import type { Article } from '../../src/core/types.js';
import { boilerplate } from '../../src/boilerplateFile.js';

const SEEDS = new URL('../fixtures/seeds/', import.meta.url).pathname;
const allText = (a: Article) =>
  [a.title, a.standfirst ?? '', ...a.sections.flatMap((s) => [s.heading ?? '', ...s.paragraphs])].join('\n');
const bodyText = (a: Article) => a.sections.flatMap((s) => s.paragraphs).join('\n');

describe('the seed articles (scraped text)', () => {
  const names = readdirSync(SEEDS)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  const results = names.map((f) => parseArticleFile(f, readFileSync(join(SEEDS, f), 'utf8'), boilerplate()));
  const articles = results.map((r) => r.articles[0]!);
  const byId = (id: string) => articles.find((a) => a.id.startsWith(id))!;

  it('loads all five, each as one valid article with no warnings', () => {
    expect(names).toEqual([
      '000_265a22b589eca241.txt',
      '001_6769e8153fbb5a3b.txt',
      '002_a2c911d8e0e811de.txt',
      '003_673823d6fb807e77.txt',
      '004_37483b185861883f.txt',
    ]);
    for (const r of results) {
      expect(r.warnings).toEqual([]);
      expect(r.articles).toHaveLength(1);
      expect(ArticleSchema.safeParse(r.articles[0]).success).toBe(true);
    }
  });

  it('takes the id from the file name and the title from the first content line', () => {
    expect(articles.map((a) => [a.id, a.title, a.file])).toEqual([
      [
        '000_265a22b589eca241',
        'Syria, the Isis leaders begin to flee after al-Baghdadi’s death',
        '000_265a22b589eca241.txt',
      ],
      [
        '001_6769e8153fbb5a3b',
        'Syria, Isis mass escapes from Deir Ezzor to Idlib and Iraq continue',
        '001_6769e8153fbb5a3b.txt',
      ],
      [
        '002_a2c911d8e0e811de',
        'Syria, the heads of Isis try to escape from Deir Ezzor because of SDF’s pressing',
        '002_a2c911d8e0e811de.txt',
      ],
      [
        '003_673823d6fb807e77',
        'Daesh has collapsed in Syria, it’s confirmed by the arrest of 5 prominent leaders in Iraq',
        '003_673823d6fb807e77.txt',
      ],
      [
        '004_37483b185861883f',
        'Syria, the Isis group in Badia Al-Sham could try to escape to Iraq',
        '004_37483b185861883f.txt',
      ],
    ]);
  });

  it('keeps the standfirst (the paragraph under the headline) apart from the body', () => {
    const starts = [
      'Mass escapes of ISIS leaders from Syria begin, following the death of Abu Bakr al-Baghdadi.',
      'In Syria, an Isis mass escape is ongoing from Deir Ezzor to Idlib or Iraq via MERV.',
      'Heads of Isis, seen the progress of the SDF offensive at Deir Ezzor, try to escape from the area.',
      'The last arrests of the ISF in Iraq confirm that the Islamic State has collapsed in Syria',
      'The big Isis group in the Badia al-Sham desert could try to escape to Iraq.',
    ];
    articles.forEach((a, i) => {
      expect(a.standfirst!.startsWith(starts[i]!)).toBe(true);
      expect(bodyText(a)).not.toContain(starts[i]!);
    });
    expect(byId('000').standfirst).toBe(
      'Mass escapes of ISIS leaders from Syria begin, following the death of Abu Bakr al-Baghdadi. The SDF and the International Coalition arrested several. It is only the beginning of the offensive aimed at the Islamic State commanders',
    );
  });

  it('drops the site chrome everywhere', () => {
    for (const a of articles) expect(allText(a)).not.toMatch(/skip to main content|back to top/i);
  });

  it('recognises exactly one sub-heading in each, heading the last body paragraph', () => {
    const headings = [
      'Meanwhile, Jazeera Storm continues the hunt for Daesh cells',
      'The last jihadists Daesh and Deir Ezzor try to deal with the Arab-Kurdish forces',
      'The Syrian army launches an offensive in mass against Daesh in the west of Daraa',
      'Meanwhile at Deir Ezzor the SDF advance against Isis',
      'The Islamic State must leave the area between Homs and Deir Ezzor',
    ];
    const firstParagraphs = [
      'Meanwhile, in the East of Syria',
      'Meanwhile, in Deir Ezzor the last group',
      'Meanwhile, the Syrian army (SAA)',
      'To make things worse for Daesh',
      'On the other hand, Isis must quickly',
    ];
    articles.forEach((a, i) => {
      expect(a.sections.map((s) => [s.heading === undefined, s.paragraphs.length])).toEqual([
        [true, 1],
        [false, 1],
      ]);
      expect(a.sections[1]!.heading!.startsWith(headings[i]!)).toBe(true);
      expect(a.sections[1]!.paragraphs[0]!.startsWith(firstParagraphs[i]!)).toBe(true);
    });
    expect(byId('000').sections[1]!.heading).toBe(
      'Meanwhile, Jazeera Storm continues the hunt for Daesh cells between Deir Ezzor and Hasaka. Moreover, it strengthens the supervision in anticipation of possible IS revenge. Moreover, the US military are deploying to protect oil fields',
    );
  });

  it('keeps photo credits as metadata, out of the body', () => {
    expect(articles.map((a) => a.photoCredits)).toEqual([undefined, undefined, 'SDF', undefined, undefined]);
    expect(allText(byId('002'))).not.toMatch(/Photo Credits/i);
    expect(byId('002').sections[1]!.paragraphs).toHaveLength(1);
  });

  it('keeps the trailing caption of 003 out of the article', () => {
    const a = byId('003');
    expect(allText(a)).not.toContain('The General Gedney Tweet');
    expect(
      a.sections[1]!.paragraphs[0]!.endsWith('Till now hundreds of devices of various types have been dismantled.'),
    ).toBe(true);
  });

  it('keeps the text as written: case, Unicode quotes and apostrophes', () => {
    expect(bodyText(byId('003'))).toContain('security chief of the “Euphrates Welayet”; Mohamad Hussain Kheder');
    expect(bodyText(byId('000'))).toContain('Jazeera Storm’s spokesman, Mustefa Bali');
    for (const a of articles)
      for (const p of a.sections.flatMap((s) => s.paragraphs)) expect(p).toBe(p.replace(/\s+/g, ' ').trim());
  });

  it('has no metadata the seeds do not give', () => {
    for (const a of articles) {
      expect(a.tags).toEqual([]);
      expect([a.url, a.published, a.source, a.author, a.line]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    }
  });
});

describe('parseArticleFile', () => {
  it('dispatches on the extension, in any case', () => {
    const text = 'Headline\n\nStandfirst here\n\nBody sentence one.';
    expect(parseArticleFile('a/B.TXT', text).articles[0]).toMatchObject({
      id: 'B',
      title: 'Headline',
      file: 'a/B.TXT',
    });
    expect(parseArticleFile('x.markdown', '# Title\n\nBody.').articles[0]!.title).toBe('Title');
    expect(parseArticleFile('x.ndjson', '{"title":"T","body":"B."}').articles[0]!.id).toBe('x#1');
    expect(
      ['txt', 'md', 'markdown', 'html', 'htm', 'json', 'jsonl', 'ndjson'].every((e) => isArticleFile(`f.${e}`)),
    ).toBe(true);
    expect(isArticleFile('aliases.yaml')).toBe(false);
  });

  it('names an unsupported file type', () => {
    expect(parseArticleFile('notes/report.pdf', '%PDF-1.7')).toEqual({
      articles: [],
      warnings: [{ file: 'notes/report.pdf', reason: 'unsupported file type ".pdf"' }],
    });
    expect(parseArticleFile('Makefile', 'all:')).toEqual({
      articles: [],
      warnings: [{ file: 'Makefile', reason: 'unsupported file type (no extension)' }],
    });
    expect(parseArticleFile('.txt', 'Headline\n\nBody.').warnings[0]!.reason).toBe(
      'unsupported file type (no extension)',
    );
  });

  it('never throws, whatever the content (property)', () => {
    const exts = ['txt', 'md', 'html', 'json', 'jsonl', 'csv'];
    fc.assert(
      fc.property(fc.constantFrom(...exts), fc.string({ maxLength: 300 }), (ext, content) => {
        const r = parseArticleFile(`f.${ext}`, content);
        for (const a of r.articles) expect(ArticleSchema.safeParse(a).success).toBe(true);
        for (const w of r.warnings) {
          expect(w.file).toBe(`f.${ext}`);
          expect(w.reason.length).toBeGreaterThan(0);
        }
        // A file yields articles or says why not.
        expect(r.articles.length + r.warnings.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on structured garbage either (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = JSON.stringify(value) ?? 'null';
        for (const file of ['f.json', 'f.jsonl']) {
          const r = parseArticleFile(file, json);
          for (const a of r.articles) expect(ArticleSchema.safeParse(a).success).toBe(true);
        }
        const md = parseArticleFile('f.md', `---\nvalue: ${json}\n---\n\n# T\n\nBody.`);
        expect(md.articles.length + md.warnings.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('ArticleSchema and validateArticle', () => {
  const good: Article = {
    id: 'a1',
    title: 'A title',
    tags: [],
    sections: [{ paragraphs: ['Some text.'] }],
    file: 'a.json',
  };

  it('accepts a complete article', () => {
    const full: Article = {
      ...good,
      url: 'https://x.example/a',
      published: '2024-01-02T03:04:05+01:00',
      source: 'S',
      author: 'A',
      tags: ['t'],
      standfirst: 'Sf',
      photoCredits: 'P',
      line: 3,
    };
    expect(validateArticle(full)).toEqual({ article: full });
  });

  it('turns each kind of problem into a short warning naming the file and line', () => {
    const check = (a: Article) => validateArticle(a);
    expect(check({ ...good, title: '  ' })).toEqual({ warning: { file: 'a.json', reason: 'missing title' } });
    expect(check({ ...good, sections: [{ heading: 'H', paragraphs: [] }] })).toEqual({
      warning: { file: 'a.json', reason: 'no article text' },
    });
    expect(check({ ...good, id: '', line: 7 })).toEqual({ warning: { file: 'a.json', line: 7, reason: 'missing id' } });
    expect(check({ ...good, url: '/relative' })).toEqual({
      warning: { file: 'a.json', reason: 'url is not a normalised absolute http(s) URL' },
    });
    expect(check({ ...good, url: 'ftp://x.example/a' })).toEqual({
      warning: { file: 'a.json', reason: 'url is not a normalised absolute http(s) URL' },
    });
    expect(check({ ...good, url: 'https://discord.com@evil.example/a' })).toEqual({
      warning: { file: 'a.json', reason: 'url is not a normalised absolute http(s) URL' },
    });
    expect(check({ ...good, url: 'https://x.example/a(b)' })).toEqual({
      warning: { file: 'a.json', reason: 'url is not a normalised absolute http(s) URL' },
    });
    expect(check({ ...good, published: 'last Tuesday' })).toEqual({
      warning: { file: 'a.json', reason: 'published is not an ISO 8601 date' },
    });
    expect(check({ ...good, sections: [{ paragraphs: ['ok.', ''] }] })).toEqual({
      warning: { file: 'a.json', reason: 'empty paragraph' },
    });
    expect(check({ ...good, sections: [{ paragraphs: ['two  spaces'] }] })).toEqual({
      warning: { file: 'a.json', reason: 'paragraph has untidy whitespace' },
    });
  });
});
