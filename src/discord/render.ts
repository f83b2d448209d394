import { createHash } from 'node:crypto';
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIApplicationCommandOptionChoice,
} from 'discord-api-types/v10';
import type { Answer, AnswerResult } from '../core/answer.js';
import { normaliseUrl } from '../core/links.js';
import { defuseMentions, escapeText, maskedLink, misleads, truncate, unescapeText } from './escape.js';
import { DISCORD_LIMITS as L } from './limits.js';

/** A reply as plain data: discord.js takes it as it is. Nothing in it may ping but `mention`. */
export interface ReplyPayload {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  allowedMentions: { parse: []; users?: string[]; repliedUser?: boolean };
  flags?: number;
}

export interface RenderOptions {
  /** Results already shown before this page (for "More results"). */
  offset?: number;
  /** A user to point at the answer; the only one who may be pinged. */
  mentionUserId?: string;
  ephemeral?: boolean;
  /** Whether a next page exists: "More results" is shown only then. */
  more?: boolean;
}

const EMBED_COLOUR = 0x2f6fbf;
const REFUSAL_COLOUR = 0x888888;
const QUESTION_PREFIX = '**Q:** ';

/** A short stable key for an article id, so button ids stay under 100 characters and survive restarts. */
export function articleKey(articleId: string): string {
  return createHash('sha256').update(articleId).digest('base64url').slice(0, 10);
}

/** Button ids: `nd:<action>:<args…>`; parsed back by `parseCustomId`. */
export const customIds = {
  more: (offset: number) => `nd:more:${offset}`,
  passage: (articleId: string, position: number) => `nd:psg:${articleKey(articleId)}:${position}`,
  /** A vote on the answer the button is under (the message is the answer: one vote per member and message). */
  feedback: (vote: 'up' | 'down') => `nd:fb:${vote}`,
  /** Quote a later article on the same subject ("Newer in the archive") for the answer's question. */
  newer: (articleId: string) => `nd:nwr:${articleKey(articleId)}`,
};

export type ParsedCustomId =
  | { action: 'more'; offset: number }
  | { action: 'passage'; articleKey: string; position: number }
  | { action: 'feedback'; vote: 'up' | 'down' }
  | { action: 'newer'; articleKey: string };

export function parseCustomId(id: string): ParsedCustomId | undefined {
  const [ns, action, a, b] = id.split(':');
  if (ns !== 'nd') return undefined;
  if (action === 'more' && /^\d+$/.test(a ?? '')) return { action, offset: Number(a) };
  if (action === 'psg' && a && /^\d+$/.test(b ?? '')) return { action: 'passage', articleKey: a, position: Number(b) };
  // Answers posted before votes were per answer carry an article key after the vote: still a vote on that answer.
  if (action === 'fb' && (a === 'up' || a === 'down')) return { action: 'feedback', vote: a };
  if (action === 'nwr' && a && b === undefined) return { action: 'newer', articleKey: a };
  return undefined;
}

/**
 * What bold must never cut, because cutting it would stop it being defused or change what it is:
 * `@` and the word after it (`@everyone`, `@here`, a handle), Discord's `<…>` tokens (user, role and channel mentions, timestamps, emoji,
 * commands), anything with a scheme and `://` (as `escapeText` finds it to defuse it), and the Markdown
 * that starts a line (`#`, `>`, `-`, `1.`).
 */
