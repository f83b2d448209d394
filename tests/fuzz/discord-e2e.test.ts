/**
 * Hostile questions through the real discord.js client and the bot's handlers, against the local
 * Discord double: by /ask and by chat mention. The double checks every body against Discord's
 * limits (400 code 50035 otherwise) and records allowed_mentions, so a run proves that no reply
 * was refused and no one was pinged.
 */
import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { ApplicationCommandOptionType } from 'discord.js';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_QUESTION_CHARS } from '../../src/core/answer.js';
import type { NewsIndex } from '../../src/core/search.js';
import { Store } from '../../src/store/store.js';
import { openEngine } from '../../src/engine.js';
import { bootBot, type BootedBot } from '../discord/boot.js';
import { startDiscordDouble, type DiscordDouble, type StoredMessage } from '../discord/double/server.js';
import { mentionProblems, questionArb, stringsOf } from './arbitraries.js';

const SEEDS = new URL('../fixtures/seeds', import.meta.url).pathname;
const RUNS = 150;

describe('hostile questions through discord.js and the Discord double (property)', () => {
  let discord: DiscordDouble;
  let bot: BootedBot;
  let index: NewsIndex;
  let words: string[];
  const errorStatuses: Array<{ route: string; status: number }> = [];
  const errorLogs: string[] = [];

  beforeAll(async () => {
    index = (await openEngine({ corpus: SEEDS, indexPath: null })).index;
    words = [...new Set(index.articles.flatMap((a) => a.title.split(/\s+/)).filter((w) => /\p{L}{3,}/u.test(w)))];
    discord = await startDiscordDouble();
    // Every 4xx/5xx the double answers, whatever the route: a reply refused for its size or shape shows here.
    discord.intercept((req, res: ServerResponse) => {
      const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
      res.writeHead = ((status: number, ...rest: unknown[]) => {
        if (status >= 400) errorStatuses.push({ route: `${req.method} ${req.route}`, status });
        return writeHead(status, ...rest);
      }) as typeof res.writeHead;
      return false;
    });
    const logs = new Writable({
      write(chunk: Buffer, _enc, done) {
        const entry = JSON.parse(chunk.toString()) as { level: number; msg: string };
        if (entry.level >= 40) errorLogs.push(chunk.toString());
        done();
      },
    });
    bot = await bootBot(discord, {
      index: () => index,
      reindex: async () => ({ articles: 0, passages: 0, warnings: [], ms: 0, rebuilt: false }),
      logger: pino({ level: 'warn' }, logs),
      store: new Store({ path: ':memory:', storeQuestionText: false }),
      answerResults: 3,
      rateLimit: { questions: 1000, windowMs: 60_000 },
    });
  });

  afterAll(async () => {
    await bot.stop();
    await discord.close();
  });

  it(`answers ${RUNS} hostile questions by /ask and by chat: every reply accepted, no one pinged but the user pointed at`, async () => {
    // What Discord can deliver: well-formed text with something in it, at most 1000 characters in /ask.
    const question = questionArb(words).filter((q) => q.trim().length > 0 && q.length <= MAX_QUESTION_CHARS);
    const replies: StoredMessage[] = [];
    const bob = discord.users.bob;
    // Replies that point bob at the answer: the only ones that may notify anyone, and only bob.
    const mentioned = new Set<string>();
    await fc.assert(
      fc.asyncProperty(question, fc.constantFrom('slash', 'slash+mention', 'chat'), async (q, how) => {
        const who = discord.newUser();
        let reply: StoredMessage;
        if (how !== 'chat') {
          const options = [{ type: ApplicationCommandOptionType.String, name: 'question', value: q }];
          if (how === 'slash+mention')
            options.push({ type: ApplicationCommandOptionType.User, name: 'mention', value: bob.id });
          const rec = discord.runSlashCommand('ask', options, who);
          reply = await discord.waitFor(
            () => {
              const m = discord.original(rec.id);
              return m && m.embeds.length > 0 ? m : undefined;
            },
            5000,
            `an answer to ${JSON.stringify(q)}`,
          );
          expect(rec.statuses.filter((s) => s >= 400)).toEqual([]);
        } else {
          const asked = discord.say(q, { mentionsBot: true, who });
          reply = await discord.waitFor(
            () =>
              discord
                .messages()
                .find((m) => (m.message_reference as { message_id?: string } | undefined)?.message_id === asked.id),
            5000,
            `a chat reply to ${JSON.stringify(q)}`,
          );
        }
        replies.push(reply);
        if (how === 'slash+mention') mentioned.add(reply.id);
        expect(reply.content.startsWith(how === 'slash+mention' ? `<@${bob.id}> **Q:** ` : '**Q:** ')).toBe(true);
        for (const [path, text] of stringsOf({
          content: reply.content,
          embeds: reply.embeds,
          components: reply.components,
        }))
          expect(
            mentionProblems(text, path === '$.content' && how === 'slash+mention' ? bob.id : undefined),
            path,
          ).toEqual([]);
        expect(errorStatuses).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    expect(replies).toHaveLength(RUNS);
    expect(mentioned.size).toBeGreaterThan(0);
    const pings = discord.pings();
    expect(pings.map((p) => p.messageId).sort()).toEqual([...mentioned].sort());
    for (const p of pings)
      expect({ everyone: p.everyone, users: [...new Set(p.users)], roles: p.roles }).toEqual({
        everyone: false,
        users: [bob.id],
        roles: [],
      });
    for (const m of replies) {
      const expected = mentioned.has(m.id)
        ? [`{"parse":[],"users":["${bob.id}"]}`]
        : ['{"parse":[]}', '{"parse":[],"replied_user":false}'];
      expect(expected).toContain(JSON.stringify(m.allowed_mentions));
    }
    expect(discord.unknownRoutes).toEqual([]);
    expect(errorLogs).toEqual([]);
    // About 9 s alone; 16 s seen beside the other test worker on a loaded machine.
  }, 60_000);
});
