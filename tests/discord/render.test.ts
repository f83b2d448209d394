import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Answer, AnswerResult } from '../../src/core/answer.js';
import { escapeText, truncate, unescapeText } from '../../src/discord/escape.js';
import { DISCORD_LIMITS as L } from '../../src/discord/limits.js';
import {
  articleKey,
  customIds,
  footerOf,
  parseCustomId,
  questionOf,
  quoteExcerpt,
  renderAnswer,
  renderChoices,
  renderFollowMessage,
  renderRoleOffer,
  ROLE_BUTTON_PREFIX,
  withVotes,
} from '../../src/discord/render.js';
import { questionFromMessage } from '../../src/discord/bot.js';

const result = (over: Partial<AnswerResult> = {}): AnswerResult => ({
  articleId: '002_a2c911d8e0e811de',
  title: 'Syria, the heads of Isis try to escape',
  excerpt: 'The jewish State has accepted about 500 and Jordan 442.',
  highlights: [[44, 50]],
  score: 1.5,
  passage: 12,
  position: 3,
  ...over,
});
const answer = (over: Partial<Answer> = {}): Answer => ({
  question: 'How many did Jordan take in?',
  answered: true,
  results: [result()],
  nearest: [],
  ...over,
});

describe('escaping', () => {
  it('shows Markdown as typed and breaks mass mentions', () => {
    expect(escapeText('**bold** _it_ `code` ||spoiler|| <@123> @everyone @here')).toBe(
      '\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\|\\|spoiler\\|\\| \\<@123> @\u200beveryone @\u200bhere',
    );
    expect(escapeText('# Title\n> quote\n- item\n1. first')).toBe('\\# Title\n\\> quote\n\\- item\n1\\. first');
  });

  it('round-trips through unescape (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(unescapeText(escapeText(s))).toBe(s.replaceAll('\u200b', ''));
      }),
    );
  });

  it('truncates with an ellipsis and never leaves a dangling escape', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('ab\\*cd', 4)).toBe('ab…');
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 2, max: 100 }), (s, n) => {
        expect(truncate(escapeText(s), n).length).toBeLessThanOrEqual(n);
      }),
    );
  });
});

