import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import {
  DiscordAPIError,
  RESTJSONErrorCodes,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { DIGEST_DEFAULT_COUNT } from '../../core/digest.js';
import { FOLLOW_MAX_PER_MEMBER, FOLLOW_TOPIC_MAX_CHARS, normaliseTopic, topicSuggestions } from '../../core/follow.js';
import { AS_THEY_ARRIVE } from '../../digests/when.js';
import { UserError } from '../errors.js';
import { escapeText, truncate } from '../escape.js';
import { requirePermission } from '../guard.js';
import { DISCORD_LIMITS as L } from '../limits.js';
import { ROLE_BUTTON_PREFIX, renderChoices, renderRoleOffer } from '../render.js';
import type { BotDeps } from '../types.js';
import type { SlashCommandModule } from './module.js';

const topicOption = {
  type: ApplicationCommandOptionType.String,
  name: 'topic',
  description: 'A name, place or subject (suggestions come from the archive)',
  required: true,
  max_length: FOLLOW_TOPIC_MAX_CHARS,
  autocomplete: true,
} as const;

/** /follow: every member may follow topics; marking a channel for a topic needs Manage Server (checked when it runs). */
export const followCommand = {
  name: 'follow',
  description: 'Follow a topic: new articles on it come to you by DM',
  type: ApplicationCommandType.ChatInput,
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild],
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'add',
      description: 'Get a DM when a new article on a topic enters the archive',
      options: [topicOption],
    },
    { type: ApplicationCommandOptionType.Subcommand, name: 'list', description: 'The topics you follow here' },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'remove',
      description: 'Stop following a topic',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'topic',
          description: 'One of the topics you follow',
          required: true,
          max_length: FOLLOW_TOPIC_MAX_CHARS,
          autocomplete: true,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'channel',
      description: 'Admins: post new articles on a topic in a channel, pinging a role members opt into',
      options: [
        {
          type: ApplicationCommandOptionType.Channel,
          name: 'channel',
          description: 'Where new articles on the topic are posted',
          required: true,
          channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement],
        },
        topicOption,
        {
          type: ApplicationCommandOptionType.Role,
          name: 'role',
          description: 'The role those posts ping: members take or leave it with a button',
          required: true,
        },
      ],
    },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** A follow's value in autocomplete: its id, so two topics differing only in case stay apart. */
const FOLLOW_VALUE = 'follow:';

