import { DiscordAPIError, RESTJSONErrorCodes, Routes, type APIChannel, type Client } from 'discord.js';
import { MemberGone, type FollowSender } from '../follows/service.js';
import { renderFollowMessage } from './render.js';

/** Discord's answers that mean the member can't be reached: their follows in that server end. */
const GONE: ReadonlyMap<number, string> = new Map([
  [RESTJSONErrorCodes.UnknownMember, 'left the server'],
  [RESTJSONErrorCodes.UnknownUser, 'no longer exists'],
  [RESTJSONErrorCodes.CannotSendMessagesToThisUser, 'does not accept DMs from Newsdesk'],
]);

function gone(err: unknown): unknown {
  if (err instanceof DiscordAPIError && typeof err.code === 'number') {
    const why = GONE.get(err.code);
    if (why) return new MemberGone(`${why} (Discord error ${err.code})`);
  }
  return err;
}

/**
 * Sends follow messages by DM over REST (any shard's member: the sweep runs in one process for
 * every server). The member is looked up in the server first: one who left gets nothing more.
 */
export function discordFollowSender(client: Client): FollowSender {
  return {
    async send(guildId, userId, message) {
      try {
        await client.rest.get(Routes.guildMember(guildId, userId));
        const dm = (await client.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as APIChannel;
        const payload = renderFollowMessage(message);
        await client.rest.post(Routes.channelMessages(dm.id), {
          // The ledger key as nonce, enforced: when a send that timed out is retried (by the REST
          // client), Discord returns the message it already made instead of a second one.
          body: {
            content: payload.content,
            embeds: payload.embeds,
            allowed_mentions: { parse: [] },
            nonce: message.key,
            enforce_nonce: true,
          },
        });
      } catch (err) {
        throw gone(err);
      }
    },
  };
}
