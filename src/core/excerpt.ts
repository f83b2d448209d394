import type { ParsedQuery, PassageHit } from './search.js';
import type { AnswerIndex } from './answerIndex.js';
import { terms as indexTerms, type Token } from './text.js';
import type { Passage } from './passages.js';
import { asksContinuation, asksWho, holdsExpected, wantedBy, type Wanted } from './answer-type.js';
import type { AnswerResult } from './answer.js';
import { densestWindow, ELLIPSIS, GroupWeights, MAX_EXCERPT_CHARS, tokensWithin, weightIn } from './excerpt-window.js';
import { nameIntroduction, type EarlierPassage } from './excerpt-names.js';

/** Weight of each question term for choosing sentences, with the asked word it stands for. */
export interface TermWeight {
  weight: number;
  /** Synonyms and corrections share their asked word's group, so they count once together. */
  group: string;
}

export function termWeights(index: AnswerIndex, query: ParsedQuery): Map<string, TermWeight> {
  return new Map(
    query.terms.map((t) => [t.term, { weight: index.passageIdf(t.term) * t.weight, group: t.from ?? t.term }]),
  );
}

// A sentence holding the kind of answer asked for (a date for "when", a name not asked for
// "who"): 1.5 over none raised excerpt answers on both NewsQA dev halves with the lead bonus
// (b: 0.505 -> 0.511) and left MultiHop-RAG's evidence quoted unchanged on both halves.
const TYPE_BONUS = 1.5;
// The opening sentence of a wire-style article (a dateline, "CITY (Outlet) -- ..."), which
// carries the story in one sentence. 1.3 raised NewsQA dev excerpt answers 0.453 -> 0.480 (a)
// and 0.493 -> 0.511 (b); 1.15 did nothing, 1.6 and 2.5 less. A bonus for every article's first
// sentence cost MultiHop-RAG 1.4 points of evidence quoted (its bodies open with scraped page
// furniture and have no datelines, so this one leaves it unchanged).
const LEAD_BONUS = 1.3;
// A dateline: a place (or nothing), the outlet in brackets, a dash.
const DATELINE = /^[^()\n]{0,60}\([^()\n]{2,30}\)\s*(--|[-—–])\s/;
// A wire-style article (its lead opens with a dateline) tells the story first: its first two
// passages may supply the quote over later ones (the first always a candidate). NewsQA dev
// excerpt answers 0.4945 -> 0.5096; the first passage alone 0.4973. Without the dateline gate it
// cost MultiHop-RAG 0.4 points of evidence quoted (its bodies open with page furniture).
const WIRE_EARLY_BONUS = 1.3;
const WIRE_EARLY_PASSAGES = 2;
// Passages besides the hit that may supply the quote (more: no gain on both halves).
const OTHERS = 2;
// A neighbouring passage must hold clearly more of the question to supply the quote instead.
const NEIGHBOUR_DISCOUNT = 0.8;

/** A passage as an excerpt reads it: its text, sentence bounds and the question's words in it (offsets in its text). */
interface ReadPassage {
  passage: Passage;
  text: string;
  bounds: number[];
  tokens: Token[];
}

/** Passage text by number, decoded at most once per question (see passageTexts). */
export type PassageTexts = (p: number) => string;

/**
 * Passage text decoded once per question: a stored passage decodes its bytes on every read, and
 * the rerank reads its candidates' text (answer.ts) before the excerpts read the quoted ones again.
 */
export function passageTexts(index: AnswerIndex): PassageTexts {
  const texts = new Map<number, string>();
  return (p) => {
    let text = texts.get(p);
    if (text === undefined) texts.set(p, (text = index.passage(p).text));
    return text;
  };
}

/** Reads each passage once per result: a stored passage decodes its text and sentences on every read. */
function passageReader(
  index: AnswerIndex,
  weights: ReadonlyMap<string, TermWeight>,
  texts: PassageTexts,
): (p: number) => ReadPassage {
  const read = new Map<number, ReadPassage>();
  return (p) => {
    let r = read.get(p);
    if (!r) {
      const passage = index.passage(p);
      r = {
        passage,
        text: texts(p),
        bounds: passage.sentences,
        tokens: index.passageTokens(p, 0, Infinity, 0, weights),
      };
      read.set(p, r);
    }
    return r;
  };
}

