import { DiscordAPIError, RESTJSONErrorCodes, Routes, type APIMessage, type Client } from 'discord.js';
import { PostRefused, type DigestPoster } from '../digests/service.js';
import { truncate } from './escape.js';
import { DISCORD_LIMITS as L } from './limits.js';
import { renderDigest } from './render.js';

/** Discord's answers that mean "this bot may not post there": waiting won't fix them, a person must. */
const REFUSALS = new Set<number>([
  RESTJSONErrorCodes.MissingAccess,
  RESTJSONErrorCodes.MissingPermissions,
  RESTJSONErrorCodes.UnknownChannel,
  RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel,
]);

function refusal(err: unknown, channelId: string): unknown {
  if (err instanceof DiscordAPIError && typeof err.code === 'number' && REFUSALS.has(err.code)) {
    const why =
      err.code === RESTJSONErrorCodes.UnknownChannel
        ? 'the channel no longer exists'
        : err.code === RESTJSONErrorCodes.CannotSendMessagesInNonTextChannel
          ? 'it is not a channel Newsdesk can post in'
          : 'Newsdesk lacks permission to post there';
    return new PostRefused(`${why} (<#${channelId}>, Discord error ${err.code})`);
  }
  return err;
}

/**
 * Posts digests and finds them again by their marker after a restart, by channel id over REST.
 * Not through `client.channels`: a sharded client only knows its own shard's guilds, and the
 * scheduler runs in one process for all of them. Discord answers for any channel the bot may see.
 */
export function discordPoster(client: Client): DigestPoster {
  return {
    async post(channelId, digest) {
      const payload = renderDigest(digest);
      try {
        // An opt-in role post names its role, and allowed_mentions lets that role alone ping:
        // the only ping Newsdesk makes. Everything else pings nobody.
        const role = digest.roleId;
        const body = role
          ? {
              content: truncate(`<@&${role}> ${payload.content}`, L.content),
              embeds: payload.embeds,
              allowed_mentions: { parse: [], roles: [role] },
            }
          : { content: payload.content, embeds: payload.embeds, allowed_mentions: { parse: [] } };
        const message = (await client.rest.post(Routes.channelMessages(channelId), { body })) as APIMessage;
        return message.id;
      } catch (err) {
        throw refusal(err, channelId);
      }
    },
    async find(channelId, marker) {
      const recent = (await client.rest
        .get(Routes.channelMessages(channelId), { query: new URLSearchParams({ limit: '50' }) })
        .catch((err: unknown) => {
          throw refusal(err, channelId);
        })) as APIMessage[];
      const pattern = new RegExp(`${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\d)`, 'i');
      return recent.find((m) => m.author.id === client.user?.id && pattern.test(m.content))?.id ?? null;
    },
  };
}
