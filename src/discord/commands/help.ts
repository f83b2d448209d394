import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  MessageFlags,
  type APIApplicationCommandOption,
  type APIEmbed,
} from 'discord-api-types/v10';
import type { ChatInputCommandInteraction } from 'discord.js';
import { articleMetas } from '../../core/answerIndex.js';
import type { ArticleMeta } from '../../core/search.js';
import { defuseMentions, escapeText, truncate } from '../escape.js';
import { DISCORD_LIMITS as L } from '../limits.js';
import type { CommandModule, SlashCommandModule } from './module.js';

/** One line of /help: how to call a command (or a subcommand) and what it does. */
export interface HelpEntry {
  usage: string;
  description: string;
}

/** The usage lines of a slash command: one per subcommand (groups included), required options shown as `name:`. */
export function helpEntries(module: CommandModule): HelpEntry[] {
  if (module.data.type === ApplicationCommandType.Message)
    return [{ usage: `Apps → ${module.data.name}`, description: 'summary' in module ? module.summary : '' }];
  const data = (module as SlashCommandModule).data;
  const required = (options: readonly APIApplicationCommandOption[] | undefined) =>
    (options ?? [])
      .filter((o) => 'required' in o && o.required)
      .map((o) => ` ${o.name}:`)
      .join('');
  const walk = (
    path: string,
    options: readonly APIApplicationCommandOption[] | undefined,
    description: string,
  ): HelpEntry[] => {
    const subs = (options ?? []).filter(
      (o) =>
        o.type === ApplicationCommandOptionType.Subcommand || o.type === ApplicationCommandOptionType.SubcommandGroup,
    );
    if (subs.length === 0) return [{ usage: `/${path}${required(options)}`, description }];
    return subs.flatMap((s) =>
      walk(
        `${path} ${s.name}`,
        'options' in s ? (s.options as APIApplicationCommandOption[] | undefined) : undefined,
        s.description,
      ),
    );
  };
  return walk(data.name, data.options, data.description ?? '');
}

/** Whether a member with `permissions` (null: unknown, as in a DM) may use a command here (`inGuild`). */
export function usableBy(module: CommandModule, permissions: bigint | null, inGuild: boolean): boolean {
  const contexts = module.data.contexts ?? [InteractionContextType.Guild];
  if (!contexts.includes(inGuild ? InteractionContextType.Guild : InteractionContextType.BotDM)) return false;
  if (
    !(module.data.integration_types ?? [ApplicationIntegrationType.GuildInstall]).includes(
      ApplicationIntegrationType.GuildInstall,
    )
  )
    return false;
  const needed = module.data.default_member_permissions;
  if (needed === undefined || needed === null) return true;
  return permissions !== null && (permissions & BigInt(needed)) === BigInt(needed);
}

/** The archive as /help describes it: its size, its newest dated article, and a question to try (an article's title, the newest when dated). */
export function archiveFacts(articles: Iterable<Pick<ArticleMeta, 'title' | 'published'>>): {
  articles: number;
  newest?: { title: string; published: string };
  example?: string;
} {
  let newest: { title: string; published: string } | undefined;
  let first: string | undefined;
  let count = 0;
  for (const a of articles) {
    count++;
    first ??= a.title;
    if (a.published && (!newest || a.published > newest.published)) newest = { title: a.title, published: a.published };
  }
  const example = newest?.title ?? first;
  return { articles: count, ...(newest ? { newest } : {}), ...(example ? { example } : {}) };
}

/** /help as an embed: what Newsdesk is, the commands this member can use, an example question, the archive. */
export function renderHelp(entries: readonly HelpEntry[], facts: ReturnType<typeof archiveFacts>) {
  const lines = [
    'Newsdesk answers questions from an archive of news articles, quoting the sentences that answer and naming their sources. It says so when the archive has no answer.',
    '',
    '**Commands you can use here**',
    ...entries.map((e) => `• \`${e.usage}\` — ${escapeText(e.description)}`),
    '',
    'You can also mention Newsdesk with a question, or reply to one of its answers.',
  ];
  if (facts.example)
    lines.push('', `**Try:** \`/ask question: ${truncate(defuseMentions(facts.example).replace(/`/g, "'"), 100)}\``);
  lines.push(
    '',
    `**Archive:** ${facts.articles} article${facts.articles === 1 ? '' : 's'}${facts.newest ? `; newest: “${escapeText(truncate(defuseMentions(facts.newest.title), 150))}” (${facts.newest.published.slice(0, 10)})` : ''}.`,
  );
  const embed: APIEmbed = {
    title: 'Newsdesk help',
    description: truncate(lines.join('\n'), L.embedDescription),
    color: 0x2f6fbf,
  };
  return { embeds: [embed], flags: MessageFlags.Ephemeral as const, allowedMentions: { parse: [] as [] } };
}

export const help: SlashCommandModule = {
  data: {
    name: 'help',
    description: 'What Newsdesk is, the commands you can use, and the archive it answers from',
    type: ApplicationCommandType.ChatInput,
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  },
  async execute(interaction: ChatInputCommandInteraction, { deps, commands }) {
    const permissions = interaction.memberPermissions?.bitfield ?? null;
    const entries = commands.filter((m) => usableBy(m, permissions, interaction.inGuild())).flatMap(helpEntries);
    await interaction.reply(renderHelp(entries, archiveFacts(articleMetas(await deps.index(interaction.guildId)))));
  },
};