/** How buildResult reads: what it is given once per question, and how much it quotes. */
export interface ResultOptions {
  /** What the question asks for (wantedBy), read once for all its results. */
  want?: Wanted;
  /** Passage texts decoded once per question (passageTexts). */
  texts?: PassageTexts;
  /** Read on and back while the quote fits (see readingOn); off, the sentence and its neighbour only. */
  around?: boolean;
  /** Look for the whole name of someone a "who" quote names by surname (see withNameGiven). */
  nameWhole?: boolean;
}

/** The result for a hit: its article, and the sentence or two of it that answer. */
export function buildResult(
  index: AnswerIndex,
  hit: PassageHit,
  weights: Map<string, TermWeight>,
  question: string,
  { want = wantedBy(question), texts = passageTexts(index), around = true, nameWhole = true }: ResultOptions = {},
): AnswerResult {
  const article = index.article(hit.article);
  const read = passageReader(index, weights, texts);
  const [from] = index.passageRange(hit.article);
  // The hit passage may be a heading or a summary; the sentence that answers can sit just after it.
  // Quote from the hit passage or from the article's passages that hold the most of the question.
  const coverage = index.passageCoverage(hit.article, weights);
  // The OTHERS passages that hold the most (the earlier one on a tie), kept by insertion in one
  // scan: sorting every passage of the article for two of them cost the answer path allocations.
  const others: number[] = [];
  for (let i = 0; i < coverage.length; i++) {
    if (i + from === hit.passage) continue;
    if (others.length === OTHERS && coverage[i]! <= coverage[others[OTHERS - 1]! - from]!) continue;
    let at = others.length;
    while (at > 0 && coverage[i]! > coverage[others[at - 1]! - from]!) at--;
    others.splice(at, 0, i + from);
    if (others.length > OTHERS) others.pop();
  }
  const wire = DATELINE.test(read(from).text);
  if (wire && hit.passage !== from && !others.includes(from)) others.push(from);
  let chosen = hit.passage;
  let best = excerptInContext(index, read, chosen, weights, want, wire);
  const hitCoverage = coverage[hit.passage - from]!;
  for (const p of others) {
    // Only a passage that could win (even with the number bonus) is worth quoting from.
    if (coverage[p - from]! * NEIGHBOUR_DISCOUNT * TYPE_BONUS * LEAD_BONUS * WIRE_EARLY_BONUS <= hitCoverage * 0.5)
      continue;
    const candidate = excerptInContext(index, read, p, weights, want, wire);
    if (candidate.score * NEIGHBOUR_DISCOUNT > best.score) {
      best = candidate;
      chosen = p;
    }
  }
  const pool = new Set([hit.passage, ...others, chosen]);
  const [, to] = index.passageRange(hit.article);
  if (chosen > from) pool.add(chosen - 1);
  if (chosen + 1 < to) pool.add(chosen + 1);
  // "Why …?" and "What did she say?": the answer runs on from the sentence, so its neighbour stays.
  if (!asksContinuation(question)) best = withSecondSentence(read, best, [...pool], weights, want, wire ? from : -1);
  if (nameWhole && want.type === 'name' && asksWho(question))
    best = withNameGiven(index, read, texts, best, from, weights, want);
  if (around) best = readingOn(index, read, best, weights);
  const { passage } = read(chosen);
  const r: AnswerResult = {
    articleId: article.id,
    title: article.title,
    excerpt: best.text,
    highlights: best.highlights,
    score: Math.round(hit.score * 1000) / 1000,
    passage: chosen,
    position: passage.position,
  };
  if (article.url) r.url = article.url;
  if (article.published) r.published = article.published;
  if (article.source) r.source = article.source;
  if (passage.heading) r.heading = passage.heading;
  return r;
}

/**
 * The excerpt of passage p, which may borrow the last sentence of the passage before or the
 * first of the passage after when they belong to the same section: a long paragraph is cut
 * into passages, but its sentences still lean on each other.
 */
