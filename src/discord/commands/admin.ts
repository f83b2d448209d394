import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  PermissionFlagsBits,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { ChatInputCommandInteraction } from 'discord.js';
import { UserError } from '../errors.js';
import { escapeText, truncate } from '../escape.js';
import { DISCORD_LIMITS as L } from '../limits.js';
import type { BotDeps } from '../types.js';

export const adminCommand = {
  name: 'admin',
  description: 'Manage Newsdesk: reindex the archive, list its articles',
  type: ApplicationCommandType.ChatInput,
  // Shown only to members who can manage the server; checked again when the command runs.
  default_member_permissions: String(PermissionFlagsBits.ManageGuild),
  dm_permission: false,
  options: [
    { type: ApplicationCommandOptionType.Subcommand, name: 'reindex', description: 'Rebuild the search index from the corpus and swap it in' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'corpus',
      description: 'List the articles in the archive with their source files',
      options: [{ type: ApplicationCommandOptionType.Integer, name: 'page', description: 'Page number', min_value: 1 }],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

const PAGE_SIZE = 20;

/** Runs /admin: the caller's Manage Server permission is checked here too, not only by Discord. */
export async function executeAdmin(interaction: ChatInputCommandInteraction, deps: BotDeps): Promise<void> {
  if (!interaction.inGuild() || !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
    throw new UserError('You need the Manage Server permission to use /admin.');
  }
  const sub = interaction.options.getSubcommand();
  if (sub === 'reindex') {
    await interaction.deferReply({ flags: 'Ephemeral' });
    const report = await deps.reindex();
    const lines = [
      report.rebuilt ? `Reindexed in ${Math.round(report.ms)} ms.` : 'The corpus has not changed: the index is current.',
      `${report.articles} articles, ${report.passages} passages.`,
    ];
    if (report.warnings.length > 0) {
      lines.push(`${report.warnings.length} file problem(s):`);
      for (const w of report.warnings.slice(0, 10)) lines.push(`• ${escapeText(`${w.file}${w.line ? `:${w.line}` : ''}: ${w.reason}`)}`);
      if (report.warnings.length > 10) lines.push(`… and ${report.warnings.length - 10} more (see the logs).`);
    }
    await interaction.editReply({ content: truncate(lines.join('\n'), L.content), allowedMentions: { parse: [] } });
    return;
  }
  if (sub === 'corpus') {
    const { articles } = deps.index();
    const pages = Math.max(1, Math.ceil(articles.length / PAGE_SIZE));
    const page = Math.min(interaction.options.getInteger('page') ?? 1, pages);
    const lines = articles
      .slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)
      .map((a) => `• ${escapeText(truncate(a.title, 90))} — \`${a.file.replace(/`/g, "'")}\`${a.published ? ` · ${a.published.slice(0, 10)}` : ''}`);
    const head = `${articles.length} articles (page ${page} of ${pages}):`;
    await interaction.reply({ content: truncate([head, ...lines].join('\n'), L.content), flags: 'Ephemeral', allowedMentions: { parse: [] } });
  }
}
