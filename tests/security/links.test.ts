import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Answer } from '../../src/core/answer.js';
import { normaliseUrl } from '../../src/core/links.js';
import { maskedLink, misleads } from '../../src/discord/escape.js';
import { renderAnswer, renderDigest, renderPassage } from '../../src/discord/render.js';

/** What RFC 3986 allows in a URI, minus the parentheses and brackets that would end Markdown. */
const URI_SAFE = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d+)?[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]*$/;

describe('normaliseUrl', () => {
  it('keeps plain web links, in their WHATWG form, with everything Markdown or format: uri would trip on percent-encoded', () => {
    expect(normaliseUrl('HTTPS://Example.COM')).toBe('https://example.com/');
    expect(normaliseUrl('https://en.example.org/wiki/Foo_(bar)')).toBe('https://en.example.org/wiki/Foo_%28bar%29');
    expect(normaliseUrl('https://x.example/a|b"c^d`e{f}g<h>i[j]')).toBe(
      'https://x.example/a%7Cb%22c%5Ed%60e%7Bf%7Dg%3Ch%3Ei%5Bj%5D',
    );
    expect(normaliseUrl('https://bücher.example/straße?q=ä')).toBe(
      'https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4',
    );
    expect(normaliseUrl('https://x.example/100%')).toBe('https://x.example/100%25');
    expect(normaliseUrl('http://[::1]:8080/a')).toBe('http://[::1]:8080/a');
  });

  it('drops other schemes, credentials, whitespace, controls and disguises', () => {
    for (const bad of [
      'javascript:alert(1)',
      'data:text/html,x',
      'file:///etc/passwd',
      'ftp://x.example/',
      '//x.example/a',
      '/relative',
      '',
      'https://discord.com@evil.example/',
      'https://user:pw@x.example/',
      'https://:pw@x.example/',
      ' https://x.example/',
      'https://x.example/a b',
      'https://x.example/\n',
      'https://x.example/\t',
      'https://x.example/\u0000',
      'https://x.example/\u202Egpj.exe',
      'https://x.example/\u200B',
      `https://x.example/${'a'.repeat(2100)}`,
    ])
      expect(normaliseUrl(bad), bad).toBeUndefined();
  });

  it('gives a parseable, credential-free, Markdown-safe link, and is idempotent (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.webUrl({ withQueryParameters: true, withFragments: true }),
          fc.string({ maxLength: 60 }).map((s) => `https://x.example/${s}`),
        ),
        (raw) => {
          const url = normaliseUrl(raw);
          if (url === undefined) return;
          expect(url).toMatch(URI_SAFE);
          const parsed = new URL(url);
          expect(parsed.username + parsed.password).toBe('');
          expect(normaliseUrl(url)).toBe(url);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('masked links are built only from escaped parts', () => {
  it('escapes the text and normalises the url; a url that is not safe leaves the text alone', () => {
    expect(maskedLink('A [bold] *claim*', 'https://x.example/a(b)')).toBe(
      '[A \\[bold\\] \\*claim\\*](https://x.example/a%28b%29)',
    );
    expect(maskedLink('Title', 'https://x.example/a)](https://evil.example')).toBe(
      '[Title](https://x.example/a%29%5D%28https://evil.example)',
    );
    expect(maskedLink('Title @everyone', 'https://discord.com@evil.example/')).toBe('Title @\u200beveryone');
    expect(maskedLink('Title', 'javascript:alert(1)')).toBe('Title');
  });

  it('shows the url as itself when the text could pass for another link', () => {
    expect(misleads('Reset your password at discord.com', 'https://evil.example/')).toBe(true);
    expect(misleads('https://x.example/a', 'https://x.example/a')).toBe(true);
    expect(misleads('Ports of the Levant', 'https://news.example/a')).toBe(false);
    expect(misleads('news.example reports', 'https://www.news.example/a')).toBe(false);
    expect(misleads('Sale at pаypal.com', 'https://paypal.com/')).toBe(true); // Cyrillic а
    expect(maskedLink('Log in at discord.com', 'https://evil.example/login')).toBe(
      'Log in at discord.com — <https://evil.example/login>',
    );
    expect(maskedLink('https://discord.com/gift', 'https://evil.example/')).toBe(
      'https:\u200b//discord.com/gift — <https://evil.example/>',
    );
  });
});

describe('every rendered link is normalised', () => {
  const hostileUrls = [
    'https://x.example/a)](https://evil.example)',
    'https://discord.com@evil.example/',
    'https://x.example/ü|"',
    'javascript:alert(1)',
  ];
  const refusal = (url: string): Answer => ({
    question: 'q',
    answered: false,
    results: [],
    nearest: [{ articleId: 'a', title: 'Nearest [one](https://evil.example)', url }],
    message: 'No answer.',
  });
  // Masked-link targets (an escaped `\]` opens none) and `<…>` links.
  const links = (markdown: string) =>
    [...markdown.matchAll(/(?<!\\)\]\(([^)]*)\)|<(https?:[^>]*)>/g)].map((m) => m[1] ?? m[2]!);

  it('in the refusal’s nearest articles', () => {
    for (const url of hostileUrls) {
      const d = renderAnswer(refusal(url)).embeds[0]!.description!;
      for (const l of links(d)) expect(normaliseUrl(l), d).toBe(l);
      expect(d).not.toContain('@evil');
    }
    // A title with a link in it is not made the face of another link: the url shows as itself.
    expect(renderAnswer(refusal(hostileUrls[0]!)).embeds[0]!.description).toContain(
      '• Nearest \\[one\\](https:\u200b//evil.example) — <https://x.example/a%29%5D%28https://evil.example%29>',
    );
    const plain: Answer = {
      ...refusal(hostileUrls[0]!),
      nearest: [{ articleId: 'a', title: 'Nearest *one*', url: hostileUrls[0]! }],
    };
    expect(renderAnswer(plain).embeds[0]!.description).toContain(
      '• [Nearest \\*one\\*](https://x.example/a%29%5D%28https://evil.example%29)',
    );
  });

  it('in result embeds, passages and digests', () => {
    for (const url of hostileUrls) {
      const embeds = [
        ...renderAnswer({
          question: 'q',
          answered: true,
          nearest: [],
          results: [
            { articleId: 'a', title: 'T', url, excerpt: 'x', highlights: [], score: 1, passage: 0, position: 0 },
          ],
        }).embeds,
        ...renderPassage({ title: 'T', url, text: 'x' }).embeds,
        ...renderDigest({ marker: 'daily', topic: null, items: [{ title: 'T', url, summary: 's' }] }).embeds,
      ];
      for (const e of embeds) if (e.url !== undefined) expect(normaliseUrl(e.url)).toBe(e.url);
    }
    const e = renderPassage({ title: 'T', url: 'https://x.example/ü|"', text: 'x' }).embeds[0]!;
    expect(e.url).toBe('https://x.example/%C3%BC%7C%22');
    expect(
      renderPassage({ title: 'T', url: 'https://discord.com@evil.example/', text: 'x' }).embeds[0]!.url,
    ).toBeUndefined();
  });

  it('moves the link out of a title that names another site, showing it as itself', () => {
    const e = renderPassage({ title: 'Verify at discord.com', url: 'https://evil.example/v', text: 'Body.' })
      .embeds[0]!;
    expect(e.url).toBeUndefined();
    expect(e.description).toBe('Body.\n🔗 <https://evil.example/v>');
  });
});