function excerptInContext(
  index: AnswerIndex,
  read: (p: number) => ReadPassage,
  p: number,
  weights: ReadonlyMap<string, TermWeight>,
  want: Wanted,
  wire: boolean,
): PlacedExcerpt {
  const { passage, text: own_text, bounds: own, tokens: ownTokens } = read(p);
  const [from, to] = index.passageRange(passage.article);
  // Told from the passage alone: reading a neighbour (its text and tokens) only to find it is
  // in another section was a tenth of the answer path's allocation.
  const sameSection = (q: number) => {
    if (passage.lead || q < from || q >= to) return false;
    const other = index.passage(q);
    return !other.lead && other.heading === passage.heading;
  };
  let text = own_text;
  const offsets: number[] = [];
  // Which sentence of the article each span is: [passage, sentence].
  const units: Unit[] = [];
  // The question's words only: the others weigh nothing in an excerpt.
  let tokens: Token[] = [];
  let shift = 0;
  let core: [number, number] = [0, own.length / 2];
  if (sameSection(p - 1)) {
    const prev = read(p - 1);
    const [s, e] = prev.bounds.slice(-2) as [number, number];
    shift = e - s + 1;
    text = `${prev.text.slice(s, e)} ${text}`;
    offsets.push(0, e - s);
    tokens = tokensWithin(prev.tokens, s, Infinity, -s);
    core = [1, core[1] + 1];
    units.push([p - 1, prev.bounds.length / 2 - 1]);
  }
  for (const o of own) offsets.push(o + shift);
  for (let k = 0; k < own.length / 2; k++) units.push([p, k]);
  for (const t of tokensWithin(ownTokens, 0, Infinity, shift)) tokens.push(t);
  if (sameSection(p + 1)) {
    const next = read(p + 1);
    const [s, e] = next.bounds.slice(0, 2) as [number, number];
    const at = text.length + 1;
    text = `${text} ${next.text.slice(s, e)}`;
    offsets.push(at, at + e - s);
    for (const t of tokensWithin(next.tokens, s, e, at - s)) tokens.push(t);
    units.push([p + 1, 0]);
  }
  // A wire-style lead ("CITY (Outlet) -- …") opens the article with the story in one sentence.
  const lead = p === from && !passage.lead && DATELINE.test(own_text) ? core[0] : -1;
  const excerpt = excerptOf(text, offsets, weights, tokens, want, core, lead);
  if (wire && passage.position < WIRE_EARLY_PASSAGES && !passage.lead) excerpt.score *= WIRE_EARLY_BONUS;
  // Placed in the excerpt itself (excerptOf made it for this call): a copy of it cost more than the rest here.
  const placed: PlacedExcerpt = excerpt;
  const main = excerpt.whole ? units[excerpt.main] : undefined;
  const partner = excerpt.partner >= 0 ? units[excerpt.partner] : undefined;
  if (main) placed.mainUnit = main;
  if (partner) placed.partnerUnit = partner;
  if (main) placed.units = partner ? [main, partner] : [main];
  return placed;
}

/** A sentence of the article: [passage, sentence within it]. */
type Unit = [number, number];

/** An excerpt with the article sentences it quotes, when it quotes whole ones. */
interface PlacedExcerpt extends Excerpt {
  mainUnit?: Unit;
  partnerUnit?: Unit;
  /** The sentences quoted, when the quote is whole ones. */
  units?: Unit[];
}

/** withSecondSentence's scratch (it calls nothing that weighs sentences while it holds one). */
const sentenceGroups = new GroupWeights();

const later = (x: Unit, y: Unit) => x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);

// The least a second sentence holds of what the first holds. 0.25 cost NewsQA dev half a one
// question of 706 (excerpt answers 0.5609 -> 0.5595) and nothing on half b or MultiHop-RAG; 0.5 cost
// both NewsQA halves and MultiHop-RAG evidence quoted (b 0.5175 -> 0.5160).
const SECOND_FLOOR = 0.25;

/** Separates two quoted sentences that do not follow each other in the article. */
const GAP = ' … ';

