import type {
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
} from 'discord.js';
import type { QuestionGate } from '../rateLimit.js';
import type { BotDeps } from '../types.js';

/** What every handler is given: the bot's dependencies, the question rate gate, and the command list (for /help). */
export interface CommandContext {
  deps: BotDeps;
  gate: QuestionGate;
  commands: readonly CommandModule[];
}

/** A slash command: its registration data and its handlers, together. */
export interface SlashCommandModule {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute: (interaction: ChatInputCommandInteraction, ctx: CommandContext) => Promise<void>;
  autocomplete?: (interaction: AutocompleteInteraction, ctx: CommandContext) => Promise<void>;
  /** The buttons the command's replies carry: clicks whose custom id starts with `prefix`. */
  buttons?: { prefix: string; handle: (interaction: ButtonInteraction, ctx: CommandContext) => Promise<void> };
}

/** A message context-menu command; `summary` says what it does in /help (Discord gives such commands no description). */
export interface MessageCommandModule {
  data: RESTPostAPIContextMenuApplicationCommandsJSONBody;
  summary: string;
  execute: (interaction: MessageContextMenuCommandInteraction, ctx: CommandContext) => Promise<void>;
}

export type CommandModule = SlashCommandModule | MessageCommandModule;
