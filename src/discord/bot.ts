import { Client, Events, GatewayIntentBits, type ClientOptions, type Interaction, type Message } from 'discord.js';
import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';
import { answerQuestion } from '../core/answer.js';
import type { Archive } from '../archive.js';
import type { NewsIndex } from '../core/search.js';
import { adminCommand, executeAdmin } from './commands/admin.js';
import { askCommand, autocompleteAsk, executeAsk, handleAnswerButton } from './commands/ask.js';
import { autocompleteDigest, digestCommand, executeDigest } from './commands/digest.js';
import { articleCommand, executeArticle } from './commands/article.js';
import { executeFeed, feedCommand } from './commands/feed.js';
import { FeedPoller } from '../feedPoller.js';
import { discordPoster } from './digestPoster.js';
import { DigestScheduler, DigestService } from '../digests/service.js';
import { describeError } from './errors.js';
import { RateLimiter, type QuestionGate } from './rateLimit.js';
import { parseCustomId, renderAnswer, renderNotice } from './render.js';
import type { BotDeps } from './types.js';
import { Store } from '../store/store.js';

/** The slash commands the bot registers, in one explicit list. */
export const COMMANDS = [askCommand, digestCommand, articleCommand, feedCommand, adminCommand];

/** A discord.js client with only the intents Newsdesk needs and no pings unless a reply allows one. */
export function createClient(extra: Partial<ClientOptions> = {}): Client {
  return new Client({
    // Guilds + GuildMessages: mentions of the bot and replies to it carry their text without the
    // privileged MessageContent intent.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
    allowedMentions: { parse: [] },
    ...extra,
  });
}

/** The question in a message addressed to the bot: its mentions of the bot removed. */
export function questionFromMessage(content: string, botId: string): string {
  return content.replace(new RegExp(`<@!?${botId}>`, 'g'), ' ').replace(/\s+/g, ' ').trim();
}

/** Wires the handlers onto a client. Returns the client for chaining. */
export function attachHandlers(client: Client, deps: BotDeps): Client {
  const limiter = new RateLimiter(deps.rateLimit.questions, deps.rateLimit.windowMs, deps.now);
  const gate: QuestionGate = (userId, guildId) => limiter.take(userId, (guildId && deps.store.getSetting(guildId, 'rateLimitQuestions')) || deps.rateLimit.questions);

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    void onInteraction(interaction).catch((err: unknown) => deps.logger.error({ err }, 'interaction handler failed'));
  });

  async function onInteraction(interaction: Interaction): Promise<void> {
    const context = { guildId: interaction.guildId, userId: interaction.user.id, type: interaction.type };
    try {
      if (interaction.isAutocomplete()) {
        if (interaction.commandName === askCommand.name) await autocompleteAsk(interaction, deps);
        else if (interaction.commandName === digestCommand.name) await autocompleteDigest(interaction, deps);
        return;
      }
      if (interaction.isChatInputCommand()) {
        if (interaction.commandName === askCommand.name) await executeAsk(interaction, deps, gate);
        else if (interaction.commandName === digestCommand.name) await executeDigest(interaction, deps);
        else if (interaction.commandName === articleCommand.name) await executeArticle(interaction, deps);
        else if (interaction.commandName === feedCommand.name) await executeFeed(interaction, deps);
        else if (interaction.commandName === adminCommand.name) await executeAdmin(interaction, deps);
        return;
      }
      if (interaction.isButton()) {
        const action = parseCustomId(interaction.customId);
        if (action) await handleAnswerButton(interaction, action, deps, gate);
      }
    } catch (err) {
      if (interaction.isAutocomplete()) return void deps.logger.warn({ ...context, err }, 'autocomplete failed');
      const notice = renderNotice(describeError(err, deps.logger, { ...context, command: interaction.isCommand() ? interaction.commandName : undefined }));
      if (!interaction.isRepliable()) return;
      if (interaction.deferred && !interaction.replied) await interaction.editReply({ content: notice.content, embeds: [], components: [], allowedMentions: notice.allowedMentions });
      else if (interaction.replied) await interaction.followUp(notice);
      else await interaction.reply(notice);
    }
  }

  client.on(Events.MessageCreate, (message: Message) => {
    void onMessage(message).catch((err: unknown) => deps.logger.error({ err, channelId: message.channelId }, 'message handler failed'));
  });

  async function onMessage(message: Message): Promise<void> {
    const me = client.user;
    if (!me || message.author.bot || message.author.id === me.id) return;
    const addressed = message.mentions.users.has(me.id) || message.mentions.repliedUser?.id === me.id;
    if (!addressed) return;
    const allowed = message.guildId ? deps.store.answerChannels(message.guildId) : [];
    if (allowed.length > 0 && !allowed.includes(message.channelId)) return;
    const question = questionFromMessage(message.content, me.id);
    // A chat question over the limit is ignored quietly: a reply would be noise in the channel.
    if (gate(message.author.id, message.guildId) > 0) return;
    const started = performance.now();
    const answer = answerQuestion(deps.index(), question, { k: deps.answerResults });
    deps.store.logQuery({ guildId: message.guildId, question, answer, ms: performance.now() - started });
    const payload = renderAnswer(answer);
    await message.reply({ content: payload.content, embeds: payload.embeds, components: payload.components, allowedMentions: { parse: [], repliedUser: false } });
  }

  return client;
}

