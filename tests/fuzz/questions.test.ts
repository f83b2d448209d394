/**
 * 10,000 hostile questions through the path the bot takes: answerQuestion on the seed index →
 * renderAnswer (Discord) and the terminal renderer. Nothing may throw, every reply must fit
 * Discord's limits (checked by the Discord double's own checker), and nothing a question holds
 * may ping anyone. fast-check prints the seed and the shrunk question of any failure.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { answerQuestion, type Answer } from '../../src/core/answer.js';
import type { NewsIndex } from '../../src/core/search.js';
import { openEngine } from '../../src/engine.js';
import { questionOf, renderAnswer, renderPassage, type ReplyPayload } from '../../src/discord/render.js';
import { DISCORD_LIMITS as L } from '../../src/discord/limits.js';
import { ANSI, PLAIN, answerJson, renderAnswerText } from '../../src/render/text.js';
import { messageProblems, pingsOf } from '../discord/double/limits.js';
import { HOSTILE, LONE_SURROGATE, mentionProblems, questionArb, sizedQuestionArb, stringsOf } from './arbitraries.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;
const K = 3;
const MENTION = '123456789012345678';

let index: NewsIndex;
let words: string[];

beforeAll(async () => {
  index = (await openEngine({ corpus: SEEDS, indexPath: null })).index;
  // Words of the seed articles, so that a share of the questions reach real answers.
  const seen = new Set<string>();
  for (const p of index.passages)
    for (const w of p.text.split(/\s+/)) if (/\p{L}{3,}/u.test(w)) seen.add(w.replace(/^\P{L}+|\P{L}+$/gu, ''));
  for (const a of index.articles) for (const w of a.title.split(/\s+/)) seen.add(w);
  words = [...seen].filter(Boolean).sort();
});

/** Everything wrong with a Discord reply: limits, allowed mentions, raw mentions, broken UTF-16. */
function payloadProblems(p: ReplyPayload, mentionUserId?: string): string[] {
  const problems = messageProblems(p as unknown as Record<string, unknown>);
  const allowed = p.allowedMentions;
  if (allowed.parse.length !== 0) problems.push(`allowedMentions.parse: ${JSON.stringify(allowed.parse)}`);
  if (JSON.stringify(allowed.users ?? []) !== JSON.stringify(mentionUserId ? [mentionUserId] : []))
    problems.push(`allowedMentions.users: ${JSON.stringify(allowed.users)}`);
  if ('roles' in allowed) problems.push('allowedMentions.roles is set');
  // Discord would notify exactly the user we were asked to point at. The double's pingsOf counts an
  // escaped `\<@id>` too (conservative), so that user may appear twice when the question names them.
  const pings = pingsOf(p.content, { parse: allowed.parse, ...(allowed.users ? { users: allowed.users } : {}) });
  if (
    pings.everyone ||
    pings.roles.length ||
    JSON.stringify([...new Set(pings.users)]) !== JSON.stringify(mentionUserId ? [mentionUserId] : [])
  )
    problems.push(`pings: ${JSON.stringify(pings)}`);
  for (const [path, text] of stringsOf({ content: p.content, embeds: p.embeds, components: p.components })) {
    for (const m of mentionProblems(text, path === '$.content' ? mentionUserId : undefined))
      problems.push(`${path}: ${m}`);
    if (LONE_SURROGATE.test(text)) problems.push(`${path}: lone surrogate`);
  }
  return problems;
}

