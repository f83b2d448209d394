import { ApplicationCommandOptionType, MessageFlags, PermissionFlagsBits } from 'discord-api-types/v10';
import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import { FetchRefused } from '../../ingest/fetch.js';
import { probeFeed } from '../../ingest/feeds.js';
import { deferOnce, UserError } from '../errors.js';
import { requirePermission } from '../guard.js';
import { normaliseUrl } from '../../core/links.js';
import { escapeText, truncate } from '../escape.js';
import { DISCORD_LIMITS as L } from '../limits.js';
import type { BotDeps } from '../types.js';
import type { SlashCommandModule } from './module.js';
import { guardedCommand } from './define.js';

export const feedCommand = guardedCommand({
  name: 'feed',
  description: 'Follow RSS/Atom feeds: their new items are added to this server’s archive',
  permission: PermissionFlagsBits.ManageMessages,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'add',
      description: 'Follow a feed',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'url',
          description: 'The feed’s address (RSS or Atom)',
          required: true,
          max_length: 2000,
        },
      ],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'The feeds this server follows' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'remove',
      description: 'Stop following a feed (its articles stay in the archive)',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'feed',
          description: 'The feed’s number or address (see /feed list)',
          required: true,
          max_length: 2000,
          autocomplete: true,
        },
      ],
    },
  ],
});

/** A stored feed address as a link (normalised: it can't close the `<…>` or carry a masked link), or a note when it is not a safe link. */
function feedAddress(url: string): string {
  const safe = normaliseUrl(url);
  return safe === undefined ? '(address not shown: not a plain web link)' : `<${safe}>`;
}

/** Runs /feed: adding probes the feed first and brings in its current items at once. */
export async function executeFeed(interaction: ChatInputCommandInteraction, deps: BotDeps): Promise<void> {
  requirePermission(
    interaction,
    PermissionFlagsBits.ManageMessages,
    'You need the Manage Messages permission to manage feeds.',
  );
  const ingest = deps.ingest;
  if (!ingest) throw new UserError('Feeds are not available in this Newsdesk.');
  const reply = (content: string) =>
    interaction.reply({
      content: truncate(content, L.content),
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  const sub = interaction.options.getSubcommand();
  if (sub === 'add') {
    const url = interaction.options.getString('url', true).trim();
    await deferOnce(interaction, { flags: MessageFlags.Ephemeral });
    let probe: { title: string | null; entries: number };
    try {
      probe = await probeFeed(url, ingest.fetch);
    } catch (err) {
      if (err instanceof FetchRefused) throw new UserError(`That feed can’t be followed: ${err.message}`);
      throw new UserError('That address does not serve an RSS or Atom feed I can read.');
    }
    const feed = await deps.store.feeds.add({
      guildId: interaction.guildId,
      url,
      title: probe.title,
      addedBy: interaction.user.id,
    });
    if (!feed) throw new UserError('This server already follows that feed: see /feed list.');
    const report = await ingest.pollNow(feed.id);
    const name = probe.title ? `“${escapeText(truncate(probe.title, 100))}”` : 'the feed';
    await interaction.editReply({
      content: truncate(
        `Following ${name} (#${feed.id}, ${probe.entries} items): added ${report.added} new article${report.added === 1 ? '' : 's'}${report.errors ? `, ${report.errors} item(s) could not be read` : ''}. New items are checked every ${ingest.pollMinutes} minutes.`,
        L.content,
      ),
      allowedMentions: { parse: [] },
    });
    return;
  }
  if (sub === 'list') {
    const feeds = await deps.store.feeds.list(interaction.guildId);
    if (feeds.length === 0) return void (await reply('This server follows no feeds. Add one with /feed add.'));
    await reply(
      feeds
        .map(
          (f) =>
            `**#${f.id}** ${f.title ? `${escapeText(truncate(f.title, 80))} — ` : ''}${feedAddress(f.url)}${f.lastPolledAt ? ` · checked <t:${Math.floor(Date.parse(f.lastPolledAt) / 1000)}:R>` : ''}${f.lastError ? ` · ⚠ ${escapeText(f.lastError)}` : ''}`,
        )
        .join('\n'),
    );
    return;
  }
  if (sub === 'remove') {
    const which = interaction.options.getString('feed', true).trim().replace(/^#/, '');
    if (!(await deps.store.feeds.remove(interaction.guildId, which)))
      throw new UserError('This server follows no such feed: see /feed list.');
    await reply('Feed removed. The articles it brought stay in the archive.');
  }
}

/** Suggests this server's feeds for /feed remove: "#id title — address", the id as the value. */
export async function autocompleteFeed(interaction: AutocompleteInteraction, deps: BotDeps): Promise<void> {
  if (!interaction.guildId) return void (await interaction.respond([]));
  const typed = interaction.options.getFocused().trim().replace(/^#/, '').toLowerCase();
  const feeds = (await deps.store.feeds.list(interaction.guildId)).filter(
    (f) => !typed || String(f.id).startsWith(typed) || `${f.title ?? ''} ${f.url}`.toLowerCase().includes(typed),
  );
  await interaction.respond(
    feeds.slice(0, L.autocompleteChoices).map((f) => ({
      name: truncate(`#${f.id} ${f.title ? `${f.title} — ` : ''}${f.url}`, L.choiceName),
      value: String(f.id),
    })),
  );
}

/** /feed: its registration data and handlers as one module (see ./index.ts). */
export const feed: SlashCommandModule = {
  data: feedCommand,
  execute: (i, { deps }) => executeFeed(i, deps),
  autocomplete: (i, { deps }) => autocompleteFeed(i, deps),
};
