import { adminCommand, executeAdmin } from './admin.js';
import { askCommand, autocompleteAsk, executeAsk } from './ask.js';
import { askMessage } from './askMessage.js';
import { articleCommand, autocompleteArticle, executeArticle } from './article.js';
import { autocompleteDigest, digestCommand, executeDigest } from './digest.js';
import { autocompleteFeed, executeFeed, feedCommand } from './feed.js';
import { help } from './help.js';
import type { CommandModule, SlashCommandModule } from './module.js';

/** A slash command module (typed here so its handlers' parameters are). */
const slash = (m: SlashCommandModule): SlashCommandModule => m;

/**
 * Every command Newsdesk has, in one explicit list: deploy.ts registers it, the bot dispatches by
 * it, and /help describes it (so what members are told always matches what is registered).
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  slash({ data: askCommand, execute: (i, { deps, gate }) => executeAsk(i, deps, gate), autocomplete: (i, { deps }) => autocompleteAsk(i, deps) }),
  askMessage,
  help,
  slash({ data: digestCommand, execute: (i, { deps }) => executeDigest(i, deps), autocomplete: (i, { deps }) => autocompleteDigest(i, deps) }),
  slash({ data: articleCommand, execute: (i, { deps }) => executeArticle(i, deps), autocomplete: (i, { deps }) => autocompleteArticle(i, deps) }),
  slash({ data: feedCommand, execute: (i, { deps }) => executeFeed(i, deps), autocomplete: (i, { deps }) => autocompleteFeed(i, deps) }),
  slash({ data: adminCommand, execute: (i, { deps }) => executeAdmin(i, deps) }),
];
