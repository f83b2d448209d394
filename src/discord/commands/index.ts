import { admin } from './admin.js';
import { article } from './article.js';
import { ask } from './ask.js';
import { askMessage } from './askMessage.js';
import { digest } from './digest.js';
import { feed } from './feed.js';
import { follow } from './follow.js';
import { help } from './help.js';
import type { CommandModule } from './module.js';

/**
 * Every command Newsdesk has, in one explicit list: deploy.ts registers it, the bot dispatches by
 * it (commands, autocomplete and buttons), and /help describes it, so what members are told always
 * matches what is registered.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [ask, askMessage, help, digest, article, feed, admin, follow];
