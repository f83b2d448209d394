import {
  ApplicationCommandOptionType,
  ChannelType,
  MessageFlags,
  PermissionFlagsBits,
  type APIApplicationCommandBasicOption,
} from 'discord-api-types/v10';
import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import {
  DIGEST_DEFAULT_COUNT,
  DIGEST_DEFAULT_TIMEZONE,
  DIGEST_MAX_COUNT,
  DigestInputError,
  explainVerdict,
} from '../../core/digest.js';
import type { DigestAsk } from '../../digests/service.js';
import { describeWhen, parseWhen, postsOnArrival, WhenError } from '../../digests/when.js';
import { findArticle as findInArchive, type ArchiveIndex } from '../../core/answerIndex.js';
import { isTimeZone } from '../../core/dates.js';
import { deferOnce, UserError } from '../errors.js';
import { requirePermission } from '../guard.js';
import { escapeText, truncate } from '../escape.js';
import { DISCORD_LIMITS as L } from '../limits.js';
import { articleKey, renderChoices, renderDigest } from '../render.js';
import type { BotDeps } from '../types.js';
import type { SlashCommandModule } from './module.js';
import { guardedCommand } from './define.js';

const POSTABLE: Array<ChannelType.GuildText | ChannelType.GuildAnnouncement | ChannelType.PublicThread> = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.PublicThread,
];

const selectionOptions: APIApplicationCommandBasicOption[] = [
  {
    type: ApplicationCommandOptionType.String,
    name: 'topic',
    description: 'Only articles about this (names, places, subjects)',
    max_length: 100,
    autocomplete: true,
  },
  {
    type: ApplicationCommandOptionType.String,
    name: 'since',
    description: 'Only articles from this period: 7d, 24h, 2w or a date like 2026-01-31',
    max_length: 40,
  },
  {
    type: ApplicationCommandOptionType.Integer,
    name: 'count',
    description: `How many articles (1 to ${DIGEST_MAX_COUNT})`,
    min_value: 1,
    max_value: DIGEST_MAX_COUNT,
  },
  {
    type: ApplicationCommandOptionType.Channel,
    name: 'channel',
    description: 'Channel (default: this one)',
    channel_types: POSTABLE,
  },
];

export const digestCommand = guardedCommand({
  name: 'digest',
  description: 'Post, preview and schedule digests of articles',
  permission: PermissionFlagsBits.ManageMessages,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'post',
      description: 'Post a digest of articles not yet posted to the channel',
      options: selectionOptions,
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'preview',
      description: 'See the digest /digest post would post (only you see it)',
      options: selectionOptions,
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'schedule',
      description: 'Post a digest of new articles on a schedule',
      options: [
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'channel',
          description: 'Where to post',
          required: true,
          channel_types: POSTABLE,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'when',
          description: '"daily at 09:00", "weekly on friday at 17:30", "as they arrive" or a cron pattern',
          required: true,
          max_length: 60,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'timezone',
          description: `Time zone, e.g. Europe/Rome (default: the server’s, else ${DIGEST_DEFAULT_TIMEZONE})`,
          max_length: 64,
        },
        selectionOptions[0]!,
        selectionOptions[2]!,
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'unschedule',
      description: 'Stop a scheduled digest',
      options: [
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'id',
          description: 'The schedule’s number (see /digest list)',
          required: true,
          min_value: 1,
          autocomplete: true,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'list',
      description: 'List this server’s scheduled digests',
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'why',
      description: 'Why an article was or was not in the last digest',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'article',
          description: 'The article’s title',
          required: true,
          max_length: 200,
          autocomplete: true,
        },
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'channel',
          description: 'The digest’s channel (default: the last digest anywhere here)',
          channel_types: POSTABLE,
        },
      ],
    },
  ],
});

const ARTICLE_VALUE = 'article:';

