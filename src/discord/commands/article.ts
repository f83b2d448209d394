import { ApplicationCommandOptionType, MessageFlags, PermissionFlagsBits } from 'discord-api-types/v10';
import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import { articleMetas, type ArchiveIndex } from '../../core/answerIndex.js';
import {
  AddRefused,
  addArticleFile,
  addArticleUrl,
  checkUploadName,
  UPLOAD_EXTENSIONS,
  type AddedArticle,
} from '../../ingest/add.js';
import { FetchRefused, safeFetch } from '../../ingest/fetch.js';
import { existingIds, guildIdPrefix } from '../../guildArchives.js';
import { deferOnce, UserError } from '../errors.js';
import { requirePermission } from '../guard.js';
import { defuseMentions, escapeText, truncate } from '../escape.js';
import { renderNotice } from '../render.js';
import { DISCORD_LIMITS as L } from '../limits.js';
import type { BotDeps } from '../types.js';
import type { SlashCommandModule } from './module.js';
import { guardedCommand } from './define.js';

const FILE_TYPES = UPLOAD_EXTENSIONS.join(', ');

export const articleCommand = guardedCommand({
  name: 'article',
  description: 'This server’s own articles: add, list, remove',
  permission: PermissionFlagsBits.ManageMessages,
  options: [
    {
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: 'add',
      description: 'Add an article to this server’s archive',
      options: [
        {
          type: ApplicationCommandOptionType.Subcommand,
          name: 'file',
          description: `Add an article from a file (${FILE_TYPES})`,
          options: [
            {
              type: ApplicationCommandOptionType.Attachment,
              name: 'file',
              description: `The article as a file: ${FILE_TYPES}`,
              required: true,
            },
          ],
        },
        {
          type: ApplicationCommandOptionType.Subcommand,
          name: 'url',
          description: 'Add an article from a web page',
          options: [
            {
              type: ApplicationCommandOptionType.String,
              name: 'url',
              description: 'A web page with the article',
              required: true,
              max_length: 2000,
            },
          ],
        },
      ],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'The articles this server added' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'remove',
      description: 'Remove an article this server added',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'file',
          description: 'The file (see /article list)',
          required: true,
          max_length: 200,
          autocomplete: true,
        },
      ],
    },
  ],
});

/** The titles of a server's added articles, by file name (the server's own ones first, as /article list shows them). */
function titlesByFile(index: ArchiveIndex, guildId: string): Map<string, string[]> {
  const prefix = guildIdPrefix(guildId);
  const shared = new Map<string, string[]>();
  const mine = new Map<string, string[]>();
  // A server's own article ids carry its prefix; a curator's additions are shared and carry none.
  for (const a of articleMetas(index)) {
    if (!a.file.startsWith('added/')) continue;
    const into = a.id.startsWith(prefix) ? mine : shared;
    const name = a.file.slice('added/'.length);
    into.set(name, [...(into.get(name) ?? []), a.title]);
  }
  return mine.size > 0 ? mine : shared;
}

/** Runs /article: add (a file or a web page), list or remove the server's own articles. */
export async function executeArticle(interaction: ChatInputCommandInteraction, deps: BotDeps): Promise<void> {
  requirePermission(
    interaction,
    PermissionFlagsBits.ManageMessages,
    'You need the Manage Messages permission to manage this server’s articles.',
  );
  const ingest = deps.ingest;
  if (!ingest) throw new UserError('Adding articles is not available in this Newsdesk.');
  const guildId = interaction.guildId;
  // Guild-only command; a DM (should Discord ever send one) must never touch the shared corpus.
  if (!guildId) throw new UserError('Articles can be managed only in a server.');
  const sub = interaction.options.getSubcommand();
  if (interaction.options.getSubcommandGroup() === 'add')
    return addArticle(interaction, deps, ingest, guildId, sub === 'file');
  if (sub === 'list') {
    const files = await ingest.added.list(guildId);
    if (files.length === 0)
      return void (await interaction.reply(
        renderNotice('This server has added no articles. Add one with `/article add file` or `/article add url`.'),
      ));
    const titles = titlesByFile(await deps.index(guildId), guildId);
    const lines = files.map((f) => {
      const t = titles.get(f) ?? [];
      return `• \`${f}\`${
        t.length
          ? ` — ${t
              .slice(0, 3)
              .map((x) => `“${escapeText(truncate(defuseMentions(x), 80))}”`)
              .join(', ')}${t.length > 3 ? ` and ${t.length - 3} more` : ''}`
          : ''
      }`;
    });
    await interaction.reply(
      renderNotice(`**${files.length} added file${files.length === 1 ? '' : 's'}:**\n${lines.join('\n')}`),
    );
    return;
  }
  if (sub === 'remove') {
    const name = interaction.options.getString('file', true).trim();
    await deferOnce(interaction, { flags: MessageFlags.Ephemeral });
    if (!(await ingest.added.remove(guildId, name)))
      throw new UserError('This server added no such file: see /article list.');
    const report = await (ingest.takeIn?.(guildId, `added/${name}`) ?? deps.reindex(guildId));
    await interaction.editReply({
      content: truncate(`Removed \`${name}\`. The archive now has ${report.articles} articles.`, L.content),
      allowedMentions: { parse: [] },
    });
  }
}