/**
 * The quote's sentence with, instead of its neighbour, the sentence of the given passages that
 * holds the most of the question plus what it holds that the first does not (the earlier on a
 * tie): the answer often sits a sentence or two from the one that echoes the question. A
 * neighbour stays as well when the three fit; when they do not, a neighbour holding the kind of
 * answer asked for, where the other does not, stays instead. In article order, an ellipsis
 * between sentences apart; unchanged when nothing else holds any of the question or the two do
 * not fit.
 *
 * Measured against the neighbour alone (NewsQA dev halves a / b, excerpt answers): 0.5156 ->
 * 0.5609 / 0.5371 -> 0.5650; MultiHop-RAG evidence quoted 0.4639 -> 0.5354 / 0.4528 -> 0.5202.
 * Scoring by what it holds alone gave 0.548 / 0.541; by what it adds alone 0.535 / 0.553.
 */
function withSecondSentence(
  passageOf: (p: number) => ReadPassage,
  excerpt: PlacedExcerpt,
  passages: readonly number[],
  weights: ReadonlyMap<string, TermWeight>,
  want: Wanted,
  /** The passage that opens a wire-style article, if it is one (-1: not). */
  leadPassage = -1,
): PlacedExcerpt {
  const main = excerpt.mainUnit;
  if (!main) return excerpt;
  const sentenceOf = (u: Unit) => sentenceAt(passageOf, u);
  const first = sentenceOf(main);
  const firstWeight = weightIn(first.tokens, weights, 0, first.text.length);
  const firstGroups = new Set<string>();
  for (const t of first.tokens) {
    const w = weights.get(t.term);
    if (w) firstGroups.add(w.group);
  }
  const bonus = want.type ? TYPE_BONUS : 1;
  // Each asked word's best weight in the sentence looked at (one scratch, cleared: this runs per sentence).
  const byGroup = sentenceGroups;
  let best: { unit: Unit; score: number } | undefined;
  for (const p of [...passages].sort((x, y) => x - y)) {
    const { text: passageText, bounds, tokens: held } = passageOf(p);
    if (held.length === 0) continue;
    for (let k = 0; k < bounds.length / 2; k++) {
      if (p === main[0] && k === main[1]) continue;
      const s = bounds[2 * k]!;
      const e = bounds[2 * k + 1]!;
      if (first.text.length + GAP.length + e - s > MAX_EXCERPT_CHARS) continue;
      byGroup.clear();
      for (const t of held) {
        if (t.start < s || t.end > e) continue;
        const w = weights.get(t.term);
        if (w) byGroup.add(w);
      }
      // What it holds of the question, and again what it holds that the first does not.
      let own = 0;
      let beyond = 0;
      for (let g = 0; g < byGroup.size; g++) {
        own += byGroup.weight(g);
        if (!firstGroups.has(byGroup.group(g))) beyond += byGroup.weight(g);
      }
      // One holding a small part of what the first holds (a common word such as "will") is noise beside it.
      if (own === 0 || own < SECOND_FLOOR * firstWeight) continue;
      let score = own + beyond;
      // Read further only when it could win.
      if (best && score * bonus <= best.score) continue;
      const text = passageText.slice(s, e);
      // A line without a final point is a sub-heading: it echoes, it does not answer.
      if (!endsSentence(text)) continue;
      if (want.type && holdsExpected(text, want.type, want.asked)) score *= TYPE_BONUS;
      // A wire-style lead weighs as much here as when it is the first sentence chosen: it tells
      // the story the question was written from. NewsQA dev excerpt answers a / b 0.5864 ->
      // 0.5935 / 0.5968 -> 0.5995 (1.3 alone: 0.5907 / 0.5968; 2.5: 0.5949 / 0.5968);
      // MultiHop-RAG (no datelines) unchanged.
      if (p === leadPassage && k === 0) score *= LEAD_BONUS * WIRE_EARLY_BONUS;
      if (!best || score > best.score) best = { unit: [p, k], score };
    }
  }
  const partner = excerpt.partnerUnit;
  if (!best || (partner && partner[0] === best.unit[0] && partner[1] === best.unit[1])) return excerpt;
  // The first sentence's own neighbour stays too when all three fit: the answer often sits beside
  // the sentence that echoes the question, as often as in the other sentence that holds its words.
  // NewsQA dev excerpt answers a / b 0.5581 -> 0.5666 / 0.5676 -> 0.5769; MultiHop-RAG evidence
  // quoted 0.5335 -> 0.5406 / 0.5163 -> 0.5250.
  if (partner) {
    const three = joinSentences(passageOf, sentenceOf, [main, best.unit, partner], weights);
    if (three.text.length <= MAX_EXCERPT_CHARS) return { ...excerpt, ...three, units: [main, best.unit, partner] };
    // Else the neighbour that holds the kind of answer asked for (a date for "when") stays beside the sentence.
    const typed = (u: Unit) => want.type !== null && holdsExpected(sentenceOf(u).text, want.type, want.asked);
    if (typed(partner) && !typed(best.unit)) return excerpt;
  }
  return {
    ...excerpt,
    ...joinSentences(passageOf, sentenceOf, [main, best.unit], weights),
    units: [main, best.unit],
  };
}

