import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction } from 'discord.js';
import { answerQuestion, MAX_QUESTION_CHARS } from '../../core/answer.js';
import { deferOnce, UserError } from '../errors.js';
import { articleKey, questionOf, renderAnswer, renderChoices, renderNotice, renderPassage, type ParsedCustomId } from '../render.js';
import type { BotDeps } from '../types.js';
import type { QuestionGate } from '../rateLimit.js';
import { recordQuery } from '../queryLog.js';

export const askCommand = {
  name: 'ask',
  description: 'Ask the news archive a question; get quoted answers with their sources',
  type: ApplicationCommandType.ChatInput,
  // Installed to servers; asked in a server or in a DM with the bot.
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  options: [
    { type: ApplicationCommandOptionType.String, name: 'question', description: 'What do you want to know?', required: true, max_length: MAX_QUESTION_CHARS, autocomplete: true },
    { type: ApplicationCommandOptionType.Boolean, name: 'hide', description: 'Only you see the answer' },
    { type: ApplicationCommandOptionType.User, name: 'mention', description: 'Point someone at the answer' },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** Answers /ask: acknowledged at once (deferred), then edited with the answer. */
export async function executeAsk(interaction: ChatInputCommandInteraction, deps: BotDeps, gate: QuestionGate): Promise<void> {
  const question = interaction.options.getString('question', true);
  const hide = interaction.options.getBoolean('hide') ?? false;
  const mention = interaction.options.getUser('mention');
  if (hide && mention) throw new UserError('A hidden answer can’t point anyone at it: leave out `hide` or `mention`.');
  if (mention?.bot) throw new UserError('Bots can’t be pointed at answers: mention a person.');
  const wait = gate(interaction.user.id, interaction.guildId);
  if (wait > 0) {
    await interaction.reply(renderNotice(`You’re asking quickly: try again in ${Math.ceil(wait / 1000)} s.`));
    return;
  }
  await deferOnce(interaction, hide ? { flags: 'Ephemeral' } : {});
  const started = performance.now();
  const answer = answerQuestion(await deps.index(interaction.guildId), question, { k: deps.answerResults });
  recordQuery(deps, { guildId: interaction.guildId, question, answer, ms: performance.now() - started });
  const payload = renderAnswer(answer, mention ? { mentionUserId: mention.id } : {});
  await interaction.editReply({ content: payload.content, embeds: payload.embeds, components: payload.components, allowedMentions: payload.allowedMentions });
}

/** Suggestions while typing: titles of matching articles, then topic names from the alias data. */
export async function autocompleteAsk(interaction: AutocompleteInteraction, deps: BotDeps): Promise<void> {
  const typed = interaction.options.getFocused().trim();
  const index = await deps.index(interaction.guildId);
  const titles = typed ? index.search(typed, { k: 15 }).hits.map((h) => index.articles[h.article]!.title) : index.articles.slice(0, 15).map((a) => a.title);
  const lower = typed.toLowerCase();
  const topics = index.aliases.groups.map((g) => g.names[0]!).filter((n) => !lower || n.toLowerCase().includes(lower));
  await interaction.respond(renderChoices([...(typed ? [typed] : []), ...titles, ...topics]));
}

/** The buttons under an answer: next page, a full passage (ephemeral), feedback. */
export async function handleAnswerButton(interaction: ButtonInteraction, action: ParsedCustomId, deps: BotDeps, gate: QuestionGate): Promise<void> {
  // The index of the server the button is clicked in: another server's articles are never looked up.
  const index = await deps.index(interaction.guildId);
  if (action.action === 'passage') {
    const a = index.articles.findIndex((x) => articleKey(x.id) === action.articleKey);
    // Button ids carry the article and the passage's position in it, not index numbers, so they outlive a reindex.
    const passage = a >= 0 ? index.passages[index.passageRange(a)[0] + action.position] : undefined;
    if (!passage || passage.article !== a) throw new UserError('That article is no longer in the archive.');
    const article = index.articles[a]!;
    await interaction.reply(renderPassage({ title: article.title, ...(article.url ? { url: article.url } : {}), ...(passage.heading ? { heading: passage.heading } : {}), text: passage.text }));
    return;
  }
  if (action.action === 'feedback') {
    const article = index.articles.find((x) => articleKey(x.id) === action.articleKey);
    deps.store.recordFeedback({ guildId: interaction.guildId, userId: interaction.user.id, messageId: interaction.message.id, articleId: article?.id ?? action.articleKey, vote: action.vote === 'up' ? 1 : -1 });
    await interaction.reply(renderNotice(action.vote === 'up' ? 'Thanks — noted that this answer helped.' : 'Thanks — noted that this answer missed.'));
    return;
  }
  const question = questionOf(interaction.message.content);
  if (!question) throw new UserError('I can’t tell what that answer was about any more: ask again with /ask.');
  const wait = gate(interaction.user.id, interaction.guildId);
  if (wait > 0) {
    await interaction.reply(renderNotice(`You’re asking quickly: try again in ${Math.ceil(wait / 1000)} s.`));
    return;
  }
  const answer = answerQuestion(index, question, { k: deps.answerResults, offset: action.offset });
  if (!answer.answered || answer.results.length === 0) {
    await interaction.reply(renderNotice('No more results for that question.'));
    return;
  }
  const payload = renderAnswer(answer, { offset: action.offset, ephemeral: true });
  await interaction.reply({ ...payload, flags: 'Ephemeral' });
}