/** The terminal renderer and the --json shape: no throw, every result shown, JSON that round-trips. */
function checkText(answer: Answer): void {
  const plain = renderAnswerText(answer, PLAIN);
  const ansi = renderAnswerText(answer, ANSI);
  // Nothing from a question or an article may drive the terminal (escape sequences, bells, NULs).
  expect(plain).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  expect(ansi.replace(/\x1b\[\d+m/g, '')).toBe(plain);
  if (answer.answered) for (const r of answer.results) expect(plain).toContain(r.title);
  else expect(plain.startsWith(answer.message!)).toBe(true);
  const json = JSON.parse(JSON.stringify(answerJson(answer))) as { question: string; results: unknown[] };
  expect(json.question).toBe(answer.question);
  expect(json.results).toHaveLength(answer.results.length);
}

describe('hostile questions through answerQuestion and the renderers (property)', () => {
  it('never throws, fits every Discord limit and pings no one: /ask and chat (6,700 questions up to 20,000 characters)', () => {
    let answered = 0;
    fc.assert(
      fc.property(
        sizedQuestionArb(words, 20_000),
        fc.option(fc.constant(MENTION), { nil: undefined }),
        (question, mentionUserId) => {
          const answer = answerQuestion(index, question, { k: K });
          if (answer.answered) answered++;
          const payload = renderAnswer(answer, mentionUserId ? { mentionUserId } : {});
          expect(payloadProblems(payload, mentionUserId)).toEqual([]);
          expect(payload.embeds.length).toBeGreaterThan(0);
          checkText(answer);
        },
      ),
      { numRuns: 6_700 },
    );
    // The generator must reach the answering path, not only refusals.
    expect(answered).toBeGreaterThan(300);
    // About 15 s alone; 64 s seen with the other test worker killing and restarting bots on a loaded machine.
  }, 180_000);

  it('reads every question it can back from its reply, and the "More results" page fits and pings no one too (2,000 questions)', () => {
    let pages = 0;
    fc.assert(
      fc.property(sizedQuestionArb(words, 1_000), fc.integer({ min: 1, max: 6 }), (question, offset) => {
        const first = renderAnswer(answerQuestion(index, question, { k: K }));
        const back = questionOf(first.content);
        // The content is cut only when the escaped question does not fit in a message.
        if (first.content.length < L.content - 1)
          expect(back).toBe(
            question.trim().replace(/\s+/g, ' ').replaceAll('\u200b', '').replace(new RegExp(LONE_SURROGATE, 'g'), ''),
          );
        if (back === undefined) return;
        const answer = answerQuestion(index, back, { k: K, offset });
        if (!answer.answered || answer.results.length === 0) return;
        pages++;
        const payload = renderAnswer(answer, { offset, ephemeral: true });
        expect(payloadProblems(payload)).toEqual([]);
        expect(payload.embeds[0]!.title!.startsWith(`${offset + 1}. `)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
    expect(pages).toBeGreaterThan(50);
    // About 2 s alone; 9 s seen beside the other test worker on a loaded machine.
  }, 60_000);

  it('refuses every empty, whitespace-only or symbol-only question, with a reply that fits (1,000 questions)', () => {
    const blank = fc.string({
      unit: fc.constantFrom(
        ' ',
        '\t',
        '\n',
        '\r',
        '\u00a0',
        '\u2028',
        '\u3000',
        '\u200b',
        '\ufeff',
        '\u0000',
        '\u0007',
        '?',
        '!',
        '…',
        '*',
        '@',
        '🙂',
        '\u0301',
      ),
      maxLength: 3000,
    });
    fc.assert(
      fc.property(blank, (question) => {
        const answer = answerQuestion(index, question, { k: K });
        expect(answer.answered).toBe(false);
        expect(answer.results).toEqual([]);
        const payload = renderAnswer(answer);
        expect(payloadProblems(payload)).toEqual([]);
        expect(payload.embeds[0]!.title).toBe('No answer in the archive');
        expect(payload.components).toEqual([]);
        checkText(answer);
      }),
      { numRuns: 1_000 },
    );
  });

  it('shows mentions, Markdown and control characters held in article titles, sources and text without pinging or reaching the terminal (300 questions)', async () => {
    // Articles whose every field tries to ping: a corpus of one JSONL file.
    const dir = mkdtempSync(join(tmpdir(), 'newsdesk-hostile-'));
    const hostile = (n: number) => HOSTILE[n % HOSTILE.length]!;
    const records = Array.from({ length: 8 }, (_, i) => ({
      id: `h${i}`,
      title: `${hostile(i)} Tramway vote ${hostile(i + 3)} @everyone <@123456789012345678> in \u001b[2J\u0007ward ${i}`,
      source: `@here Daily <@&987654321098765432> ${hostile(i + 5)}`,
      published_at: `2024-0${(i % 9) + 1}-01`,
      body: `The \u001b]0;owned\u0007council \u0000@everyone voted ${20 + i} to ${i} for the tramway <@123456789012345678> in ward ${i}.\n\n${hostile(i + 7)} Residents @here of <#111111111111111111> ward ${i} asked for ${i + 2} new stops ${hostile(i + 9)}.`,
    }));
    writeFileSync(join(dir, 'hostile.jsonl'), records.map((r) => JSON.stringify(r)).join('\n'));
    const hostileIndex = (await openEngine({ corpus: dir, indexPath: null })).index;
    expect(hostileIndex.articles).toHaveLength(8);
    const vocabulary = [
      'tramway',
      'vote',
      'council',
      'ward',
      'stops',
      'residents',
      'voted',
      'Daily',
      'how',
      'many',
      ...HOSTILE,
    ];
    let answered = 0;
    fc.assert(
      fc.property(
        questionArb(vocabulary, { maxFragments: 8 }),
        fc.option(fc.constant(MENTION), { nil: undefined }),
        (question, mentionUserId) => {
          const answer = answerQuestion(hostileIndex, question, { k: K });
          if (answer.answered) answered++;
          expect(payloadProblems(renderAnswer(answer, mentionUserId ? { mentionUserId } : {}), mentionUserId)).toEqual(
            [],
          );
          for (const r of answer.results) {
            const p = hostileIndex.passages.get(r.passage);
            const article = hostileIndex.articles[p.article]!;
            expect(
              payloadProblems(
                renderPassage({ title: article.title, text: p.text, ...(p.heading ? { heading: p.heading } : {}) }),
              ),
            ).toEqual([]);
          }
          checkText(answer);
        },
      ),
      { numRuns: 300 },
    );
    expect(answered).toBeGreaterThan(30);
  });
});
