/**
 * Following a topic: which new articles a follower is told about, with the sentence that matches,
 * and how many go in one message. Pure: the store says who follows what and what was sent, the
 * follow service sends; this module only decides.
 */
import { quoteArticle } from './answer.js';
import { topicArticles } from './digest.js';
import { articleMetas, type ArchiveIndex } from './answerIndex.js';

/** Longest topic a member may follow (the command's max_length and the check share it). */
export const FOLLOW_TOPIC_MAX_CHARS = 100;
/** Topics one member may follow in one server: enough for a beat, few enough that /follow list fits one message. */
export const FOLLOW_MAX_PER_MEMBER = 25;
/**
 * How far back a sweep looks for articles a member has not been sent: an article held longer than
 * this (the daily limit, a member unreachable for days) is let go rather than sent late, and a
 * sweep stays cheap however long ago the topic was followed.
 */
export const FOLLOW_LOOKBACK_MS = 3 * 86_400_000;
/** Articles one follow message carries: one Discord message holds at most 10 embeds, and a DM is read at a glance. */
export const FOLLOW_MAX_PER_MESSAGE = 5;

/** A new article a follower is told about. */
export interface FollowItem {
  articleId: string;
  title: string;
  url?: string;
  published?: string;
  /** The followed topic it matched. */
  topic: string;
  /** The sentence (or two) of the article that holds the topic, as answers quote it. */
  sentence: string;
}

/** A topic as members type it: trimmed, inner runs of space made one; empty when nothing is left. */
export function normaliseTopic(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/**
 * The articles among `candidates` (ids) that are about `topic` — the same test as a digest's topic
 * filter — each with the sentence that matches, in index order.
 */
export function matchTopic(index: ArchiveIndex, topic: string, candidates: ReadonlySet<string>): FollowItem[] {
  if (candidates.size === 0) return [];
  // Ranked among the candidates only: a sweep looks at a few new articles, not the whole archive.
  const among = new Set<number>();
  for (const id of candidates) {
    const a = index.articleNumber(id);
    if (a !== undefined) among.add(a);
  }
  const out: FollowItem[] = [];
  for (const a of [...topicArticles(index, topic, (x) => among.has(x))].sort((x, y) => x - y)) {
    const article = index.article(a);
    // An alert quotes the sentence about the topic, not a paragraph.
    const quote = quoteArticle(index, topic, a, true)?.results[0];
    const item: FollowItem = {
      articleId: article.id,
      title: article.title,
      topic,
      sentence: quote?.excerpt ?? article.title,
    };
    if (article.url) item.url = article.url;
    if (article.published) item.published = article.published;
    out.push(item);
  }
  return out;
}

/** One member's follows, as the store keeps them. */
export interface MemberFollow {
  topic: string;
  /** When the member followed it (ISO): only articles that entered the archive after count. */
  createdAt: string;
}

export interface FollowPlanInput {
  follows: readonly MemberFollow[];
  /** Now (ISO): articles that entered more than {@link FOLLOW_LOOKBACK_MS} before are let go. */
  now?: string;
  /** When each article entered the archive (ISO), by id. */
  firstSeen: ReadonlyMap<string, string>;
  /** Articles this member was already sent (or is being sent). */
  sent: ReadonlySet<string>;
  /** Follow messages this member got in the last 24 hours. */
  messagesToday: number;
  perDay: number;
  perMessage?: number;
}

/** What to send one member now: at most one message, and why nothing when nothing. */
export type FollowPlan =
  | { send: true; items: FollowItem[]; waiting: number }
  | { send: false; reason: 'nothing-new' | 'daily-limit'; waiting: number };

/**
 * Plans one member's next follow message: the new articles (entered after the follow, not sent
 * before) matching any of their topics, each once (under the first topic it matched), oldest
 * arrival first so none waits forever behind newer ones; none when the day's messages are used up.
 */
export function planFollowMessage(index: ArchiveIndex, input: FollowPlanInput): FollowPlan {
  const perMessage = input.perMessage ?? FOLLOW_MAX_PER_MESSAGE;
  const found = new Map<string, FollowItem>();
  for (const follow of input.follows) {
    const from = Math.max(
      Date.parse(follow.createdAt),
      input.now ? Date.parse(input.now) - FOLLOW_LOOKBACK_MS : Number.NEGATIVE_INFINITY,
    );
    const candidates = new Set<string>();
    // The recent arrivals (a few), not every article: a sweep serves every follow of every server.
    for (const [id, seen] of input.firstSeen)
      if (Date.parse(seen) >= from && !input.sent.has(id) && index.articleNumber(id) !== undefined) candidates.add(id);
    for (const item of matchTopic(index, follow.topic, candidates))
      if (!found.has(item.articleId)) found.set(item.articleId, item);
  }
  const items = [...found.values()].sort(
    (x, y) => Date.parse(input.firstSeen.get(x.articleId)!) - Date.parse(input.firstSeen.get(y.articleId)!),
  );
  if (items.length === 0) return { send: false, reason: 'nothing-new', waiting: 0 };
  if (input.messagesToday >= input.perDay) return { send: false, reason: 'daily-limit', waiting: items.length };
  return { send: true, items: items.slice(0, perMessage), waiting: Math.max(0, items.length - perMessage) };
}

/**
 * What a follower would have been sent over a period (`npm run digest -- --follow`): every
 * article about the topic that entered the archive (or, never seen, was published) since `since`.
 */
export function followPreview(
  index: ArchiveIndex,
  topic: string,
  since: Date,
  firstSeen: ReadonlyMap<string, string> = new Map(),
): FollowItem[] {
  const candidates = new Set<string>();
  for (const a of articleMetas(index)) {
    const at = firstSeen.get(a.id) ?? a.published;
    if (at && Date.parse(at.length === 10 ? `${at}T00:00:00Z` : at) >= since.getTime()) candidates.add(a.id);
  }
  return matchTopic(index, topic, candidates);
}

/**
 * Topics to offer while a member types: the archive's names (alias groups) and article tags that
 * contain what was typed, names first, each once (case aside), at most `limit`.
 */
export function topicSuggestions(index: ArchiveIndex, typed: string, limit: number): string[] {
  const lower = typed.trim().toLowerCase();
  const seen = new Set<string>();
  const out: string[] = [];
  const offer = (name: string) => {
    const key = name.toLowerCase();
    if (out.length >= limit || seen.has(key) || (lower && !key.includes(lower))) return;
    seen.add(key);
    out.push(name);
  };
  for (const g of index.aliases.groups) if (g.names[0]) offer(g.names[0]);
  for (const a of articleMetas(index)) for (const tag of a.tags) offer(tag);
  return out;
}
