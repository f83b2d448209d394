import { DiscordAPIError, RESTJSONErrorCodes, type Client } from 'discord.js';
import { PostRefused, type DigestPoster } from '../digests/service.js';
import { renderDigest } from './render.js';

/** Discord's answers that mean "this bot may not post there": waiting won't fix them, a person must. */
const REFUSALS = new Set<number>([RESTJSONErrorCodes.MissingAccess, RESTJSONErrorCodes.MissingPermissions, RESTJSONErrorCodes.UnknownChannel]);

function refusal(err: unknown, channelId: string): unknown {
  if (err instanceof DiscordAPIError && typeof err.code === 'number' && REFUSALS.has(err.code)) {
    const why = err.code === RESTJSONErrorCodes.UnknownChannel ? 'the channel no longer exists' : 'Newsdesk lacks permission to post there';
    return new PostRefused(`${why} (<#${channelId}>, Discord error ${err.code})`);
  }
  return err;
}

/** Posts digests with a discord.js client and finds them again by their marker after a restart. */
export function discordPoster(client: Client): DigestPoster {
  const channelOf = async (channelId: string) => {
    const channel = await client.channels.fetch(channelId).catch((err: unknown) => {
      throw refusal(err, channelId);
    });
    if (!channel?.isSendable() || !('messages' in channel)) throw new PostRefused(`<#${channelId}> is not a channel Newsdesk can post in`);
    return channel;
  };
  return {
    async post(channelId, digest) {
      const channel = await channelOf(channelId);
      const payload = renderDigest(digest);
      try {
        const message = await channel.send({ content: payload.content, embeds: payload.embeds, allowedMentions: payload.allowedMentions });
        return message.id;
      } catch (err) {
        throw refusal(err, channelId);
      }
    },
    async find(channelId, marker) {
      const channel = await channelOf(channelId);
      const recent = await channel.messages.fetch({ limit: 50, cache: false });
      const pattern = new RegExp(`${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\d)`, 'i');
      return recent.find((m) => m.author.id === client.user?.id && pattern.test(m.content))?.id ?? null;
    },
  };
}