/** Suggests the server's added files for /article remove, matching what is typed. */
export async function autocompleteArticle(interaction: AutocompleteInteraction, deps: BotDeps): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId || !deps.ingest) return void (await interaction.respond([]));
  const typed = interaction.options.getFocused().trim().toLowerCase();
  const files = (await deps.ingest.added.list(guildId)).filter((f) => f.toLowerCase().includes(typed));
  await interaction.respond(
    files
      .filter((f) => f.length <= L.choiceValue)
      .slice(0, L.autocompleteChoices)
      .map((f) => ({ name: f, value: f })),
  );
}

/** /article add: fetches, validates and writes the article into the server's archive, reindexes it, confirms with its title. */
async function addArticle(
  interaction: ChatInputCommandInteraction,
  deps: BotDeps,
  ingest: NonNullable<BotDeps['ingest']>,
  guildId: string,
  fromFile: boolean,
): Promise<void> {
  const file = fromFile ? interaction.options.getAttachment('file', true) : null;
  const url = fromFile ? null : interaction.options.getString('url', true);
  await deferOnce(interaction, { flags: MessageFlags.Ephemeral });
  // The server's own folder (the shared corpus for a curator server); no id the server can see may be taken.
  const dir = ingest.dirFor(guildId);
  const existing = existingIds(await deps.index(guildId), guildId);
  let added: AddedArticle;
  try {
    if (file) {
      // Refused by name before it is downloaded, with the same check (and message) the upload gets.
      checkUploadName(file.name);
      if (file.size > ingest.fetch.maxBytes)
        throw new UserError(`That file is larger than ${Math.round(ingest.fetch.maxBytes / 1_000_000)} MB.`);
      const page = await safeFetch(file.url, ingest.fetch);
      added = await addArticleFile(dir, { name: file.name, content: page.body }, { existingIds: existing });
    } else {
      added = await addArticleUrl(dir, url!, ingest.fetch, { existingIds: existing });
    }
  } catch (err) {
    if (err instanceof AddRefused || err instanceof FetchRefused)
      throw new UserError(`Nothing was added: ${err.message}`);
    throw err;
  }
  // Replied once the article is answerable (its delta); the full rebuild goes on in the background.
  const report = await (ingest.takeIn?.(guildId, added.file) ?? deps.reindex(guildId));
  const titles = added.articles.map((a) => `“${escapeText(truncate(a.title, 150))}”`);
  const lines = [
    added.articles.length === 1
      ? `Added ${titles[0]} (\`${added.file}\`).`
      : `Added ${added.articles.length} articles from \`${added.file}\`: ${titles.slice(0, 5).join(', ')}${added.articles.length > 5 ? ', …' : ''}.`,
    `The archive now has ${report.articles} articles; questions in this server can find it at once.`,
  ];
  if (added.warnings.length > 0)
    lines.push(
      `${added.warnings.length} part(s) skipped: ${added.warnings
        .slice(0, 3)
        .map((w) => escapeText(`${w.line ? `line ${w.line}: ` : ''}${w.reason}`))
        .join('; ')}`,
    );
  await interaction.editReply({ content: truncate(lines.join('\n'), L.content), allowedMentions: { parse: [] } });
}

/** /article: its registration data and handlers as one module (see ./index.ts). */
export const article: SlashCommandModule = {
  data: articleCommand,
  execute: (i, { deps }) => executeArticle(i, deps),
  autocomplete: (i, { deps }) => autocompleteArticle(i, deps),
};
