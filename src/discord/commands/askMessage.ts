import { ApplicationCommandType, ApplicationIntegrationType, InteractionContextType } from 'discord-api-types/v10';
import { MAX_QUESTION_CHARS } from '../../core/answer.js';
import { UserError } from '../errors.js';
import { replyWithAnswer } from './ask.js';
import type { MessageCommandModule } from './module.js';

/** The question in a message's text: its user mentions taken out (they are not words to search for), cut to the question limit. */
export function questionFromText(text: string): string {
  return text
    .replace(/<@[!&]?\d+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_QUESTION_CHARS);
}

/** "Ask Newsdesk" on a message (Apps menu): answers the message's text as a question, for everyone in the channel. */
export const askMessage: MessageCommandModule = {
  data: {
    name: 'Ask Newsdesk',
    type: ApplicationCommandType.Message,
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  },
  summary: 'On any message (Apps menu): answers the message’s text as a question',
  async execute(interaction, { deps, gate }) {
    // Discord sends a context-menu target's text even without the MessageContent intent.
    const question = questionFromText(interaction.targetMessage.content);
    if (!question) throw new UserError('That message has no text to ask about.');
    await replyWithAnswer(interaction, deps, gate, { command: 'context-menu', question, hide: false });
  },
};
