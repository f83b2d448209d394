/**
 * Building an index: parsed articles → passages, their index terms (one vocabulary, token
 * offsets kept for excerpts), passage and article document frequencies, the spelling index and
 * the article postings that the ranking stage scores with field weights built in.
 */
import MiniSearch from 'minisearch';
import type { AliasTable } from './aliases.js';
import { tokenize } from './text.js';
import type { Article } from './types.js';
import { DEFAULT_PASSAGE_OPTIONS, splitArticle, type PassageOptions } from './passages.js';
import { miniOptions } from './index-spelling.js';
import type { ArticleMeta, ArticlePostings, IndexParts } from './index-parts.js';
import { PassageList, PassageStoreBuilder } from './passage-store.js';
import { IntList } from './storage.js';
import type { RankingOptions } from './rank.js';
import { finish } from './slices.js';

/**
 * Builds an index's data from parsed articles; `fieldWeights` shape its article postings. The
 * articles are taken one at a time (an iterable may parse each as it is asked for): what is kept
 * of each goes into typed storage (storage.ts), so a build holds no copy of the corpus as strings.
 */
export function buildIndexParts(articles: Iterable<Article>, options: BuildOptions): IndexParts {
  return finish(buildIndexSteps(articles, options));
}

/** What building an index takes besides the articles. */
export interface BuildOptions {
  aliases: AliasTable;
  fieldWeights: RankingOptions['fieldWeights'];
  passages?: PassageOptions;
}

/**
 * buildIndexParts in steps, yielding after each article (a millisecond or two) and through the
 * postings: a delta of hundreds of articles built on the serving thread (see delta.ts) then
 * stalls it no longer than a slice (slices.ts), not for the whole build.
 */
