import { ApplicationCommandOptionType, ChannelType, PermissionFlagsBits } from 'discord-api-types/v10';
import type { ChatInputCommandInteraction } from 'discord.js';
import { deferOnce, UserError } from '../errors.js';
import { requirePermission } from '../guard.js';
import { escapeText, truncate } from '../escape.js';
import { DISCORD_LIMITS as L } from '../limits.js';
import type { BotDeps } from '../types.js';
import type { SlashCommandModule } from './module.js';
import { guardedCommand } from './define.js';
import { articleMetas } from '../../core/answerIndex.js';
import { isTimeZone } from '../../core/dates.js';
import { DIGEST_DEFAULT_COUNT, DIGEST_DEFAULT_TIMEZONE, DIGEST_MAX_COUNT } from '../../core/digest.js';
import { RATE_LIMIT_MAX_QUESTIONS } from '../../core/limits.js';

export const adminCommand = guardedCommand({
  name: 'admin',
  description: 'Manage Newsdesk: reindex, stats, settings, the articles in the archive',
  permission: PermissionFlagsBits.ManageGuild,
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'reindex',
      description: 'Rebuild the search index from the corpus and swap it in',
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'corpus',
      description: 'List the articles in the archive with their source files',
      options: [{ type: ApplicationCommandOptionType.Integer, name: 'page', description: 'Page number', min_value: 1 }],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'stats',
      description: 'Articles, questions answered and refused, what the archive lacks, feedback',
      options: [
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'days',
          description: 'Period in days (default 7)',
          min_value: 1,
          max_value: 365,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'config',
      description: 'Show or change this server’s settings (no options: show them)',
      options: [
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'answer_in',
          description: 'Answer mentions in this channel (once set, only in the listed channels)',
          channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.PublicThread],
        },
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'stop_answering_in',
          description: 'Stop answering mentions in this channel',
          channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement, ChannelType.PublicThread],
        },
        {
          type: ApplicationCommandOptionType.Boolean,
          name: 'answer_everywhere',
          description: 'Answer mentions in every channel again (clears the list)',
        },
        {
          type: ApplicationCommandOptionType.Boolean,
          name: 'keep_questions',
          description: 'Keep question text for “most asked unanswered” stats',
        },
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'digest_count',
          description: 'Articles per digest when no count is given',
          min_value: 1,
          max_value: DIGEST_MAX_COUNT,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'digest_timezone',
          description: 'Time zone for digest schedules, e.g. Europe/Rome',
          max_length: 64,
        },
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'rate_limit',
          description: 'Questions each member may ask per rate-limit window',
          min_value: 1,
          max_value: RATE_LIMIT_MAX_QUESTIONS,
        },
      ],
    },
  ],
});

const PAGE_SIZE = 20;

