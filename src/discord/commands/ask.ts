import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { APIActionRowComponent, APIButtonComponent } from 'discord-api-types/v10';
import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
} from 'discord.js';
import { MAX_QUESTION_CHARS, quoteArticle } from '../../core/answer.js';
import { findArticle, type ArchiveIndex } from '../../core/answerIndex.js';
import { answerFor, slowDown, type AskContext } from '../answering.js';
import { deferOnce, UserError } from '../errors.js';
import {
  articleKey,
  parseCustomId,
  questionOf,
  renderAnswer,
  renderChoices,
  renderNotice,
  renderPassage,
  withVotes,
  type ParsedCustomId,
} from '../render.js';
import type { BotDeps } from '../types.js';
import type { SlashCommandModule } from './module.js';
import type { QuestionGate } from '../rateLimit.js';

export const askCommand = {
  name: 'ask',
  description: 'Ask the news archive a question; get quoted answers with their sources',
  type: ApplicationCommandType.ChatInput,
  // Installed to servers; asked in a server or in a DM with the bot.
  integration_types: [ApplicationIntegrationType.GuildInstall],
  contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'question',
      description: 'What do you want to know?',
      required: true,
      max_length: MAX_QUESTION_CHARS,
      autocomplete: true,
    },
    { type: ApplicationCommandOptionType.Boolean, name: 'hide', description: 'Only you see the answer' },
    { type: ApplicationCommandOptionType.User, name: 'mention', description: 'Point someone at the answer' },
  ],
} as const satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

/** Answers /ask: acknowledged at once (deferred), then edited with the answer. */
export async function executeAsk(
  interaction: ChatInputCommandInteraction,
  deps: BotDeps,
  gate: QuestionGate,
): Promise<void> {
  const question = interaction.options.getString('question', true);
  const hide = interaction.options.getBoolean('hide') ?? false;
  const mention = interaction.options.getUser('mention');
  if (hide && mention) throw new UserError('A hidden answer can’t point anyone at it: leave out `hide` or `mention`.');
  if (mention?.bot) throw new UserError('Bots can’t be pointed at answers: mention a person.');
  await replyWithAnswer(interaction, deps, gate, {
    command: 'ask',
    question,
    hide,
    ...(mention ? { mentionUserId: mention.id } : {}),
  });
}

/**
 * Asks and answers for an interaction (/ask, the context menu): a private notice over the rate
 * limit, else a deferral and the answer edited in.
 */
export async function replyWithAnswer(
  interaction: ChatInputCommandInteraction | MessageContextMenuCommandInteraction,
  deps: BotDeps,
  gate: QuestionGate,
  ask: { command: AskContext['command']; question: string; hide: boolean; mentionUserId?: string },
): Promise<void> {
  const outcome = await answerFor(
    deps,
    gate,
    { command: ask.command, guildId: interaction.guildId, userId: interaction.user.id },
    ask.question,
    {
      admitted: () => deferOnce(interaction, ask.hide ? { flags: 'Ephemeral' } : {}),
    },
  );
  if (outcome.limited) return void (await interaction.reply(renderNotice(slowDown(outcome.waitMs))));
  const payload = renderAnswer(outcome.answer, {
    more: outcome.more,
    ...(ask.mentionUserId ? { mentionUserId: ask.mentionUserId } : {}),
  });
  await interaction.editReply({
    content: payload.content,
    embeds: payload.embeds,
    components: payload.components,
    allowedMentions: payload.allowedMentions,
  });
}

/** The titles of the first `n` articles in the archive. */
function firstTitles(index: ArchiveIndex, n: number): string[] {
  const out: string[] = [];
  for (const a of index.listArticles()) {
    if (out.length === n) break;
    out.push(a.meta.title);
  }
  return out;
}

/** Suggestions while typing: titles of matching articles, then topic names from the alias data. */
export async function autocompleteAsk(interaction: AutocompleteInteraction, deps: BotDeps): Promise<void> {
  const typed = interaction.options.getFocused().trim();
  const index = await deps.index(interaction.guildId);
  const titles = typed
    ? index.search(typed, { k: 15 }).hits.map((h) => index.article(h.article).title)
    : firstTitles(index, 15);
  const lower = typed.toLowerCase();
  const topics = index.aliases.groups.map((g) => g.names[0]!).filter((n) => !lower || n.toLowerCase().includes(lower));
  await interaction.respond(renderChoices([...(typed ? [typed] : []), ...titles, ...topics]));
}

