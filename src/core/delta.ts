/**
 * The delta: a corpus change (articles added, files changed or removed) taken into the index a
 * process serves within a second, without the full rebuild that takes minutes at scale. The
 * changed articles are indexed on their own (a small index: milliseconds), then merged with the
 * main index into a new one, copy-on-write: the main index's arrays are copied in slices, its
 * passages and minisearch index shared, so the index answering meanwhile is never touched. The
 * merged index answers as one index: every caller (answers, digests, autocomplete, "full passage")
 * sees the change. The background full rebuild later replaces it (see archive.ts).
 *
 * Approximations until that rebuild: an article's own title, source and date words still count
 * in the term statistics after it is removed (its passage words do not); minisearch, which only
 * corrects misspellings, does not know the new articles' words (they are found as written).
 */
import { finish, sliced } from './slices.js';
import type { Article } from './types.js';
import { NewsIndex, type ArticleMeta, type IndexParts, type Ints } from './search.js';
import type { Passage } from './passages.js';

/** What changed since the main index was built. */
export interface Delta {
  /** Files whose articles the main index holds but must no longer answer from (changed or removed). */
  hiddenFiles: ReadonlySet<string>;
  /**
   * Only articles whose ids start with this are hidden: a server's own files, whose paths may
   * equal files of the shared corpus its index also holds (see guildArchives.ts).
   */
  hiddenPrefix?: string;
  /** Articles to add (from new or changed files). */
  added: Article[];
}

/** Work done between two chances to pause (see `steps`): entries of an array copied or remapped. */
const STEP_ENTRIES = 100_000;
/** Passages renumbered between two chances to pause (each a new object). */
const STEP_PASSAGES = 10_000;

/**
 * A passage of the main index under a new article number; its text and sentences are still read
 * through it. A class of fixed shape: a copy with Object.create per passage took a second for
 * the 210,000 passages at 10×.
 */
class Renumbered implements Passage {
  constructor(
    private readonly inner: Passage,
    readonly article: number,
  ) {}

  get position(): number {
    return this.inner.position;
  }

  get heading(): string | undefined {
    return this.inner.heading;
  }

  get lead(): true | undefined {
    return this.inner.lead;
  }

  get text(): string {
    return this.inner.text;
  }

  get sentences(): number[] {
    return this.inner.sentences;
  }

  /** The passage under another number (never a wrapper of a wrapper, however many deltas follow). */
  static of(p: Passage, article: number): Passage {
    if (p.article === article) return p;
    return new Renumbered(p instanceof Renumbered ? p.inner : p, article);
  }
}

const renumbered = Renumbered.of;

/**
 * The main index with a delta applied, as steps: it yields where a caller may let the event loop
 * run (see mergeDelta). Articles of hidden files are dropped; added ones come last, in order.
 */