const PROTECTED = [/@[\p{L}\p{N}_]*/gu, /<[^<>\s]*>/gu, /[a-z][a-z0-9+.-]*:\/\/\S*/giu, /^\s*(?:\d+\.|[#>-])/gmu];

/** The protected spans of a text, merged where they touch or overlap (each pattern is run on its own, so none hides another). */
function protectedSpans(text: string): Array<[number, number]> {
  const spans = PROTECTED.flatMap((re) =>
    [...text.matchAll(re)].map((m): [number, number] => [m.index, m.index + m[0].length]),
  );
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged;
}
const WORD_CHAR = /[\p{L}\p{N}]/u;
/** Private-use characters that mark bold while the text is escaped; taken out of article text first. */
const BOLD_OPEN = '\uE000';
const BOLD_CLOSE = '\uE001';

/** The parts of [start, end) that bold may cover: outside protected spans, within one line, trimmed to letters and digits. */
function boldPieces(
  text: string,
  start: number,
  end: number,
  spans: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  const push = (from: number, to: number) => {
    // One line at a time: bold can't run across the quote's line prefixes.
    for (const line of text.slice(from, to).split('\n')) {
      let s = from;
      let e = from + line.length;
      from = e + 1;
      while (s < e && !WORD_CHAR.test(text[s]!)) s++;
      while (e > s && !WORD_CHAR.test(text[e - 1]!)) e--;
      if (e > s) pieces.push([s, e]);
    }
  };
  let from = start;
  for (const [ps, pe] of spans) {
    if (pe <= from) continue;
    if (ps >= end) break;
    if (ps > from) push(from, ps);
    from = pe;
  }
  if (from < end) push(from, end);
  return pieces;
}

/**
 * The excerpt as a Discord quote with the matched words in bold; all of it escaped. Correct by
 * construction: bold goes only around letters and digits outside protected spans (mentions,
 * links, line-start Markdown), so taking the `**` out again gives exactly `escapeText` of the text.
 */
export function quoteExcerpt(result: Pick<AnswerResult, 'excerpt' | 'highlights'>): string {
  const text = result.excerpt.replace(/[\uE000\uE001]/g, '\uFFFD');
  const spans = protectedSpans(text);
  const pieces: Array<[number, number]> = [];
  let last = 0;
  for (const [s, e] of result.highlights) {
    if (s < last) continue;
    for (const piece of boldPieces(text, s, Math.min(e, text.length), spans)) {
      // Touching pieces are one bold run: `**a****b**` would not read as bold.
      const prev = pieces[pieces.length - 1];
      if (prev && prev[1] === piece[0]) prev[1] = piece[1];
      else pieces.push(piece);
    }
    last = e;
  }
  // Mark the pieces, escape the whole text once, then turn the marks into bold: escaping piece by
  // piece would misread piece starts as line starts.
  let marked = '';
  let at = 0;
  for (const [s, e] of pieces) {
    marked += `${text.slice(at, s)}${BOLD_OPEN}${text.slice(s, e)}${BOLD_CLOSE}`;
    at = e;
  }
  marked += text.slice(at);
  const escaped = escapeText(marked).replace(/\uE000|\uE001/g, '**');
  return `> ${escaped.replace(/\n/g, '\n> ')}`;
}

/**
 * Links an embed to its article: the normalised url under the title; or, when the title could pass
 * for another link ("https://discord.com/…" over evil.example), the url shown as itself under the
 * description; or nothing, when the url is not a safe http(s) link.
 */
function withLink(embed: APIEmbed, title: string, url: string | undefined, maxDescription: number): APIEmbed {
  const safe = normaliseUrl(url);
  if (safe === undefined) return embed;
  if (!misleads(title, safe)) {
    embed.url = safe;
    return embed;
  }
  const line = `\n🔗 <${safe}>`;
  // No room to show it as itself: no link at all rather than a misleading one.
  if (line.length >= maxDescription) return embed;
  embed.description = `${truncate(embed.description ?? '', Math.max(1, maxDescription - line.length))}${line}`;
  return embed;
}

/** The line under a quote that names a later article on the same subject, escaped. */
export function newerLine(newer: NonNullable<AnswerResult['newer']>): string {
  return `🕒 Newer in the archive: ${escapeText(truncate(newer.title, 150))}, ${newer.published.slice(0, 10)}`;
}

function resultEmbed(r: AnswerResult, n: number): APIEmbed {
  // The newer-article note always shows whole: the quote gives way to it.
  const note = r.newer ? `\n\n${newerLine(r.newer)}` : '';
  const embed: APIEmbed = {
    // Article text may hold mentions: shown, never live.
    title: truncate(`${n}. ${defuseMentions(r.title)}`, L.embedTitle),
    description: truncate(quoteExcerpt(r), L.embedDescription - note.length) + note,
    color: EMBED_COLOUR,
  };
  withLink(embed, r.title, r.url, L.embedDescription);
  const footer = footerOf(r);
  if (footer) embed.footer = { text: truncate(defuseMentions(footer), L.embedFooter) };
  return embed;
}

/** Lower-case words only, for "does this say the same thing" comparisons. */
const plain = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * A result's footer: date (or "undated": a reader should never take an old story for today's) ·
 * source · section, the last two only when they add something. A source already named in the
 * title, and a section heading the title or the excerpt already says, would only repeat what the
 * reader has just read.
 */
export function footerOf(r: Pick<AnswerResult, 'title' | 'excerpt' | 'published' | 'source' | 'heading'>): string {
  const title = plain(r.title);
  const excerpt = plain(r.excerpt);
  const says = (s: string) => {
    const p = plain(s);
    return p === '' || title.includes(p) || excerpt.includes(p);
  };
  const source = r.source && !plain(r.title).includes(plain(r.source)) ? r.source : undefined;
  const section = r.heading && !says(r.heading) ? `§ ${r.heading}` : undefined;
  return [r.published?.slice(0, 10) ?? 'undated', source, section].filter(Boolean).join(' · ');
}

/** The feedback buttons of an answer's rows relabelled with its votes (other buttons as they were). */
export function withVotes(
  rows: readonly APIActionRowComponent<APIButtonComponent>[],
  votes: { up: number; down: number },
): APIActionRowComponent<APIButtonComponent>[] {
  return rows.map((row) => ({
    ...row,
    components: row.components.map((b) => {
      const parsed = 'custom_id' in b ? parseCustomId(b.custom_id) : undefined;
      if (parsed?.action !== 'feedback') return b;
      // Ids from before votes were per answer are rewritten: every answer then takes the same kind of vote.
      return { ...b, custom_id: customIds.feedback(parsed.vote), label: voteLabel(parsed.vote, votes) };
    }),
  }));
}

const voteLabel = (vote: 'up' | 'down', votes?: { up: number; down: number }): string => {
  const icon = vote === 'up' ? '👍' : '👎';
  return votes ? `${icon} ${vote === 'up' ? votes.up : votes.down}` : icon;
};

function embedLength(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/** Keeps whole embeds while they fit in Discord's total for one message. */
function fitEmbeds(embeds: APIEmbed[]): APIEmbed[] {
  const out: APIEmbed[] = [];
  let total = 0;
  for (const e of embeds.slice(0, L.embedsPerMessage)) {
    const n = embedLength(e);
    if (total + n > L.embedsTotal) break;
    out.push(e);
    total += n;
  }
  return out;
}

/** The question as the first line of the reply; read back by `questionOf` for "More results". */
function questionLine(question: string, mentionUserId?: string): string {
  const mention = mentionUserId ? `<@${mentionUserId}> ` : '';
  return truncate(`${mention}${QUESTION_PREFIX}${escapeText(question.replace(/\s+/g, ' '))}`, L.content);
}

/** The question a reply of ours was answering, read back from its content (stateless across restarts). */
export function questionOf(content: string): string | undefined {
  const at = content.indexOf(QUESTION_PREFIX);
  if (at < 0) return undefined;
  const raw = content.slice(at + QUESTION_PREFIX.length);
  // A question cut to fit ends with the ellipsis at the length limit; one the asker ended with "…" is whole.
  const cut = content.length >= L.content - 1 && raw.endsWith('…');
  return cut ? undefined : unescapeText(raw);
}

/** An answer as a Discord reply: one embed per result, buttons for more, full passages and feedback. */
export function renderAnswer(answer: Answer, options: RenderOptions = {}): ReplyPayload {
  const allowedMentions: ReplyPayload['allowedMentions'] = options.mentionUserId
    ? { parse: [], users: [options.mentionUserId] }
    : { parse: [] };
  const base = {
    content: questionLine(answer.question, options.mentionUserId),
    allowedMentions,
    ...(options.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
  if (!answer.answered) {
    let description = truncate(escapeText(answer.message ?? 'The archive has no answer to that.'), L.embedDescription);
    if (answer.nearest.length > 0) {
      // Whole lines only: a link cut in half would show, and go to, half a url.
      const heading = '\n\n**Nearest articles:**';
      const lines = answer.nearest.map((n) => `\n• ${maskedLink(n.title, n.url)}`);
      if (description.length + heading.length + (lines[0]?.length ?? 0) <= L.embedDescription) {
        description += heading;
        for (const line of lines) if (description.length + line.length <= L.embedDescription) description += line;
      }
    }
    return {
      ...base,
      embeds: [{ title: 'No answer in the archive', description, color: REFUSAL_COLOUR }],
      components: [],
    };
  }
  const offset = options.offset ?? 0;
  const embeds = fitEmbeds(answer.results.map((r, i) => resultEmbed(r, offset + i + 1)));
  const shown = answer.results.slice(0, embeds.length);
  const first = shown[0];
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  const button = (
    custom_id: string,
    label: string,
    style: ButtonStyle.Primary | ButtonStyle.Secondary = ButtonStyle.Secondary,
  ): APIButtonComponent => ({
    type: ComponentType.Button,
    style,
    custom_id,
    label: truncate(label, L.buttonLabel),
  });
  const main: APIButtonComponent[] = [];
  // "More results" only when there is a next page: a button that answers "no more" is a dead end.
  if (options.more || shown.length < answer.results.length)
    main.push(button(customIds.more(offset + shown.length), 'More results', ButtonStyle.Primary));
  if (first)
    main.push(button(customIds.feedback('up'), voteLabel('up')), button(customIds.feedback('down'), voteLabel('down')));
  if (main.length > 0) rows.push({ type: ComponentType.ActionRow, components: main });
  const passages = shown
    .slice(0, L.buttonsPerRow)
    .map((r, i) => button(customIds.passage(r.articleId, r.position), `Full passage ${offset + i + 1}`));
  if (passages.length > 0) rows.push({ type: ComponentType.ActionRow, components: passages });
  // One button per later article (two results may share one: a message's button ids must differ).
  const newerIds = new Set<string>();
  const newer = shown.flatMap((r, i) => {
    if (!r.newer || newerIds.has(r.newer.articleId) || newerIds.size >= L.buttonsPerRow) return [];
    newerIds.add(r.newer.articleId);
    return [
      button(customIds.newer(r.newer.articleId), `Newer than ${offset + i + 1}: ${defuseMentions(r.newer.title)}`),
    ];
  });
  if (newer.length > 0) rows.push({ type: ComponentType.ActionRow, components: newer });
  return { ...base, embeds, components: rows };
}

/** A passage shown whole (ephemeral), with the article it comes from. */
export function renderPassage(p: { title: string; url?: string; heading?: string; text: string }): ReplyPayload {
  const embed: APIEmbed = {
    title: truncate(defuseMentions(p.title), L.embedTitle),
    description: truncate(escapeText(p.text), L.embedDescription),
    color: EMBED_COLOUR,
  };
  withLink(embed, p.title, p.url, L.embedDescription);
  if (p.heading) embed.footer = { text: truncate(`§ ${defuseMentions(p.heading)}`, L.embedFooter) };
  return {
    content: '',
    embeds: [embed],
    components: [],
    allowedMentions: { parse: [] },
    flags: MessageFlags.Ephemeral,
  };
}

/** A short notice to the one user who asked (errors, rate limits, confirmations). */
export function renderNotice(text: string): ReplyPayload {
  return {
    content: truncate(text, L.content),
    embeds: [],
    components: [],
    allowedMentions: { parse: [] },
    flags: MessageFlags.Ephemeral,
  };
}

/** Autocomplete choices: at most 25, names and values at most 100 characters, no duplicates. */
export function renderChoices(suggestions: readonly string[]): APIApplicationCommandOptionChoice<string>[] {
  const seen = new Set<string>();
  const out: APIApplicationCommandOptionChoice<string>[] = [];
  for (const s of suggestions) {
    const name = truncate(s.replace(/\s+/g, ' ').trim(), L.choiceName);
    if (!name || seen.has(name)) continue;
    seen.add(name);
    out.push({ name, value: truncate(name, L.choiceValue) });
    if (out.length >= L.autocompleteChoices) break;
  }
  return out;
}

/** A digest as one channel message: a header naming the digest, one embed per article (title linked, summary, date). */
export function renderDigest(
  d: {
    marker: string;
    topic: string | null;
    items: ReadonlyArray<{ title: string; url?: string; published?: string; summary: string }>;
  },
  heading = '',
): ReplyPayload {
  const n = d.items.length;
  const marker = d.marker.charAt(0).toUpperCase() + d.marker.slice(1);
  const about = d.topic ? ` on “${escapeText(truncate(d.topic, 100))}”` : '';
  const content = truncate(`${heading}📰 **News ${marker}**${about}: ${n} article${n === 1 ? '' : 's'}`, L.content);
  // Every article must show: each gets an equal share of the message's embed budget.
  const share = Math.floor(L.embedsTotal / Math.max(1, n)) - 1;
  const embeds = d.items.slice(0, L.embedsPerMessage).map((item): APIEmbed => {
    const footer = item.published ? `Published ${item.published.slice(0, 10)}` : undefined;
    const title = truncate(defuseMentions(item.title), Math.min(L.embedTitle, Math.floor(share / 3)));
    const room = Math.min(L.embedDescription, share - title.length - (footer?.length ?? 0));
    const embed: APIEmbed = { title, description: truncate(escapeText(item.summary), room), color: EMBED_COLOUR };
    withLink(embed, item.title, item.url, room);
    if (footer) embed.footer = { text: footer };
    return embed;
  });
  return { content, embeds, components: [], allowedMentions: { parse: [] } };
}

/** The button members press to take or leave a topic's opt-in role (`/follow channel`). */
export const ROLE_BUTTON_PREFIX = 'nd-follow:role:';

/** A follow message (a DM): which topics, then one embed per article — title linked, the sentence that matched, its date. */
export function renderFollowMessage(m: {
  items: ReadonlyArray<{ title: string; url?: string; published?: string; topic: string; sentence: string }>;
  waiting: number;
}): ReplyPayload {
  const topics = [...new Set(m.items.map((i) => `“${escapeText(truncate(i.topic, 100))}”`))].join(', ');
  const n = m.items.length;
  const more = m.waiting > 0 ? ` (${m.waiting} more to follow)` : '';
  const content = truncate(
    `📰 ${n === 1 ? 'A new article' : `${n} new articles`} on ${topics}${more}. Stop with /follow remove in the server.`,
    L.content,
  );
  const share = Math.floor(L.embedsTotal / Math.max(1, n)) - 1;
  const embeds = m.items.slice(0, L.embedsPerMessage).map((item): APIEmbed => {
    const footer = item.published ? `Published ${item.published.slice(0, 10)}` : 'Undated';
    const title = truncate(defuseMentions(item.title), Math.min(L.embedTitle, Math.floor(share / 3)));
    const room = Math.min(L.embedDescription, share - title.length - footer.length);
    const embed: APIEmbed = {
      title,
      description: truncate(`> ${escapeText(item.sentence)}`, room),
      color: EMBED_COLOUR,
      footer: { text: footer },
    };
    return withLink(embed, item.title, item.url, room);
  });
  return { content, embeds, components: [], allowedMentions: { parse: [] } };
}

/** The message `/follow channel` posts in the channel: what the role is for, and the button to take or leave it. */
export function renderRoleOffer(topic: string, roleId: string): ReplyPayload {
  return {
    // The role is named, not pinged: this message only offers it (allowed_mentions parse: []).
    content: truncate(
      `📣 New articles on “${escapeText(truncate(topic, 100))}” are posted here as they arrive, pinging <@&${roleId}>. Take the role to be pinged, or leave it, with the button.`,
      L.content,
    ),
    embeds: [],
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.Button,
            style: ButtonStyle.Primary,
            custom_id: `${ROLE_BUTTON_PREFIX}${roleId}`,
            label: truncate(`Get or leave pings: ${topic}`, L.buttonLabel),
          },
        ],
      },
    ],
    allowedMentions: { parse: [] },
  };
}