/** Runs /admin: the caller's Manage Server permission is checked here too, not only by Discord. */
export async function executeAdmin(interaction: ChatInputCommandInteraction, deps: BotDeps): Promise<void> {
  requirePermission(
    interaction,
    PermissionFlagsBits.ManageGuild,
    'You need the Manage Server permission to use /admin.',
  );
  const sub = interaction.options.getSubcommand();
  if (sub === 'reindex') {
    await deferOnce(interaction, { flags: 'Ephemeral' });
    const report = await deps.reindex(interaction.guildId);
    const lines = [
      report.rebuilt
        ? `Reindexed in ${Math.round(report.ms)} ms.`
        : 'The corpus has not changed: the index is current.',
      `${report.articles} articles, ${report.passages} passages.`,
    ];
    if (report.warnings.length > 0) {
      lines.push(`${report.warnings.length} file problem(s):`);
      for (const w of report.warnings.slice(0, 10))
        lines.push(`• ${escapeText(`${w.file}${w.line ? `:${w.line}` : ''}: ${w.reason}`)}`);
      if (report.warnings.length > 10) lines.push(`… and ${report.warnings.length - 10} more (see the logs).`);
    }
    await interaction.editReply({ content: truncate(lines.join('\n'), L.content), allowedMentions: { parse: [] } });
    return;
  }
  if (sub === 'corpus') {
    const articles = [...articleMetas(await deps.index(interaction.guildId))];
    const pages = Math.max(1, Math.ceil(articles.length / PAGE_SIZE));
    const page = Math.min(interaction.options.getInteger('page') ?? 1, pages);
    const seen = await deps.store.articles.firstSeen();
    const lines = articles.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((a) => {
      const dates = [
        a.published ? `published ${a.published.slice(0, 10)}` : '',
        seen.has(a.id) ? `first seen ${seen.get(a.id)!.slice(0, 10)}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return `• ${escapeText(truncate(a.title, 90))} — \`${a.file.replace(/`/g, "'")}\`${dates ? ` · ${dates}` : ''}`;
    });
    const head = `${articles.length} articles (page ${page} of ${pages}):`;
    await interaction.reply({
      content: truncate([head, ...lines].join('\n'), L.content),
      flags: 'Ephemeral',
      allowedMentions: { parse: [] },
    });
  }
  if (sub === 'stats') {
    await interaction.reply({
      content: truncate(
        await statsText(deps, interaction.guildId, interaction.options.getInteger('days') ?? 7),
        L.content,
      ),
      flags: 'Ephemeral',
      allowedMentions: { parse: [] },
    });
    return;
  }
  if (sub === 'config') {
    const changes = await applyConfig(deps, interaction.guildId, {
      answerIn: interaction.options.getChannel('answer_in')?.id ?? null,
      stopAnsweringIn: interaction.options.getChannel('stop_answering_in')?.id ?? null,
      answerEverywhere: interaction.options.getBoolean('answer_everywhere'),
      keepQuestions: interaction.options.getBoolean('keep_questions'),
      digestCount: interaction.options.getInteger('digest_count'),
      digestTimezone: interaction.options.getString('digest_timezone'),
      rateLimit: interaction.options.getInteger('rate_limit'),
    });
    const text = [
      changes.length ? `Saved: ${changes.join('; ')}.` : 'Current settings:',
      ...(await configLines(deps, interaction.guildId)),
    ].join('\n');
    await interaction.reply({ content: truncate(text, L.content), flags: 'Ephemeral', allowedMentions: { parse: [] } });
  }
}

/** The lines of `/admin stats`: the archive, questions over `days`, what it lacks, feedback. */
export async function statsText(deps: BotDeps, guildId: string, days: number): Promise<string> {
  const held = (await deps.index(guildId)).held();
  const s = await deps.store.activity.stats(guildId, days, 5);
  const asked = s.answered + s.refused;
  const lines = [
    `**Archive:** ${held.articles} articles, ${held.passages} passages.`,
    `**Last ${days} day${days === 1 ? '' : 's'}:** ${asked} question${asked === 1 ? '' : 's'}: ${s.answered} answered, ${s.refused} refused${asked ? ` (${Math.round((100 * s.refused) / asked)}% refused)` : ''}.`,
    `**Feedback:** ${s.feedback.up} 👍 · ${s.feedback.down} 👎`,
  ];
  if (s.unhelpful.length > 0) {
    lines.push('**Unhelpful answers** (more 👎 than 👍):');
    s.unhelpful.forEach((u, i) =>
      lines.push(
        `${i + 1}. ${u.question ? `“${escapeText(truncate(u.question, 150))}”` : '(question text not kept)'} · ${u.down} 👎 ${u.up} 👍`,
      ),
    );
  }
  if (s.unanswered.length > 0) {
    lines.push('**Most-asked unanswered** (what the archive lacks):');
    s.unanswered.forEach((u, i) =>
      lines.push(`${i + 1}. “${escapeText(truncate(u.question, 150))}”${u.count > 1 ? ` ×${u.count}` : ''}`),
    );
  } else if (s.refused > 0 && !(await deps.store.settings.keepsQuestionText(guildId))) {
    lines.push(
      'Question text is not kept in this server, so unanswered questions can’t be listed (`/admin config keep_questions:true`).',
    );
  }
  return lines.join('\n');
}