/** Runs /digest: the caller's Manage Messages permission is checked here too, not only by Discord. */
export async function executeDigest(interaction: ChatInputCommandInteraction, deps: BotDeps): Promise<void> {
  requirePermission(
    interaction,
    PermissionFlagsBits.ManageMessages,
    'You need the Manage Messages permission to use /digest.',
  );
  const digests = deps.digests;
  if (!digests) throw new UserError('Digests are not available in this Newsdesk (no database).');
  const { service, scheduler } = digests;
  const guildId = interaction.guildId;
  const sub = interaction.options.getSubcommand();
  const ask = (): DigestAsk => ({
    topic: interaction.options.getString('topic'),
    since: interaction.options.getString('since'),
    count: interaction.options.getInteger('count'),
  });
  const reply = (content: string) =>
    interaction.reply({
      content: truncate(content, L.content),
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });

  try {
    if (sub === 'preview') {
      const channelId = interaction.options.getChannel('channel')?.id ?? interaction.channelId;
      const selection = await service.select(guildId, channelId, ask());
      if (selection.items.length === 0) return void (await reply(nothingText(ask(), channelId)));
      const payload = renderDigest(
        { marker: 'digest (preview)', topic: ask().topic ?? null, items: selection.items },
        `Preview for <#${channelId}> — only you see this.\n`,
      );
      await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
      return;
    }
    if (sub === 'post') {
      const channelId = interaction.options.getChannel('channel')?.id ?? interaction.channelId;
      await deferOnce(interaction, { flags: MessageFlags.Ephemeral });
      const outcome = await service.post(guildId, channelId, ask());
      const text = outcome.posted
        ? `Posted a digest of ${outcome.items.length} article${outcome.items.length === 1 ? '' : 's'} in <#${channelId}>.`
        : outcome.reason === 'nothing-new'
          ? nothingText(ask(), channelId)
          : `Another digest is being posted in <#${channelId}> right now: try again in a minute.`;
      await interaction.editReply({ content: text, allowedMentions: { parse: [] } });
      return;
    }
    if (sub === 'schedule') {
      const channelId = interaction.options.getChannel('channel', true).id;
      const cron = parseWhen(interaction.options.getString('when', true));
      const timezone =
        interaction.options.getString('timezone') ??
        (await deps.store.settings.get(guildId, 'digestTimezone')) ??
        DIGEST_DEFAULT_TIMEZONE;
      if (!isTimeZone(timezone))
        throw new UserError(
          `“${escapeText(truncate(timezone, 64))}” is not a time zone I know: use a name like Europe/Rome, America/New_York or UTC.`,
        );
      const topic = interaction.options.getString('topic');
      const count =
        interaction.options.getInteger('count') ??
        (await deps.store.settings.get(guildId, 'digestCount')) ??
        DIGEST_DEFAULT_COUNT;
      const schedule = await deps.store.digests.addSchedule({
        guildId,
        channelId,
        cron,
        timezone,
        topic,
        count,
        createdBy: interaction.user.id,
      });
      await scheduler.arm(schedule.id);
      const next = await scheduler.nextRun(schedule.id);
      await reply(
        `Scheduled digest #${schedule.id}: ${describeWhen(cron, timezone)} in <#${channelId}>, up to ${count} new article${count === 1 ? '' : 's'}${topic ? ` on “${escapeText(topic)}”` : ''}.` +
          (postsOnArrival(cron)
            ? ' Each new article is posted once, as it arrives (several arriving together make one post); articles already in the archive are not.'
            : `${next ? ` Next: <t:${Math.floor(next.getTime() / 1000)}:F>.` : ''} The first run posts the newest ${count} and counts the rest as already seen.`),
      );
      return;
    }
    if (sub === 'unschedule') {
      const id = interaction.options.getInteger('id', true);
      if (!(await deps.store.digests.removeSchedule(guildId, id)))
        throw new UserError(`There is no scheduled digest #${id} in this server: see /digest list.`);
      scheduler.disarm(id);
      await reply(`Scheduled digest #${id} removed.`);
      return;
    }
    if (sub === 'list') {
      const schedules = await deps.store.digests.schedules(guildId);
      if (schedules.length === 0)
        return void (await reply('No scheduled digests in this server. Add one with /digest schedule.'));
      const nexts = await Promise.all(schedules.map((s) => scheduler.nextRun(s.id)));
      const lines = schedules.map((s, i) => {
        const next = nexts[i];
        const state = s.pausedReason
          ? `⏸ paused: ${escapeText(s.pausedReason)}`
          : postsOnArrival(s.cron)
            ? `posts new articles as they arrive${s.roleId ? `, pinging <@&${s.roleId}>` : ''}`
            : next
              ? `next <t:${Math.floor(next.getTime() / 1000)}:R>`
              : 'not running';
        return `**#${s.id}** <#${s.channelId}> · ${describeWhen(s.cron, s.timezone)} · up to ${s.count}${s.topic ? ` on “${escapeText(s.topic)}”` : ''} · ${state}${s.lastRunAt ? ` · last ran <t:${Math.floor(Date.parse(s.lastRunAt) / 1000)}:R>` : ''}`;
      });
      await reply(lines.join('\n'));
      return;
    }
    if (sub === 'why') {
      const article = await findArticle(deps, guildId, interaction.options.getString('article', true));
      const channelId = interaction.options.getChannel('channel')?.id;
      const why = await service.why(guildId, article.id, channelId);
      if (why.verdict === 'no-digest')
        return void (await reply(
          `No digest has been posted ${channelId ? `in <#${channelId}>` : 'in this server'} yet.`,
        ));
      const run = why.run!;
      const when = `<t:${Math.floor(Date.parse(run.postedAt ?? run.createdAt) / 1000)}:f>`;
      const text =
        why.verdict === 'not-in-archive'
          ? 'it was not in the archive yet when that digest was made.'
          : escapeText(explainVerdict(why.verdict));
      await reply(
        `“${escapeText(truncate(article.title, 150))}” and the last digest in <#${run.channelId}> (${when}): ${text}`,
      );
      return;
    }
  } catch (err) {
    if (err instanceof DigestInputError || err instanceof WhenError) throw new UserError(err.message);
    throw err;
  }
}

