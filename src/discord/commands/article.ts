import {
  ApplicationCommandOptionType,
  MessageFlags,
  PermissionFlagsBits,
} from 'discord-api-types/v10';
import type { ChatInputCommandInteraction } from 'discord.js';
import { ARTICLE_EXTENSIONS } from '../../core/article.js';
import { AddRefused, addArticleFile, addArticleUrl, type AddedArticle } from '../../ingest/add.js';
import { FetchRefused, safeFetch } from '../../ingest/fetch.js';
import { existingIds } from '../../guildArchives.js';
import { deferOnce, UserError } from '../errors.js';
import { requirePermission } from '../guard.js';
import { escapeText, truncate } from '../escape.js';
import { DISCORD_LIMITS as L } from '../limits.js';
import type { BotDeps } from '../types.js';
import { guardedCommand } from './define.js';

export const articleCommand = guardedCommand({
  name: 'article',
  description: 'Add articles to this server’s archive',
  permission: PermissionFlagsBits.ManageMessages,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'add',
      description: 'Add an article from a file (txt, md, html, json, jsonl) or a web page',
      options: [
        { type: ApplicationCommandOptionType.Attachment, name: 'file', description: 'The article as a file: txt, md, html, json or jsonl' },
        { type: ApplicationCommandOptionType.String, name: 'url', description: 'A web page with the article', max_length: 2000 },
      ],
    },
  ],
});

/** Runs /article add: fetches, validates and writes the article into the server's archive, reindexes it, confirms with its title. */
export async function executeArticle(interaction: ChatInputCommandInteraction, deps: BotDeps): Promise<void> {
  requirePermission(interaction, PermissionFlagsBits.ManageMessages, 'You need the Manage Messages permission to add articles.');
  const ingest = deps.ingest;
  if (!ingest) throw new UserError('Adding articles is not available in this Newsdesk.');
  const file = interaction.options.getAttachment('file');
  const url = interaction.options.getString('url');
  if (!file === !url) throw new UserError('Give either a `file` or a `url` (one of them).');
  await deferOnce(interaction, { flags: MessageFlags.Ephemeral });
  const guildId = interaction.guildId;
  // Guild-only command; a DM (should Discord ever send one) must never write to the shared corpus.
  if (!guildId) throw new UserError('Articles can be added only in a server.');
  // The server's own folder (the shared corpus for a curator server); no id the server can see may be taken.
  const dir = ingest.dirFor(guildId);
  const existing = existingIds(await deps.index(guildId), guildId);
  let added: AddedArticle;
  try {
    if (file) {
      if (!ARTICLE_EXTENSIONS.some((ext) => file.name.toLowerCase().endsWith(ext))) throw new UserError(`“${escapeText(truncate(file.name, 80))}” is not a file I can read: send ${ARTICLE_EXTENSIONS.join(', ')}.`);
      if (file.size > ingest.fetch.maxBytes) throw new UserError(`That file is larger than ${Math.round(ingest.fetch.maxBytes / 1_000_000)} MB.`);
      const page = await safeFetch(file.url, ingest.fetch);
      added = await addArticleFile(dir, { name: file.name, content: page.body }, { existingIds: existing });
    } else {
      added = await addArticleUrl(dir, url!, ingest.fetch, { existingIds: existing });
    }
  } catch (err) {
    if (err instanceof AddRefused || err instanceof FetchRefused) throw new UserError(`Nothing was added: ${err.message}`);
    throw err;
  }
  const report = await deps.reindex(guildId);
  const titles = added.articles.map((a) => `“${escapeText(truncate(a.title, 150))}”`);
  const lines = [
    added.articles.length === 1 ? `Added ${titles[0]} (\`${added.file}\`).` : `Added ${added.articles.length} articles from \`${added.file}\`: ${titles.slice(0, 5).join(', ')}${added.articles.length > 5 ? ', …' : ''}.`,
    `The archive now has ${report.articles} articles; questions in this server can find it at once.`,
  ];
  if (added.warnings.length > 0) lines.push(`${added.warnings.length} part(s) skipped: ${added.warnings.slice(0, 3).map((w) => escapeText(`${w.line ? `line ${w.line}: ` : ''}${w.reason}`)).join('; ')}`);
  await interaction.editReply({ content: truncate(lines.join('\n'), L.content), allowedMentions: { parse: [] } });
}