/**
 * The quote read on while it fits: the sentences after its last one, in the same section, up to
 * the excerpt limit; then, while room is left, the ones before its first. The sentence that
 * answers often follows the one that echoes the question ("… towards Asia. In the first case,
 * through Sudan. In the second, from Pakistan."), and a quote that ends where the article goes
 * on reads cut short.
 *
 * NewsQA dev excerpt answers a / b 0.5666 -> 0.5850 / 0.5875 -> 0.5942 reading on; MultiHop-RAG
 * evidence quoted 0.5408 -> 0.5445 / 0.5256 -> 0.5298. Reading back as well: 0.5864 / 0.5968 and
 * 0.5449 / 0.5304. Reading on only within the passage gained less (0.5765 / 0.5915, 0.5430 /
 * 0.5275), as did reading on only to 330 characters (0.5708 / 0.5902, 0.5423 / 0.5264).
 */
function readingOn(
  index: AnswerIndex,
  passageOf: (p: number) => ReadPassage,
  excerpt: PlacedExcerpt,
  weights: ReadonlyMap<string, TermWeight>,
): PlacedExcerpt {
  const units = excerpt.units;
  if (!units) return excerpt;
  let last = units.reduce((a, b) => (later(b, a) ? b : a));
  let first = units.reduce((a, b) => (later(a, b) ? b : a));
  const [from, to] = index.passageRange(passageOf(first[0]).passage.article);
  // The sentence beside [p, k] (step +1 after, -1 before) within its section, if any.
  const beside = ([p, k]: Unit, step: 1 | -1): Unit | undefined => {
    const here = passageOf(p);
    k += step;
    if (k >= 0 && k < here.bounds.length / 2) return [p, k];
    const q = p + step;
    if (q < from || q >= to || here.passage.lead) return undefined;
    const there = passageOf(q);
    if (there.passage.lead || there.passage.heading !== here.passage.heading) return undefined;
    return [q, step === 1 ? 0 : there.bounds.length / 2 - 1];
  };
  let { text } = excerpt;
  let highlights = [...excerpt.highlights];
  // The sentence's text and the question's words in it, offsets from its start.
  const sentence = (u: Unit) => {
    const { text: sentenceText, tokens } = sentenceAt(passageOf, u);
    const marks = tokens.filter((t) => weights.has(t.term)).map((t): [number, number] => [t.start, t.end]);
    return { text: sentenceText, marks };
  };
  // A line without a final point is a sub-heading or a list item: the quote stops before it.
  const fits = (added: string) => text.length + 1 + added.length <= MAX_EXCERPT_CHARS && endsSentence(added);
  for (let next = beside(last, 1); next; next = beside(last, 1)) {
    const add = sentence(next);
    if (!fits(add.text)) break;
    const at = text.length + 1;
    for (const [s, e] of add.marks) highlights.push([s + at, e + at]);
    text += ' ' + add.text;
    last = next;
  }
  if (!text.startsWith(ELLIPSIS))
    for (let prev = beside(first, -1); prev; prev = beside(first, -1)) {
      const add = sentence(prev);
      if (!fits(add.text)) break;
      const shift = add.text.length + 1;
      highlights = [...add.marks, ...highlights.map(([s, e]): [number, number] => [s + shift, e + shift])];
      text = add.text + ' ' + text;
      first = prev;
    }
  return text === excerpt.text ? excerpt : { ...excerpt, text, highlights };
}

/**
 * A "who" quote that names someone by surname alone ("Mears was cast as Jason") also quotes the
 * article's earlier sentence that gave the whole name, when the two fit (the quote's other
 * sentences give way to it).
 */