/** Runs /follow. */
export async function executeFollow(interaction: ChatInputCommandInteraction, deps: BotDeps): Promise<void> {
  if (!interaction.inGuild()) throw new UserError('/follow works only in a server.');
  const guildId = interaction.guildId;
  const userId = interaction.user.id;
  const sub = interaction.options.getSubcommand();
  const reply = (content: string) =>
    interaction.reply({
      content: truncate(content, L.content),
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
  const perDay = deps.follows?.perDay;

  if (sub === 'add') {
    const topic = checkedTopic(interaction.options.getString('topic', true));
    const mine = await deps.store.follows.list(guildId, userId);
    if (mine.length >= FOLLOW_MAX_PER_MEMBER)
      throw new UserError(`You follow ${FOLLOW_MAX_PER_MEMBER} topics here already: remove one with /follow remove.`);
    const follow = await deps.store.follows.add({ guildId, userId, topic });
    if (!follow) {
      const same = mine.find((f) => f.topic.toLowerCase() === topic.toLowerCase());
      throw new UserError(`You already follow “${escapeText(same?.topic ?? topic)}” here.`);
    }
    await reply(
      `You follow “${escapeText(topic)}”: each new article on it comes to you by DM with the sentence that matches` +
        `${perDay ? ` (at most ${perDay} message${perDay === 1 ? '' : 's'} a day; several arriving together make one)` : ''}.` +
        ' Keep DMs from this server open to get them.',
    );
    return;
  }
  if (sub === 'list') {
    const mine = await deps.store.follows.list(guildId, userId);
    if (mine.length === 0) return void (await reply('You follow no topics here. Follow one with /follow add.'));
    const lines = mine.map(
      (f) => `• “${escapeText(f.topic)}” since <t:${Math.floor(Date.parse(f.createdAt) / 1000)}:d>`,
    );
    await reply(`You follow ${mine.length} topic${mine.length === 1 ? '' : 's'} here:\n${lines.join('\n')}`);
    return;
  }
  if (sub === 'remove') {
    const value = interaction.options.getString('topic', true);
    const mine = await deps.store.follows.list(guildId, userId);
    const byId = value.startsWith(FOLLOW_VALUE)
      ? mine.find((f) => String(f.id) === value.slice(FOLLOW_VALUE.length))
      : undefined;
    const key = normaliseTopic(value).toLowerCase();
    const follow = byId ?? mine.find((f) => f.topic.toLowerCase() === key);
    if (!follow || !(await deps.store.follows.remove(guildId, userId, follow.id)))
      throw new UserError('You don’t follow that topic here: see /follow list.');
    await reply(`You no longer follow “${escapeText(follow.topic)}”.`);
    return;
  }
  if (sub === 'channel') {
    requirePermission(
      interaction,
      PermissionFlagsBits.ManageGuild,
      'You need the Manage Server permission to mark a channel for a topic.',
    );
    const channelId = interaction.options.getChannel('channel', true).id;
    const role = interaction.options.getRole('role', true);
    if (role.id === guildId) throw new UserError('Pick a role members can opt into, not @everyone.');
    if (role.managed) throw new UserError('That role belongs to an integration: pick one members can take themselves.');
    const topic = checkedTopic(interaction.options.getString('topic', true));
    const offer = renderRoleOffer(topic, role.id);
    try {
      await interaction.client.rest.post(Routes.channelMessages(channelId), {
        body: { content: offer.content, components: offer.components, allowed_mentions: { parse: [] } },
      });
    } catch (err) {
      if (
        err instanceof DiscordAPIError &&
        [RESTJSONErrorCodes.MissingAccess, RESTJSONErrorCodes.MissingPermissions].includes(err.code as number)
      )
        throw new UserError(`Newsdesk can’t post in <#${channelId}>: give it View Channel and Send Messages there.`);
      throw err;
    }
    const schedule = await deps.store.digests.addSchedule({
      guildId,
      channelId,
      cron: AS_THEY_ARRIVE,
      timezone: 'UTC',
      topic,
      count: DIGEST_DEFAULT_COUNT,
      createdBy: userId,
      roleId: role.id,
    });
    await reply(
      `New articles on “${escapeText(topic)}” will be posted in <#${channelId}> as they arrive, pinging <@&${role.id}> — members take or leave the role with the button posted there.` +
        ` This is digest schedule #${schedule.id}: stop it with /digest unschedule. Newsdesk needs Manage Roles, above that role, to hand it out.`,
    );
    return;
  }
}

/**
 * A topic as given, normalised; refused when it holds no letter or digit. Words the archive does
 * not hold yet are fine: following is for what comes next.
 */
function checkedTopic(raw: string): string {
  const topic = normaliseTopic(raw).slice(0, FOLLOW_TOPIC_MAX_CHARS);
  if (!/[\p{L}\p{N}]/u.test(topic)) throw new UserError('Give a topic to follow: a name, place or subject.');
  return topic;
}

/** Suggestions: the archive's names and tags for a topic to follow; the member's own follows for `remove`. */
export async function autocompleteFollow(interaction: AutocompleteInteraction, deps: BotDeps): Promise<void> {
  const typed = String(interaction.options.getFocused()).trim();
  if (interaction.options.getSubcommand() === 'remove') {
    const mine = interaction.guildId ? await deps.store.follows.list(interaction.guildId, interaction.user.id) : [];
    const lower = typed.toLowerCase();
    await interaction.respond(
      mine
        .filter((f) => !lower || f.topic.toLowerCase().includes(lower))
        .slice(0, L.autocompleteChoices)
        .map((f) => ({ name: truncate(f.topic, L.choiceName), value: `${FOLLOW_VALUE}${f.id}` })),
    );
    return;
  }
  const index = await deps.index(interaction.guildId);
  await interaction.respond(
    renderChoices([...(typed ? [typed] : []), ...topicSuggestions(index, typed, L.autocompleteChoices)]),
  );
}

/** The opt-in role button: takes the role when the member lacks it, else leaves it. */
export async function handleRoleButton(interaction: ButtonInteraction, deps: BotDeps): Promise<void> {
  const roleId = interaction.customId.slice(ROLE_BUTTON_PREFIX.length);
  if (!interaction.inGuild() || !/^\d{17,20}$/.test(roleId)) throw new UserError('That button no longer works.');
  const offered = (await deps.store.digests.schedules(interaction.guildId)).some((s) => s.roleId === roleId);
  if (!offered) throw new UserError('That role is no longer offered here.');
  const roles = interaction.member.roles;
  const has = Array.isArray(roles) ? roles.includes(roleId) : roles.cache.has(roleId);
  const route = Routes.guildMemberRole(interaction.guildId, interaction.user.id, roleId);
  try {
    if (has) await interaction.client.rest.delete(route);
    else await interaction.client.rest.put(route);
  } catch (err) {
    if (err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.MissingPermissions)
      throw new UserError('Newsdesk can’t hand out that role: an admin must give it Manage Roles above that role.');
    if (err instanceof DiscordAPIError && err.code === RESTJSONErrorCodes.UnknownRole)
      throw new UserError('That role no longer exists.');
    throw err;
  }
  await interaction.reply({
    content: has
      ? `You left <@&${roleId}>: its posts no longer ping you.`
      : `You took <@&${roleId}>: its posts here will ping you.`,
    flags: MessageFlags.Ephemeral,
    allowedMentions: { parse: [] },
  });
}

/** /follow: its registration data and handlers as one module (see ./index.ts). */
export const follow: SlashCommandModule = {
  data: followCommand,
  execute: (i, { deps }) => executeFollow(i, deps),
  autocomplete: (i, { deps }) => autocompleteFollow(i, deps),
  buttons: { prefix: ROLE_BUTTON_PREFIX, handle: (i, { deps }) => handleRoleButton(i, deps) },
};
