import {
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type APIApplicationCommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';

/** What a guarded command says besides its name: who sees it, and its options. */
export interface GuardedCommandSpec<Name extends string> {
  name: Name;
  description: string;
  /** One of PermissionFlagsBits: Discord shows the command only to members who have it. */
  permission: bigint;
  options: APIApplicationCommandOption[];
}

/**
 * A slash command for servers only (not in DMs), shown only to members with `permission`. Where it
 * may be used is said with `contexts` and `integration_types` (installed to a server), which replace
 * the deprecated `dm_permission`.
 * Discord's check is a default a server can override: the command's handler checks the permission again when it runs (requirePermission).
 * The keys keep the order Discord has always been sent.
 */
export function guardedCommand<const Name extends string>(
  spec: GuardedCommandSpec<Name>,
): RESTPostAPIChatInputApplicationCommandsJSONBody & { name: Name } {
  return {
    name: spec.name,
    description: spec.description,
    type: ApplicationCommandType.ChatInput,
    default_member_permissions: String(spec.permission),
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts: [InteractionContextType.Guild],
    options: spec.options,
  };
}