function withNameGiven(
  index: AnswerIndex,
  passageOf: (p: number) => ReadPassage,
  texts: PassageTexts,
  excerpt: PlacedExcerpt,
  from: number,
  weights: ReadonlyMap<string, TermWeight>,
  want: Wanted,
): PlacedExcerpt {
  const units = excerpt.units;
  const main = excerpt.mainUnit;
  if (!units || !main) return excerpt;
  const first = units.reduce((a, b) => (later(a, b) ? b : a));
  function* earlier(): Generator<EarlierPassage<number>> {
    for (let p = from; p <= first[0]; p++)
      yield {
        key: p,
        before: p < first[0] ? Infinity : first[1],
        read: () => [texts(p), index.passage(p).sentences],
      };
  }
  const sentenceOf = (u: Unit) => sentenceAt(passageOf, u);
  // The names' index terms (worked out once), to pass over a passage by its tokens before its text is read.
  let nameTerms: string[] | undefined;
  const mayHold = (p: number, names: readonly string[]) =>
    index.passageHolds(p, (nameTerms ??= names.flatMap((n) => indexTerms(n, index.aliases)))).size > 0;
  const intro = nameIntroduction(excerpt.text, sentenceOf(main).text, want.asked, earlier(), mayHold);
  if (!intro) return excerpt;
  for (const kept of [units, [main]]) {
    const joined = joinSentences(passageOf, sentenceOf, [intro, ...kept], weights);
    if (joined.text.length <= MAX_EXCERPT_CHARS) return { ...excerpt, ...joined, units: [intro, ...kept] };
  }
  return excerpt;
}

/** Sentence k of passage p: its text and tokens, offsets from its start. */
function sentenceAt(passageOf: (p: number) => ReadPassage, [p, k]: Unit): { text: string; tokens: Token[] } {
  const { text, bounds, tokens } = passageOf(p);
  const s = bounds[2 * k] ?? 0;
  const e = bounds[2 * k + 1] ?? text.length;
  return { text: text.slice(s, e), tokens: tokensWithin(tokens, s, e, -s) };
}

/** Sentences of an article quoted in its order: a space between neighbours, an ellipsis over a gap. */
function joinSentences(
  passageOf: (p: number) => ReadPassage,
  sentenceOf: (u: Unit) => { text: string; tokens: Token[] },
  units: Unit[],
  weights: ReadonlyMap<string, TermWeight>,
): { text: string; highlights: Array<[number, number]> } {
  const ordered = [...units].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let text = '';
  const highlights: Array<[number, number]> = [];
  ordered.forEach((u, i) => {
    const prev = ordered[i - 1];
    if (prev) {
      const follows =
        u[0] === prev[0] ? u[1] === prev[1] + 1 : u[0] === prev[0] + 1 && u[1] === 0 && isLastSentence(passageOf, prev);
      text += follows ? ' ' : GAP;
    }
    const sentence = sentenceOf(u);
    for (const t of sentence.tokens)
      if (weights.has(t.term)) highlights.push([t.start + text.length, t.end + text.length]);
    text += sentence.text;
  });
  return { text, highlights };
}

function isLastSentence(passageOf: (p: number) => ReadPassage, [p, k]: Unit): boolean {
  return k === passageOf(p).bounds.length / 2 - 1;
}

interface Excerpt {
  text: string;
  highlights: Array<[number, number]>;
  /** Question weight the quoted sentences hold. */
  score: number;
  /** The span (of those given) the quote is built on, and the neighbour joined to it (-1: none). */
  main: number;
  partner: number;
  /** The quote is whole sentences (not cut to fit). */
  whole: boolean;
}