function nothingText(ask: DigestAsk, channelId: string): string {
  return ask.topic || ask.since
    ? `Nothing to post in <#${channelId}>: no article${ask.topic ? ` on “${escapeText(truncate(ask.topic, 100))}”` : ''}${ask.since ? ` since ${escapeText(ask.since)}` : ''} that hasn’t been posted there already.`
    : `Nothing new to post in <#${channelId}>: every article has been posted there already.`;
}

/** The article a `/digest why` names: an autocomplete choice, else the best title match. */
async function findArticle(deps: BotDeps, guildId: string, value: string): Promise<{ id: string; title: string }> {
  const index = await deps.index(guildId);
  if (value.startsWith(ARTICLE_VALUE)) {
    const key = value.slice(ARTICLE_VALUE.length);
    const found = findInArchive(index, (a) => articleKey(a.id) === key);
    if (found) return found.meta;
  }
  const title = value.trim().toLowerCase();
  const exact = findInArchive(index, (a) => a.title.toLowerCase() === title);
  if (exact) return exact.meta;
  const hit = index.search(value, { k: 1 }).hits[0];
  if (!hit) throw new UserError('No article in the archive matches that title: pick one from the suggestions.');
  return index.article(hit.article);
}

/** The last `n` articles of the archive, the newest added first. */
function lastArticles(index: ArchiveIndex, n: number): Array<{ id: string; title: string }> {
  const out: Array<{ id: string; title: string }> = [];
  for (const a of index.listArticles()) {
    out.push({ id: a.meta.id, title: a.meta.title });
    if (out.length > n) out.shift();
  }
  return out.reverse();
}

/** Suggestions for /digest: article titles for `why`, topics for `topic`, schedules for `unschedule`. */
export async function autocompleteDigest(interaction: AutocompleteInteraction, deps: BotDeps): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value).trim();
  const index = await deps.index(interaction.guildId);
  if (focused.name === 'article') {
    const articles = typed
      ? index.search(typed, { k: L.autocompleteChoices }).hits.map((h) => index.article(h.article))
      : lastArticles(index, L.autocompleteChoices);
    await interaction.respond(
      articles
        .slice(0, L.autocompleteChoices)
        .map((a) => ({ name: truncate(a.title, L.choiceName), value: `${ARTICLE_VALUE}${articleKey(a.id)}` })),
    );
    return;
  }
  if (focused.name === 'id') {
    const schedules = interaction.guildId ? await deps.store.digests.schedules(interaction.guildId) : [];
    await interaction.respond(
      schedules.slice(0, L.autocompleteChoices).map((s) => ({
        name: truncate(`#${s.id} · ${describeWhen(s.cron, s.timezone)}${s.topic ? ` · ${s.topic}` : ''}`, L.choiceName),
        value: s.id,
      })),
    );
    return;
  }
  const lower = typed.toLowerCase();
  const topics = index.aliases.groups.map((g) => g.names[0]!).filter((n) => !lower || n.toLowerCase().includes(lower));
  await interaction.respond(renderChoices([...(typed ? [typed] : []), ...topics]));
}

/** /digest: its registration data and handlers as one module (see ./index.ts). */
export const digest: SlashCommandModule = {
  data: digestCommand,
  execute: (i, { deps }) => executeDigest(i, deps),
  autocomplete: (i, { deps }) => autocompleteDigest(i, deps),
};