/** A running bot: its client, store and digest scheduler, and how to stop it cleanly. */
export interface BotRuntime {
  client: Client;
  store: Store;
  logger: Logger;
  /** The archive's current index. */
  index: () => NewsIndex;
  digests: { service: DigestService; scheduler: DigestScheduler };
  /** Disconnects, stops watching the corpus and closes the database. */
  stop(): Promise<void>;
}

/** Records the articles of the current index as seen (the first time only): `/admin corpus` and digests use the dates. */
function markSeen(store: Store, archive: Archive): void {
  store.markSeen(archive.index.articles.map((a) => ({ id: a.id, file: a.file })));
}

/** Connects the bot with a token and serves until stopped; logs with pino (never the token). */
export async function runBot(config: Config, archive: Archive, options: { clientOptions?: Partial<ClientOptions>; logger?: Logger; now?: () => Date } = {}): Promise<BotRuntime> {
  const logger = options.logger ?? pino({ level: config.LOG_LEVEL, redact: ['token', '*.token', 'headers.authorization'] });
  const store = new Store({ path: config.DATABASE_PATH, storeQuestionText: config.STORE_QUESTION_TEXT, ...(options.now ? { now: options.now } : {}) });
  markSeen(store, archive);
  const client = createClient({ ...(config.DISCORD_API_URL ? { rest: { api: config.DISCORD_API_URL } } : {}), ...options.clientOptions });
  const reindex = async () => {
    const report = await archive.reindex();
    markSeen(store, archive);
    return report;
  };
  const service = new DigestService({ store, index: () => archive.index, poster: discordPoster(client), logger, ...(options.now ? { now: options.now } : {}) });
  const digests = { service, scheduler: new DigestScheduler(service, store, options.now) };
  const fetch = { allowPrivate: config.ALLOW_PRIVATE_URLS, maxBytes: config.FETCH_MAX_BYTES, timeoutMs: config.FETCH_TIMEOUT_SECONDS * 1000 };
  const feeds = new FeedPoller({ store, corpusDir: config.CORPUS_DIR, fetch, reindex, logger, minutes: config.FEED_POLL_MINUTES });
  attachHandlers(client, {
    index: () => archive.index,
    reindex,
    logger,
    store,
    digests,
    ingest: { corpusDir: config.CORPUS_DIR, fetch, pollMinutes: config.FEED_POLL_MINUTES, pollNow: (id) => feeds.pollNow(id) },
    answerResults: config.ANSWER_RESULTS,
    rateLimit: { questions: config.RATE_LIMIT_QUESTIONS, windowMs: config.RATE_LIMIT_WINDOW_SECONDS * 1000 },
  });
  client.once(Events.ClientReady, (c) => logger.info({ user: c.user.tag, guilds: c.guilds.cache.size }, 'connected'));
  archive.watch((r) => {
    if (r instanceof Error) return void logger.error({ err: r }, 'reindex failed; still answering from the previous index');
    markSeen(store, archive);
    logger.info({ articles: r.articles, passages: r.passages, warnings: r.warnings.length, ms: Math.round(r.ms) }, 'corpus changed: reindexed');
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(config.DISCORD_TOKEN);
    await ready;
    // Digests left pending by a crash are settled, missed schedules run once, timers start.
    await digests.scheduler.start();
    feeds.start();
  } catch (err) {
    digests.scheduler.stop();
    feeds.stop();
    await Promise.allSettled([client.destroy(), archive.close()]);
    store.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    client,
    store,
    logger,
    index: () => archive.index,
    digests,
    stop: () =>
      (stopping ??= (async () => {
        digests.scheduler.stop();
        feeds.stop();
        await Promise.allSettled([client.destroy(), archive.close()]);
        store.close();
      })()),
  };
}

/** Starts the bot for `npm start`: serves until SIGINT/SIGTERM, then shuts down cleanly. */
export async function startBot(config: Config, archive: Archive): Promise<void> {
  const bot = await runBot(config, archive);
  const stop = () => {
    bot.logger.info('shutting down');
    void bot.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