interface ConfigChange {
  answerIn: string | null;
  stopAnsweringIn: string | null;
  answerEverywhere: boolean | null;
  keepQuestions: boolean | null;
  digestCount: number | null;
  digestTimezone: string | null;
  rateLimit: number | null;
}

/** Validates every requested change first, then applies them all in one transaction; returns what changed. */
async function applyConfig(deps: BotDeps, guildId: string, c: ConfigChange): Promise<string[]> {
  const { store } = deps;
  if (c.digestTimezone !== null && !isTimeZone(c.digestTimezone))
    throw new UserError(
      `“${escapeText(truncate(c.digestTimezone, 64))}” is not a time zone I know: use a name like Europe/Rome, America/New_York or UTC. Nothing was changed.`,
    );
  if (c.answerEverywhere && c.answerIn)
    throw new UserError(
      '`answer_everywhere` clears the channel list, so it can’t go with `answer_in`. Nothing was changed.',
    );
  const done: string[] = [];
  await store.settings.configure(guildId, (draft) => {
    let channels = c.answerEverywhere ? [] : (draft.get('answerChannels') ?? []);
    if (c.answerEverywhere) done.push('mentions answered in every channel');
    if (c.answerIn && !channels.includes(c.answerIn)) {
      channels = [...channels, c.answerIn];
      done.push(`mentions answered in <#${c.answerIn}>`);
    }
    if (c.stopAnsweringIn) {
      if (channels.length === 0)
        throw new UserError(
          'Mentions are answered in every channel: list the channels to answer in with `answer_in` instead. Nothing was changed.',
        );
      if (channels.includes(c.stopAnsweringIn)) {
        channels = channels.filter((x) => x !== c.stopAnsweringIn);
        done.push(`mentions no longer answered in <#${c.stopAnsweringIn}>`);
      }
      if (channels.length === 0)
        throw new UserError(
          'That would leave no channel where mentions are answered: use `answer_everywhere:true` to answer everywhere. Nothing was changed.',
        );
    }
    draft.set('answerChannels', [...new Set(channels)]);
    if (c.keepQuestions !== null) {
      draft.set('storeQuestionText', c.keepQuestions);
      done.push(c.keepQuestions ? 'question text kept' : 'question text not kept');
    }
    if (c.digestCount !== null) {
      draft.set('digestCount', c.digestCount);
      done.push(`digests carry ${c.digestCount} articles`);
    }
    if (c.digestTimezone !== null) {
      draft.set('digestTimezone', c.digestTimezone);
      done.push(`digest time zone ${c.digestTimezone}`);
    }
    if (c.rateLimit !== null) {
      draft.set('rateLimitQuestions', c.rateLimit);
      done.push(`${c.rateLimit} questions per member per window`);
    }
  });
  return done;
}

/** The guild's settings, one per line, for `/admin config`. */
async function configLines(deps: BotDeps, guildId: string): Promise<string[]> {
  const { store } = deps;
  const channels = await store.settings.answerChannels(guildId);
  const windowS = Math.round(deps.rateLimit.windowMs / 1000);
  return [
    `• Mentions answered in: ${channels.length ? channels.map((c) => `<#${c}>`).join(', ') : 'every channel'}`,
    `• Question text kept for stats: ${(await store.settings.keepsQuestionText(guildId)) ? 'yes' : 'no'}`,
    `• Digest: ${(await store.settings.get(guildId, 'digestCount')) ?? DIGEST_DEFAULT_COUNT} articles, time zone ${(await store.settings.get(guildId, 'digestTimezone')) ?? DIGEST_DEFAULT_TIMEZONE}`,
    `• Rate limit: ${(await store.settings.get(guildId, 'rateLimitQuestions')) ?? deps.rateLimit.questions} questions per member per ${windowS} s`,
  ];
}

/** /admin: its registration data and handlers as one module (see ./index.ts). */
export const admin: SlashCommandModule = {
  data: adminCommand,
  execute: (i, { deps }) => executeAdmin(i, deps),
};
