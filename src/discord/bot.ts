import {
  ApplicationCommandType,
  Client,
  Events,
  GatewayIntentBits,
  Partials,
  type ClientOptions,
  type Interaction,
  type Message,
} from 'discord.js';
import type { Logger } from 'pino';
import { COMMAND_MODULES } from './commands/index.js';
import type { CommandContext, MessageCommandModule, SlashCommandModule } from './commands/module.js';
import { describeError } from './errors.js';
import { RateLimiter, type QuestionGate } from './rateLimit.js';
import { renderAnswer, renderNotice } from './render.js';
import type { BotDeps } from './types.js';
import { answerFor } from './answering.js';

/** The commands the bot registers (slash and context-menu), from the one explicit list of command modules. */
export const COMMANDS = COMMAND_MODULES.map((m) => m.data);

/** A discord.js client with only the intents Newsdesk needs and no pings unless a reply allows one. */
export function createClient(extra: Partial<ClientOptions> = {}): Client {
  return new Client({
    // Guilds + GuildMessages: mentions of the bot and replies to it carry their text without the
    // privileged MessageContent intent. DirectMessages: a DM always carries its text; its channel is
    // not cached before the first message, hence Partials.Channel.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    allowedMentions: { parse: [] },
    ...extra,
  });
}

/** The question in a message addressed to the bot: its mentions of the bot removed. */
export function questionFromMessage(content: string, botId: string): string {
  return content
    .replace(new RegExp(`<@!?${botId}>`, 'g'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The handlers a bot is running. `close()` makes new events be ignored (a bot shutting down takes
 * no new work) and `drain()` waits for the ones already started, so their answers still arrive.
 */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();
  private open = true;

  get size(): number {
    return this.running.size;
  }

  /** Runs `work` unless closed; returns whether it ran. */
  run(work: () => Promise<unknown>): boolean {
    if (!this.open) return false;
    const p = work().finally(() => this.running.delete(p));
    this.running.add(p);
    return true;
  }

  close(): void {
    this.open = false;
  }

  /** Resolves true when every running handler has settled, false if `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const settled = (async () => {
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
      return true as const;
    })();
    try {
      return await Promise.race([settled, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Wires the handlers onto a client. Returns the client for chaining. */
export function attachHandlers(client: Client, deps: BotDeps, inFlight = new InFlight()): Client {
  const limiter = new RateLimiter(deps.rateLimit.questions, deps.rateLimit.windowMs, deps.now);
  const gate: QuestionGate = async (userId, guildId) => {
    const max = (guildId && (await deps.store.settings.get(guildId, 'rateLimitQuestions'))) || deps.rateLimit.questions;
    // Counted in the database when the store shares limits across processes (PostgreSQL); else here, as before.
    return deps.store.limits ? deps.store.limits.take(userId, max, deps.rateLimit.windowMs) : limiter.take(userId, max);
  };

  const ctx: CommandContext = { deps, gate, commands: COMMAND_MODULES };

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    const started = inFlight.run(() =>
      onInteraction(interaction).catch((err: unknown) => deps.logger.error({ err }, 'interaction handler failed')),
    );
    if (!started)
      deps.logger.info(
        { interactionId: interaction.id, guildId: interaction.guildId },
        'interaction ignored: shutting down',
      );
  });

  async function onInteraction(interaction: Interaction): Promise<void> {
    const context = { guildId: interaction.guildId, userId: interaction.user.id, type: interaction.type };
    try {
      if (interaction.isCommand() || interaction.isAutocomplete()) {
        const module = COMMAND_MODULES.find((m) => m.data.name === interaction.commandName);
        if (!module) return;
        if (interaction.isAutocomplete()) {
          if ('autocomplete' in module && module.autocomplete) await module.autocomplete(interaction, ctx);
        } else if (
          interaction.isChatInputCommand() &&
          'execute' in module &&
          module.data.type !== ApplicationCommandType.Message
        ) {
          await (module as SlashCommandModule).execute(interaction, ctx);
        } else if (interaction.isMessageContextMenuCommand() && module.data.type === ApplicationCommandType.Message) {
          await (module as MessageCommandModule).execute(interaction, ctx);
        }
        return;
      }
      if (interaction.isButton()) {
        const owner = COMMAND_MODULES.find(
          (m) => 'buttons' in m && m.buttons && interaction.customId.startsWith(m.buttons.prefix),
        ) as SlashCommandModule | undefined;
        await owner?.buttons?.handle(interaction, ctx);
      }
    } catch (err) {
      if (interaction.isAutocomplete()) return void deps.logger.warn({ ...context, err }, 'autocomplete failed');
      const notice = renderNotice(
        describeError(err, deps.logger, {
          ...context,
          command: interaction.isCommand() ? interaction.commandName : undefined,
        }),
      );
      if (!interaction.isRepliable()) return;
      if (interaction.deferred && !interaction.replied)
        await interaction.editReply({
          content: notice.content,
          embeds: [],
          components: [],
          allowedMentions: notice.allowedMentions,
        });
      else if (interaction.replied) await interaction.followUp(notice);
      else await interaction.reply(notice);
    }
  }

  client.on(Events.MessageCreate, (message: Message) => {
    const started = inFlight.run(() =>
      onMessage(message).catch((err: unknown) =>
        deps.logger.error({ err, channelId: message.channelId }, 'message handler failed'),
      ),
    );
    if (!started) deps.logger.debug({ messageId: message.id }, 'message ignored: shutting down');
  });

  async function onMessage(message: Message): Promise<void> {
    const me = client.user;
    if (!me || message.author.bot || message.author.id === me.id) return;
    // In a DM every message is addressed to the bot; in a server only a mention or a reply is.
    const addressed =
      !message.guildId || message.mentions.users.has(me.id) || message.mentions.repliedUser?.id === me.id;
    if (!addressed) return;
    // Without the MessageContent intent Discord sends no text for a reply to the bot with its ping
    // switched off (the bot is not in `mentions`), though discord.js still fills `repliedUser`:
    // there is no question to answer, and a public "ask me something" would be noise.
    if (message.content.trim() === '')
      return void deps.logger.debug(
        { messageId: message.id, guildId: message.guildId },
        'message ignored: no text visible to the bot',
      );
    const allowed = message.guildId ? await deps.store.settings.answerChannels(message.guildId) : [];
    if (allowed.length > 0 && !allowed.includes(message.channelId)) return;
    const question = questionFromMessage(message.content, me.id);
    const outcome = await answerFor(
      deps,
      gate,
      { command: 'mention', guildId: message.guildId, userId: message.author.id },
      question,
    );
    // A chat question over the limit is ignored quietly: a reply would be noise in the channel.
    if (outcome.limited) return;
    const payload = renderAnswer(outcome.answer, { more: outcome.more });
    // The question's id as nonce, enforced: if Discord posted the reply but the response was lost
    // (a 5xx) and discord.js retries, Discord returns the first reply instead of posting twice.
    await message.reply({
      content: payload.content,
      embeds: payload.embeds,
      components: payload.components,
      allowedMentions: { parse: [], repliedUser: false },
      nonce: message.id,
      enforceNonce: true,
    });
  }

  return client;
}

export type { Client, ClientOptions };

/** Logs in and resolves once the gateway has made the client ready, logging who it is and how many servers it sees. */
export async function connect(client: Client, token: string | undefined, logger: Logger): Promise<void> {
  const ready = new Promise<void>((resolve) =>
    client.once(Events.ClientReady, (c) => {
      logger.info({ user: c.user.tag, guilds: c.guilds.cache.size }, 'connected');
      resolve();
    }),
  );
  await client.login(token);
  await ready;
}

/** How long a stopping bot waits for answers already being worked on. */
export const DRAIN_TIMEOUT_MS = 10_000;