/** The buttons under an answer: next page, a full passage (ephemeral), feedback. */
export async function handleAnswerButton(
  interaction: ButtonInteraction,
  action: ParsedCustomId,
  deps: BotDeps,
  gate: QuestionGate,
): Promise<void> {
  // The index of the server the button is clicked in: another server's articles are never looked up.
  const index = await deps.index(interaction.guildId);
  if (action.action === 'passage') {
    const found = findArticle(index, (x) => articleKey(x.id) === action.articleKey);
    // Button ids carry the article and the passage's position in it, not index numbers, so they outlive a reindex.
    const [from, to] = found ? index.passageRange(found.number) : [0, 0];
    const at = from + action.position;
    const passage = found && action.position >= 0 && at < to ? index.passage(at) : undefined;
    if (!found || !passage || passage.article !== found.number)
      throw new UserError('That article is no longer in the archive.');
    const article = found.meta;
    await interaction.reply(
      renderPassage({
        title: article.title,
        ...(article.url ? { url: article.url } : {}),
        ...(passage.heading ? { heading: passage.heading } : {}),
        text: passage.text,
      }),
    );
    return;
  }
  if (action.action === 'feedback') {
    // One vote per member and answer (a new one replaces the old); the buttons then show the answer's votes.
    const question = questionOf(interaction.message.content);
    await deps.store.activity.recordFeedback({
      guildId: interaction.guildId,
      userId: interaction.user.id,
      messageId: interaction.message.id,
      articleId: firstArticleOf(interaction, index) ?? '',
      vote: action.vote === 'up' ? 1 : -1,
      ...(question ? { question } : {}),
    });
    const rows = interaction.message.components.map((row) =>
      row.toJSON(),
    ) as APIActionRowComponent<APIButtonComponent>[];
    await interaction.update({
      components: withVotes(rows, await deps.store.activity.votes(interaction.message.id)),
      allowedMentions: { parse: [] },
    });
    return;
  }
  const question = questionOf(interaction.message.content);
  if (!question) throw new UserError('I can’t tell what that answer was about any more: ask again with /ask.');
  if (action.action === 'newer') {
    // "Newer in the archive": the later article quoted for the same question, to the one who asked for it.
    const waitMs = await gate(interaction.user.id, interaction.guildId);
    if (waitMs > 0) return void (await interaction.reply(renderNotice(slowDown(waitMs))));
    const a = findArticle(index, (x) => articleKey(x.id) === action.articleKey)?.number;
    const answer = a !== undefined ? quoteArticle(index, question, a) : undefined;
    if (!answer) throw new UserError('That article is no longer in the archive.');
    await interaction.reply({ ...renderAnswer(answer, { ephemeral: true }), flags: 'Ephemeral' });
    return;
  }
  const outcome = await answerFor(
    deps,
    gate,
    { command: 'more', guildId: interaction.guildId, userId: interaction.user.id },
    question,
    { offset: action.offset },
  );
  if (outcome.limited) return void (await interaction.reply(renderNotice(slowDown(outcome.waitMs))));
  if (!outcome.answer.answered || outcome.answer.results.length === 0) {
    await interaction.reply(renderNotice('No more results for that question.'));
    return;
  }
  const payload = renderAnswer(outcome.answer, { offset: action.offset, ephemeral: true, more: outcome.more });
  await interaction.reply({ ...payload, flags: 'Ephemeral' });
}

/** The article the first result of an answer message quotes (from its first passage button), if it is still in the index. */
function firstArticleOf(interaction: ButtonInteraction, index: ArchiveIndex): string | undefined {
  for (const row of interaction.message.components.map((r) =>
    r.toJSON(),
  ) as APIActionRowComponent<APIButtonComponent>[]) {
    for (const c of row.components) {
      const parsed = 'custom_id' in c ? parseCustomId(c.custom_id) : undefined;
      if (parsed?.action === 'passage')
        return findArticle(index, (a) => articleKey(a.id) === parsed.articleKey)?.meta.id ?? parsed.articleKey;
    }
  }
  return undefined;
}

/** /ask: its registration data and handlers as one module (see ./index.ts). */
export const ask: SlashCommandModule = {
  data: askCommand,
  execute: (i, { deps, gate }) => executeAsk(i, deps, gate),
  autocomplete: (i, { deps }) => autocompleteAsk(i, deps),
  // The buttons under an answer: next page, full passage, votes (ids `nd:…`, see render.ts).
  buttons: { prefix: 'nd:', handle: (i, { deps, gate }) => handleAnswerButtonId(i, deps, gate) },
};

/** A click on one of the answer buttons; ids that are not ours any more are ignored. */
async function handleAnswerButtonId(interaction: ButtonInteraction, deps: BotDeps, gate: QuestionGate): Promise<void> {
  const action = parseCustomId(interaction.customId);
  if (action) await handleAnswerButton(interaction, action, deps, gate);
}