/** Picks the sentence (and a neighbour, when it helps and fits) that holds most of the question. */
export function excerptOf(
  text: string,
  sentenceOffsets: readonly number[],
  weights: ReadonlyMap<string, TermWeight>,
  /** The index terms of `text` with their offsets (those not in `weights` may be left out: they weigh nothing). */
  tokens: readonly Token[],
  want: Wanted = { type: null, asked: new Set() },
  /** Sentences [from, to) the quote must start from; the others may only join it as neighbours. */
  core?: [number, number],
  /** The sentence that opens the article, if among these. */
  lead = -1,
): Excerpt {
  const spans: Array<[number, number]> = [];
  for (let i = 0; i + 1 < sentenceOffsets.length; i += 2) spans.push([sentenceOffsets[i]!, sentenceOffsets[i + 1]!]);
  if (spans.length === 0) spans.push([0, text.length]);
  const scoreOf = ([s, e]: [number, number]) => {
    let score = weightIn(tokens, weights, s, e);
    if (want.type && score > 0 && holdsExpected(text.slice(s, e), want.type, want.asked)) score *= TYPE_BONUS;
    return score;
  };
  const scores = spans.map((span, i) => scoreOf(span) * (i === lead ? LEAD_BONUS : 1));
  const [coreFrom, coreTo] = core ?? [0, spans.length];
  let best = coreFrom;
  for (let i = coreFrom + 1; i < coreTo; i++) if (scores[i]! > scores[best]!) best = i;
  let [from, to] = spans[best]!;
  // Add a neighbour when the two fit: the next sentence when it holds as much of the question,
  // else a previous one that holds more. (A list of openers that "continue" a sentence, shaped by
  // the seed articles, lowered excerpt answers on NewsQA and evidence quoted on MultiHop-RAG.)
  const prev = best - 1;
  const next = best + 1 < spans.length ? best + 1 : -1;
  const nextScore = next >= 0 ? scores[next]! : -1;
  const prevScore = prev >= 0 ? scores[prev]! : -1;
  // On a tie the previous sentence joins when only it holds the kind of answer asked for (a date,
  // a number, a name), else the next as before. NewsQA dev excerpt answers: half a unchanged,
  // half b 0.5279 -> 0.5292; MultiHop-RAG evidence quoted unchanged (0.4599).
  const typed = (i: number) => want.type !== null && holdsExpected(text.slice(...spans[i]!), want.type, want.asked);
  const prevFirst = next >= 0 && prev >= 0 && nextScore === prevScore && typed(prev) && !typed(next);
  const pick = prevFirst ? prev : next >= 0 && nextScore >= prevScore ? next : prevScore > 0 ? prev : next;
  // Only a sentence that ends like one runs on into its neighbour: a list item or a line without a
  // final point (joined into one passage with the next) would read glued to it ("…the bridge Lorries…").
  const joins = pick >= 0 && endsSentence(text.slice(...spans[Math.min(best, pick)]!));
  let partner = -1;
  if (joins && Math.max(to, spans[pick]![1]) - Math.min(from, spans[pick]![0]) <= MAX_EXCERPT_CHARS) {
    from = Math.min(from, spans[pick]![0]);
    to = Math.max(to, spans[pick]![1]);
    partner = pick;
  }
  const whole = to - from <= MAX_EXCERPT_CHARS;
  if (!whole) [from, to] = densestWindow(text, tokens, weights, from, to);
  const head = from > spans[0]![0] && !isSentenceStart(text, from, spans) ? ELLIPSIS : '';
  const tail = to < spans[spans.length - 1]![1] && !isSentenceEnd(to, spans) ? ELLIPSIS : '';
  const body = text.slice(from, to);
  const highlights: Array<[number, number]> = [];
  for (const t of tokens) {
    if (t.start >= from && t.end <= to && weights.has(t.term))
      highlights.push([t.start - from + head.length, t.end - from + head.length]);
  }
  const opens = lead >= 0 && from <= spans[lead]![0] && to > spans[lead]![0];
  return {
    text: head + body + tail,
    highlights,
    score: scoreOf([from, to]) * (opens ? LEAD_BONUS : 1),
    main: best,
    partner,
    whole,
  };
}

/** Ends with sentence punctuation (or a colon that leads into the next), maybe inside closing quotes or brackets. */
const ENDS_SENTENCE = /[.!?…:;]["'”’»)\]]*\s*$/u;
const endsSentence = (sentence: string) => ENDS_SENTENCE.test(sentence);

function isSentenceStart(_text: string, at: number, spans: Array<[number, number]>): boolean {
  return spans.some(([s]) => s === at);
}
function isSentenceEnd(at: number, spans: Array<[number, number]>): boolean {
  return spans.some(([, e]) => e === at);
}
