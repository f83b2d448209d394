import type { ChatInputCommandInteraction } from 'discord.js';
import { UserError } from './errors.js';

/**
 * The runtime half of a command's permission rule (Discord's `default_member_permissions` is the
 * other, and server admins can change it): in a guild, with `permission`, or a clear refusal.
 */
export function requirePermission(interaction: ChatInputCommandInteraction, permission: bigint, refusal: string): asserts interaction is ChatInputCommandInteraction<'cached' | 'raw'> {
  if (!interaction.inGuild() || !interaction.memberPermissions?.has(permission)) throw new UserError(refusal);
}