describe('renderAnswer', () => {
  it('puts each result in an embed: linked title, quoted excerpt with matched words in bold, source and date', () => {
    const p = renderAnswer(
      answer({
        results: [result({ url: 'https://example.org/a', source: 'Defense', published: '2019-10-29T10:00:00Z' })],
      }),
    );
    expect(p.embeds).toHaveLength(1);
    expect(p.embeds[0]).toMatchObject({
      title: '1. Syria, the heads of Isis try to escape',
      url: 'https://example.org/a',
      footer: { text: '2019-10-29 · Defense' },
    });
    expect(p.embeds[0]!.description).toBe('> The jewish State has accepted about 500 and **Jordan** 442.');
    expect(p.allowedMentions).toEqual({ parse: [] });
    expect(p.content).toBe('**Q:** How many did Jordan take in?');
  });

  it('never links a url that is not http(s)', () => {
    expect(renderAnswer(answer({ results: [result({ url: 'javascript:alert(1)' })] })).embeds[0]!.url).toBeUndefined();
  });

  it('lets only the mentioned user be pinged', () => {
    const p = renderAnswer(answer(), { mentionUserId: '123456789012345678' });
    expect(p.content.startsWith('<@123456789012345678> ')).toBe(true);
    expect(p.allowedMentions).toEqual({ parse: [], users: ['123456789012345678'] });
  });

  it('says plainly when the archive has no answer, listing the nearest articles', () => {
    const p = renderAnswer(
      answer({
        answered: false,
        message: 'The archive has no article that answers that.',
        results: [],
        nearest: [{ articleId: 'x', title: 'Near *one*', url: 'https://e.org/x' }],
      }),
    );
    expect(p.embeds[0]!.title).toBe('No answer in the archive');
    expect(p.embeds[0]!.description).toContain('The archive has no article that answers that.');
    expect(p.embeds[0]!.description).toContain('• [Near \\*one\\*](https://e.org/x)');
    expect(p.components).toEqual([]);
  });

  it('shows the footer parts only when they add something: no source the title names, no section the excerpt or title says', () => {
    const r = {
      title: 'Kurds retreat - Reuters',
      excerpt: 'In Raqqa, fighters left on Monday.',
      published: '2019-10-29T10:00:00Z',
    };
    expect(footerOf({ ...r, source: 'Reuters', heading: 'In Raqqa' })).toBe('2019-10-29');
    expect(footerOf({ ...r, source: 'AP', heading: 'Aftermath' })).toBe('2019-10-29 · AP · § Aftermath');
    // An article without a date says so: an old story must never pass for today's.
    expect(footerOf({ title: 'x', excerpt: 'y' })).toBe('undated');
    expect(footerOf({ title: 'x', excerpt: 'y', source: 'AP' })).toBe('undated · AP');
  });

  it('notes a newer article under its quote, with a button to quote it, once per article', () => {
    const newer = { articleId: 'n1', title: 'Later *news* @everyone', published: '2019-12-04T08:00:00Z' };
    const base = { excerpt: 'Text.', highlights: [], score: 1, passage: 0, position: 0 };
    const p = renderAnswer({
      question: 'q',
      answered: true,
      nearest: [],
      results: [
        { ...base, articleId: 'a', title: 'A', published: '2019-10-29', newer },
        { ...base, articleId: 'b', title: 'B', newer },
      ],
    });
    expect(p.embeds[0]!.description).toBe(
      '> Text.\n\n🕒 Newer in the archive: Later \\*news\\* @\u200beveryone, 2019-12-04',
    );
    expect(p.embeds[1]!.footer?.text).toBe('undated');
    const ids = p.components.flatMap((row) => row.components.map((c) => ('custom_id' in c ? c.custom_id : '')));
    expect(ids.filter((id) => id.startsWith('nd:nwr:'))).toEqual([customIds.newer('n1')]);
    expect(parseCustomId(customIds.newer('n1'))).toEqual({ action: 'newer', articleKey: articleKey('n1') });
  });

  it('shows “More results” only when there is a next page', () => {
    const ids = (more?: boolean) =>
      renderAnswer(answer(), more === undefined ? {} : { more }).components.flatMap((row) =>
        row.components.map((c) => ('custom_id' in c ? c.custom_id : '')),
      );
    expect(ids().some((id) => id.startsWith('nd:more:'))).toBe(false);
    expect(ids(false).some((id) => id.startsWith('nd:more:'))).toBe(false);
    expect(ids(true).some((id) => id.startsWith('nd:more:'))).toBe(true);
  });

  it('relabels the vote buttons with an answer’s votes, old per-article ids included', () => {
    const rows = renderAnswer(answer()).components;
    rows[0]!.components[0] = {
      ...rows[0]!.components[0]!,
      custom_id: 'nd:fb:up:abcdefghij',
    } as (typeof rows)[0]['components'][0];
    const voted = withVotes(rows, { up: 2, down: 1 });
    expect(voted[0]!.components.map((c) => ['custom_id' in c ? c.custom_id : '', 'label' in c ? c.label : ''])).toEqual(
      [
        ['nd:fb:up', '👍 2'],
        ['nd:fb:down', '👎 1'],
      ],
    );
    expect(voted[1]).toEqual(rows[1]);
  });

  it('offers more results, full passages and feedback with ids that parse back', () => {
    const p = renderAnswer(answer(), { offset: 3, more: true });
    const ids = p.components.flatMap((row) => row.components.map((c) => ('custom_id' in c ? c.custom_id : '')));
    expect(ids.map((id) => parseCustomId(id)?.action)).toEqual(['more', 'feedback', 'feedback', 'passage']);
    expect(parseCustomId(ids[0]!)).toEqual({ action: 'more', offset: 4 });
    expect(parseCustomId(customIds.passage('002_a2c911d8e0e811de', 3))).toMatchObject({
      action: 'passage',
      position: 3,
    });
    expect(p.embeds[0]!.title!.startsWith('4. ')).toBe(true);
  });

  it('reads the question back from its own reply', () => {
    const q = 'Who leads **ISIS** in `Deir ez-Zor`? @everyone <@1>';
    expect(questionOf(renderAnswer(answer({ question: q })).content)).toBe(q);
    expect(questionOf(renderAnswer(answer({ question: q }), { mentionUserId: '42' }).content)).toBe(q);
  });

  it('stays within every Discord limit whatever the article text (property)', () => {
    const text = fc.string({ minLength: 1, maxLength: 5000 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ title: text, excerpt: text, source: text }), { minLength: 1, maxLength: 12 }),
        text,
        (rs, question) => {
          const p = renderAnswer(answer({ question, results: rs.map((r) => result({ ...r, highlights: [] })) }));
          expect(p.content.length).toBeLessThanOrEqual(L.content);
          expect(p.embeds.length).toBeLessThanOrEqual(L.embedsPerMessage);
          let total = 0;
          for (const e of p.embeds) {
            expect(e.title!.length).toBeLessThanOrEqual(L.embedTitle);
            expect(e.description!.length).toBeLessThanOrEqual(L.embedDescription);
            expect(e.footer?.text.length ?? 0).toBeLessThanOrEqual(L.embedFooter);
            total += e.title!.length + e.description!.length + (e.footer?.text.length ?? 0);
          }
          expect(total).toBeLessThanOrEqual(L.embedsTotal);
          expect(p.components.length).toBeLessThanOrEqual(L.actionRows);
          for (const row of p.components) {
            expect(row.components.length).toBeLessThanOrEqual(L.buttonsPerRow);
            for (const c of row.components)
              if ('custom_id' in c) expect(c.custom_id.length).toBeLessThanOrEqual(L.customId);
          }
          expect(JSON.stringify(p)).not.toMatch(/@everyone|@here/);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('autocomplete and chat helpers', () => {
  it('gives at most 25 unique choices of at most 100 characters', () => {
    const choices = renderChoices(['a'.repeat(300), 'b', 'b', ...Array.from({ length: 40 }, (_, i) => `topic ${i}`)]);
    expect(choices).toHaveLength(L.autocompleteChoices);
    expect(choices[0]!.name).toHaveLength(L.choiceName);
    expect(choices[0]!.value.length).toBeLessThanOrEqual(L.choiceValue);
    expect(new Set(choices.map((c) => c.name)).size).toBe(choices.length);
  });

  it('strips the bot mention from a chat question', () => {
    expect(questionFromMessage('<@999> who is   Mustefa Bali? <@!999>', '999')).toBe('who is Mustefa Bali?');
  });

  it('quotes multi-line excerpts line by line', () => {
    expect(quoteExcerpt({ excerpt: 'a\nb', highlights: [] })).toBe('> a\n> b');
  });
});

describe('renderFollowMessage and renderRoleOffer', () => {
  const item = (over: Partial<{ title: string; url: string; published: string; topic: string; sentence: string }>) => ({
    title: 'Dam inspection ends',
    topic: 'Tabqa dam',
    sentence: 'Engineers finished inspecting the Tabqa dam.',
    ...over,
  });

  it('names the topics once, dates each article (or says undated), and stays within embed limits', () => {
    const m = renderFollowMessage({
      items: [
        item({ published: '2030-01-05T10:00:00Z', url: 'https://example.org/dam' }),
        item({ title: 'Dam level steady' }),
      ],
      waiting: 2,
    });
    expect(m.content).toBe(
      '📰 2 new articles on “Tabqa dam” (2 more to follow). Stop with /follow remove in the server.',
    );
    expect(m.embeds.map((e) => [e.title, e.url, e.footer?.text])).toEqual([
      ['Dam inspection ends', 'https://example.org/dam', 'Published 2030-01-05'],
      ['Dam level steady', undefined, 'Undated'],
    ]);
    expect(m.embeds[0]!.description).toBe('> Engineers finished inspecting the Tabqa dam.');
    const many = renderFollowMessage({
      items: Array.from({ length: 12 }, () => item({ sentence: 'x'.repeat(5000) })),
      waiting: 0,
    });
    expect(many.embeds).toHaveLength(L.embedsPerMessage);
    const total = many.embeds.reduce(
      (n, e) => n + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0),
      0,
    );
    expect(total).toBeLessThanOrEqual(L.embedsTotal);
  });

  it('pings nobody, whatever the article or topic says', () => {
    const m = renderFollowMessage({
      items: [
        item({
          title: '@everyone <@123456789012345678>',
          topic: '@here',
          sentence: '<@&223456789012345678> @everyone',
        }),
      ],
      waiting: 0,
    });
    expect(m.allowedMentions).toEqual({ parse: [] });
    expect(`${m.content} ${m.embeds[0]!.title} ${m.embeds[0]!.description}`).not.toMatch(
      // Defused: a zero-width space after @, or a backslash before <, shows the text without a mention.
      /@(everyone|here)|(?<!\\)<@&?\d/,
    );
    const offer = renderRoleOffer('Tabqa dam', '323456789012345678');
    expect(offer.allowedMentions).toEqual({ parse: [] });
    expect(offer.components[0]!.components[0]).toMatchObject({ custom_id: `${ROLE_BUTTON_PREFIX}323456789012345678` });
  });
});