export function* mergeSteps(main: NewsIndex, delta: Delta): Generator<void, NewsIndex> {
  const base = main.parts;
  const own = NewsIndex.build(delta.added, { aliases: main.aliases, ranking: main.ranking }).parts;
  yield;
  const hidden = new Uint8Array(base.articles.length);
  base.articles.forEach((a, i) => {
    if (delta.hiddenFiles.has(a.file) && (delta.hiddenPrefix === undefined || a.id.startsWith(delta.hiddenPrefix)))
      hidden[i] = 1;
  });
  const tokenEnd = (p: number) => base.tokenStart[p + 1]!;

  // Articles and passages: the kept ones renumbered, then the added ones.
  const articles: ArticleMeta[] = [];
  const passages: Passage[] = [];
  const newArticle = new Int32Array(base.articles.length).fill(-1);
  const keptPassages: Array<[from: number, to: number]> = [];
  for (let a = 0; a < base.articles.length; a++) {
    if (hidden[a]) continue;
    const from = base.articles[a]!.firstPassage;
    const to = a + 1 < base.articles.length ? base.articles[a + 1]!.firstPassage : base.passages.length;
    newArticle[a] = articles.length;
    articles.push(
      from === passages.length ? base.articles[a]! : { ...base.articles[a]!, firstPassage: passages.length },
    );
    for (let p = from; p < to; p++) passages.push(renumbered(base.passages[p]!, articles.length - 1));
    keptPassages.push([from, to]);
    if (passages.length % STEP_PASSAGES < to - from) yield;
  }
  const shift = articles.length;
  const passageShift = passages.length;
  for (const a of own.articles) articles.push({ ...a, firstPassage: a.firstPassage + passageShift });
  for (const p of own.passages) passages.push(renumbered(p, p.article + shift));
  yield;

  // The vocabulary: the main index's, then the added articles' new words.
  const vocab = base.vocab.slice();
  const termId = new Map(base.vocab.map((t, i) => [t, i]));
  const ownTerm = Int32Array.from(own.vocab, (t) => {
    let id = termId.get(t);
    if (id === undefined) {
      id = vocab.push(t) - 1;
      termId.set(t, id);
    }
    return id;
  });
  yield;

  // Tokens and their offsets: the kept passages' ranges, then the added ones' (ids mapped).
  let tokenCount = own.tokens.length;
  for (const [from, to] of keptPassages) tokenCount += base.tokenStart[to]! - base.tokenStart[from]!;
  const wide = vocab.length >= 0xffff;
  const tokens: Ints =
    wide || base.tokens instanceof Int32Array ? new Int32Array(tokenCount) : new Uint16Array(tokenCount);
  let maxOffset = 0;
  for (const x of own.tokenOffsets) if (x > maxOffset) maxOffset = x;
  const offsets: Ints =
    base.tokenOffsets instanceof Int32Array || maxOffset >= 0xffff
      ? new Int32Array(2 * tokenCount)
      : new Uint16Array(2 * tokenCount);
  const tokenStart = new Int32Array(passages.length + 1);
  const passageDf = new Int32Array(vocab.length);
  passageDf.set(base.passageDf);
  const articleDf = new Int32Array(vocab.length);
  articleDf.set(base.articleDf);
  let at = 0;
  let p = 0;
  for (const [from, to] of keptPassages) {
    const start = base.tokenStart[from]!;
    const end = base.tokenStart[to]!;
    tokens.set(base.tokens.subarray(start, end), at);
    offsets.set(base.tokenOffsets.subarray(2 * start, 2 * end), 2 * at);
    for (let q = from; q < to; q++) tokenStart[p++] = at + base.tokenStart[q]! - start;
    at += end - start;
    if (at % STEP_ENTRIES < end - start) yield;
  }
  // A hidden article's passage words no longer count in the term statistics.
  const seen = new Int32Array(vocab.length).fill(-1);
  for (let a = 0; a < base.articles.length; a++) {
    if (!hidden[a]) continue;
    const from = base.articles[a]!.firstPassage;
    const to = a + 1 < base.articles.length ? base.articles[a + 1]!.firstPassage : base.passages.length;
    for (let q = from; q < to; q++) {
      for (let i = base.tokenStart[q]!; i < tokenEnd(q); i++) {
        const t = base.tokens[i]!;
        if (seen[t] !== q) {
          seen[t] = q;
          passageDf[t]!--;
        }
      }
    }
    for (let i = base.tokenStart[from]!; i < base.tokenStart[to]!; i++) {
      const t = base.tokens[i]!;
      if (seen[t] !== -2 - a) {
        seen[t] = -2 - a;
        articleDf[t]!--;
      }
    }
  }
  for (let q = 0; q < own.passages.length; q++) tokenStart[p++] = at + own.tokenStart[q]!;
  for (let i = 0; i < own.tokens.length; i++) tokens[at + i] = ownTerm[own.tokens[i]!]!;
  offsets.set(own.tokenOffsets, 2 * at);
  tokenStart[p] = tokenCount;
  for (let t = 0; t < own.vocab.length; t++) {
    passageDf[ownTerm[t]!]! += own.passageDf[t]!;
    articleDf[ownTerm[t]!]! += own.articleDf[t]!;
  }
  yield;

  // Article postings: each term's kept postings (renumbered), then the added articles'.
  const ownPostings = new Map<number, number>();
  for (let t = 0; t < own.vocab.length; t++) ownPostings.set(ownTerm[t]!, t);
  const start = new Int32Array(vocab.length + 1);
  const b = base.postings;
  // Common words come first in the vocabulary and hold most postings: steps are counted in postings, not terms.
  let done = 0;
  for (let t = 0; t < vocab.length; t++) {
    let n = 0;
    if (t < base.vocab.length) for (let i = b.start[t]!; i < b.start[t + 1]!; i++) if (!hidden[b.article[i]!]) n++;
    const o = ownPostings.get(t);
    if (o !== undefined) n += own.postings.start[o + 1]! - own.postings.start[o]!;
    start[t + 1] = start[t]! + n;
    if ((done += n + 1) > STEP_ENTRIES) {
      done = 0;
      yield;
    }
  }
  const postArticle = new Int32Array(start[vocab.length]!);
  const postTf = new Float32Array(postArticle.length);
  let w = 0;
  done = 0;
  for (let t = 0; t < vocab.length; t++) {
    if (t < base.vocab.length) {
      for (let i = b.start[t]!; i < b.start[t + 1]!; i++) {
        const a = newArticle[b.article[i]!]!;
        if (a < 0) continue;
        postArticle[w] = a;
        postTf[w++] = b.tf[i]!;
      }
    }
    const o = ownPostings.get(t);
    if (o !== undefined) {
      for (let i = own.postings.start[o]!; i < own.postings.start[o + 1]!; i++) {
        postArticle[w] = own.postings.article[i]! + shift;
        postTf[w++] = own.postings.tf[i]!;
      }
    }
    if (w - done > STEP_ENTRIES) {
      done = w;
      yield;
    }
  }
  const length = new Float32Array(articles.length);
  for (let a = 0; a < base.articles.length; a++) if (newArticle[a]! >= 0) length[newArticle[a]!] = b.length[a]!;
  length.set(own.postings.length, shift);
  yield;

  const parts: IndexParts = {
    articles,
    passages,
    tokens,
    tokenStart,
    tokenOffsets: offsets,
    vocab,
    passageDf,
    articleDf,
    // Shared: it only serves spelling corrections (see the note at the top).
    mini: base.mini,
    postings: { start, article: postArticle, tf: postTf, length },
  };
  // The main index's hash: what it stamps (server indexes built over it) is still the corpus it was built from.
  return NewsIndex.fromParts(parts, main.hash, main.aliases, main.ranking);
}

/** mergeSteps run through at once (the terminal, tests). */
export function mergeDelta(main: NewsIndex, delta: Delta): NewsIndex {
  return finish(mergeSteps(main, delta));
}

/** mergeSteps in slices of a few milliseconds, the event loop served between them: for a serving process. */
export function mergeDeltaAsync(main: NewsIndex, delta: Delta): Promise<NewsIndex> {
  return sliced(mergeSteps(main, delta));
}
