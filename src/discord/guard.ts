import type { ChatInputCommandInteraction } from 'discord.js';
import { UserError } from './errors.js';

/**
 * The runtime half of a command's permission rule (Discord's `default_member_permissions` and
 * `contexts: [Guild]` are the other, and server admins can change the first): in a server, with
 * `permission`, or a clear refusal. Outside a server (a DM) the refusal says so rather than naming
 * a permission nobody has there.
 */
export function requirePermission(
  interaction: ChatInputCommandInteraction,
  permission: bigint,
  refusal: string,
): asserts interaction is ChatInputCommandInteraction<'cached' | 'raw'> {
  if (!interaction.inGuild()) throw new UserError(`/${interaction.commandName} works only in a server.`);
  if (!interaction.memberPermissions?.has(permission)) throw new UserError(refusal);
}