export function* buildIndexSteps(articles: Iterable<Article>, options: BuildOptions): Generator<void, IndexParts> {
  const { aliases } = options;
  const metas: ArticleMeta[] = [];
  const vocab: string[] = [];
  const termId = new Map<string, number>();
  const idOf = (term: string) => {
    let id = termId.get(term);
    if (id === undefined) {
      id = vocab.length;
      vocab.push(term);
      termId.set(term, id);
    }
    return id;
  };
  const tokens = new IntList();
  const tokenStart = new IntList();
  const offsets = new IntList();
  const passageDfCounts: number[] = [];
  const articleDfCounts: number[] = [];
  const mini = new MiniSearch(miniOptions(aliases));
  const passageOptions = options.passages ?? DEFAULT_PASSAGE_OPTIONS;
  // The passages are kept as columns; the arrays are put in once all are known.
  const columns = new PassageStoreBuilder();
  let i = 0;
  for (const article of articles) {
    metas.push(toMeta(article, columns.count));
    const own = splitArticle(article, i, passageOptions);
    const articleTerms = new Set<number>();
    for (const p of own) {
      tokenStart.push(tokens.length);
      const seen = new Set<number>();
      // A short heading ("Background") labels every passage under it, so its words count there too.
      const label =
        p.heading && p.heading !== p.text && p.heading.length < passageOptions.sentenceHeadingChars
          ? `${p.heading}\n`
          : '';
      for (const t of tokenize(label + p.text, aliases)) {
        const id = idOf(t.term);
        tokens.push(id);
        const inLabel = t.start < label.length;
        offsets.push(inLabel ? 0 : t.start - label.length + 1);
        offsets.push(inLabel ? 0 : t.end - label.length + 1);
        seen.add(id);
      }
      for (const id of seen) {
        passageDfCounts[id] = (passageDfCounts[id] ?? 0) + 1;
        articleTerms.add(id);
      }
      columns.add(p);
    }
    const lead = [article.standfirst ?? '', ...article.sections.map((s) => s.heading ?? '')].filter(Boolean).join('\n');
    const doc = {
      id: i,
      title: article.title,
      lead,
      body: own.map((p) => p.text).join('\n'),
      source: article.source ?? '',
      date: dateWords(article.published),
    };
    for (const f of ['title', 'lead', 'source', 'date'] as const)
      for (const t of tokenize(doc[f], aliases)) articleTerms.add(idOf(t.term));
    for (const id of articleTerms) articleDfCounts[id] = (articleDfCounts[id] ?? 0) + 1;
    // Added as it comes (addAll adds one by one too), so no article's text outlives its turn.
    mini.add(doc);
    i++;
    yield;
  }
  tokenStart.push(tokens.length);
  const store = columns.finish();
  const df = (counts: number[]) => Int32Array.from({ length: vocab.length }, (_, i) => counts[i] ?? 0);
  const built = {
    articles: metas,
    passages: new PassageList(store),
    // 16-bit while the vocabulary fits, as narrowest decides.
    tokens: tokens.toInts(true, vocab.length),
    tokenStart: tokenStart.to(Int32Array, true),
    tokenOffsets: offsets.toInts(true),
    vocab,
    passageDf: df(passageDfCounts),
    articleDf: df(articleDfCounts),
    mini,
  };
  const postings = yield* articlePostings(built, termId, (a) =>
    articleMetaTerms(metas[a]!, aliases, options.fieldWeights),
  );
  return { ...built, postings };
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "2023-10-07T…" → "October 7 2023", so a date asked in words finds the article's date field. */
export function dateWords(iso: string | undefined): string {
  const m = iso ? /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(iso) : null;
  if (!m) return '';
  const month = MONTH_NAMES[Number(m[2]) - 1] ?? '';
  return [month, m[3] ? String(Number(m[3])) : '', m[1]].filter(Boolean).join(' ');
}

/** What a renderer needs of an article (its body left out), its passages starting at `firstPassage`. */
export function toMeta(a: Article, firstPassage: number): ArticleMeta {
  const meta: ArticleMeta = { id: a.id, title: a.title, tags: a.tags, file: a.file, firstPassage };
  if (a.url) meta.url = a.url;
  if (a.published) meta.published = a.published;
  if (a.source) meta.source = a.source;
  if (a.author) meta.author = a.author;
  if (a.standfirst) meta.standfirst = a.standfirst;
  if (a.photoCredits) meta.photoCredits = a.photoCredits;
  return meta;
}

/** Words of an article's title, source and date, with the weight each field gives them in article scoring. */
export function articleMetaTerms(
  meta: ArticleMeta,
  aliases: AliasTable,
  w: RankingOptions['fieldWeights'],
): Array<[term: string, weight: number]> {
  const out: Array<[string, number]> = [];
  for (const t of tokenize(meta.title, aliases)) out.push([t.term, w.title]);
  for (const t of tokenize(meta.source ?? '', aliases)) out.push([t.term, w.source]);
  for (const t of tokenize(dateWords(meta.published), aliases)) out.push([t.term, w.date]);
  return out;
}

/** Articles counted or filled between two chances to pause the postings (each a few microseconds). */
const POSTING_ARTICLES_PER_STEP = 100;

/**
 * Article postings from the passage tokens, plus each article's title, source and date words at
 * their field weight: built with the index and persisted with it (two passes over typed arrays:
 * count, then fill).
 */
function* articlePostings(
  b: Omit<IndexParts, 'postings'>,
  termId: ReadonlyMap<string, number>,
  metaTerms: (a: number) => Array<[string, number]>,
): Generator<void, ArticlePostings> {
  const n = b.articles.length;
  const terms = b.vocab.length;
  const meta = Array.from({ length: n }, (_, a) =>
    metaTerms(a).flatMap(([term, w]) => {
      const id = termId.get(term);
      return id === undefined || w <= 0 ? [] : [[id, w] as const];
    }),
  );
  yield;
  const range = (a: number): [number, number] => [
    b.tokenStart[b.articles[a]!.firstPassage]!,
    a + 1 < n ? b.tokenStart[b.articles[a + 1]!.firstPassage]! : b.tokens.length,
  ];
  const start = new Int32Array(terms + 1);
  const lastSeen = new Int32Array(terms).fill(-1);
  const length = new Float32Array(n);
  for (let a = 0; a < n; a++) {
    const [from, to] = range(a);
    let len = to - from;
    for (let i = from; i < to; i++) {
      const id = b.tokens[i]!;
      if (lastSeen[id] !== a) {
        lastSeen[id] = a;
        start[id + 1]!++;
      }
    }
    for (const [id, w] of meta[a]!) {
      len += w;
      if (lastSeen[id] !== a) {
        lastSeen[id] = a;
        start[id + 1]!++;
      }
    }
    length[a] = len;
    if (a % POSTING_ARTICLES_PER_STEP === 0) yield;
  }
  for (let t = 0; t < terms; t++) start[t + 1]! += start[t]!;
  const fill = start.slice(0, terms);
  const slot = new Int32Array(terms);
  const article = new Int32Array(start[terms]!);
  const tf = new Float32Array(article.length);
  lastSeen.fill(-1);
  const add = (id: number, a: number, w: number) => {
    if (lastSeen[id] !== a) {
      lastSeen[id] = a;
      slot[id] = fill[id]!++;
      article[slot[id]!] = a;
    }
    tf[slot[id]!]! += w;
  };
  for (let a = 0; a < n; a++) {
    const [from, to] = range(a);
    for (let i = from; i < to; i++) add(b.tokens[i]!, a, 1);
    for (const [id, w] of meta[a]!) add(id, a, w);
    if (a % POSTING_ARTICLES_PER_STEP === 0) yield;
  }
  return { start, article, tf, length };
}
