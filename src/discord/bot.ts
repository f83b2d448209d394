import { Client, Events, GatewayIntentBits, type ClientOptions, type Interaction, type Message } from 'discord.js';
import pino from 'pino';
import type { Config } from '../config.js';
import { answerQuestion } from '../core/answer.js';
import type { Archive } from '../archive.js';
import { adminCommand, executeAdmin } from './commands/admin.js';
import { askCommand, autocompleteAsk, executeAsk, handleAnswerButton } from './commands/ask.js';
import { describeError } from './errors.js';
import { RateLimiter } from './rateLimit.js';
import { parseCustomId, renderAnswer, renderNotice } from './render.js';
import { NO_STORE, type BotDeps } from './types.js';

/** The slash commands the bot registers, in one explicit list. */
export const COMMANDS = [askCommand, adminCommand];

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

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    void onInteraction(interaction).catch((err: unknown) => deps.logger.error({ err }, 'interaction handler failed'));
  });

  async function onInteraction(interaction: Interaction): Promise<void> {
    const context = { guildId: interaction.guildId, userId: interaction.user.id, type: interaction.type };
    try {
      if (interaction.isAutocomplete()) {
        if (interaction.commandName === askCommand.name) await autocompleteAsk(interaction, deps);
        return;
      }
      if (interaction.isChatInputCommand()) {
        if (interaction.commandName === askCommand.name) await executeAsk(interaction, deps, limiter);
        else if (interaction.commandName === adminCommand.name) await executeAdmin(interaction, deps);
        return;
      }
      if (interaction.isButton()) {
        const action = parseCustomId(interaction.customId);
        if (action) await handleAnswerButton(interaction, action, deps, limiter);
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
    if (limiterBlocks(message.author.id)) return;
    const started = performance.now();
    const answer = answerQuestion(deps.index(), question, { k: deps.answerResults });
    deps.store.logQuery({ guildId: message.guildId, question, answer, ms: performance.now() - started });
    const payload = renderAnswer(answer);
    await message.reply({ content: payload.content, embeds: payload.embeds, components: payload.components, allowedMentions: { parse: [], repliedUser: false } });
  }

  // A chat question over the limit is ignored quietly: a reply would be noise in the channel.
  function limiterBlocks(userId: string): boolean {
    return limiter.take(userId) > 0;
  }

  return client;
}

/** Starts the bot with a token: connects, serves, and logs (never the token). */
export async function startBot(config: Config, archive: Archive): Promise<void> {
  const logger = pino({ level: config.LOG_LEVEL, redact: ['token', '*.token', 'headers.authorization'] });
  const client = createClient(config.DISCORD_API_URL ? { rest: { api: config.DISCORD_API_URL } } : {});
  attachHandlers(client, {
    index: () => archive.index,
    reindex: () => archive.reindex(),
    logger,
    store: NO_STORE,
    answerResults: config.ANSWER_RESULTS,
    rateLimit: { questions: config.RATE_LIMIT_QUESTIONS, windowMs: config.RATE_LIMIT_WINDOW_SECONDS * 1000 },
  });
  client.once(Events.ClientReady, (c) => logger.info({ user: c.user.tag, guilds: c.guilds.cache.size }, 'connected'));
  archive.watch((r) => {
    if (r instanceof Error) logger.error({ err: r }, 'reindex failed; still answering from the previous index');
    else logger.info({ articles: r.articles, passages: r.passages, warnings: r.warnings.length, ms: Math.round(r.ms) }, 'corpus changed: reindexed');
  });
  const stop = () => {
    logger.info('shutting down');
    void Promise.all([client.destroy(), archive.close()]).finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await client.login(config.DISCORD_TOKEN);
}
