/**
 * The spelling index: minisearch over each article's fields, which only spelling correction and
 * "did you mean" ask (see query.ts). A loaded index leaves it in its saved form and makes it on
 * first use, or in slices when a serving process warms up, so a start pays nothing for it.
 */
import MiniSearch from 'minisearch';
import { finish, sliced } from './slices.js';
import type { AliasTable } from './aliases.js';
import { tokenize } from './text.js';
import type { Vocabulary } from './query.js';
import { Lru } from './lru.js';
import { IntList } from './storage.js';

type ArticleField = 'title' | 'lead' | 'body' | 'source' | 'date';
const FIELDS: ArticleField[] = ['title', 'lead', 'body', 'source', 'date'];

/** A minisearch index still to make from its saved form, shared by an index and any delta over it. */
export interface LazyMini {
  made?: MiniSearch;
  /** How to make it; dropped once made, with the saved bytes it holds. */
  steps?: () => Generator<void, MiniSearch>;
  /** An empty index, when the saved one cannot be read: answers go on, without spelling correction. */
  empty: () => MiniSearch;
  /**
   * A warm-up is making it in slices: a question meanwhile goes without spelling correction
   * rather than make it a second time at once (seconds of a blocked event loop at 10×).
   */
  warming?: Promise<void>;
}

/** The spelling index as made, or still to make from its saved form. */
export type SpellingIndex = MiniSearch | LazyMini;

/**
 * Terms of the minisearch index loaded between two chances to pause a load, or fewer when they
 * hold `LOAD_POSTINGS_PER_STEP` postings: a common term's postings grow with the archive (at 10×
 * a step of 100 terms took up to 16 ms of CPU).
 */
const LOAD_TERMS_PER_STEP = 100;
const LOAD_POSTINGS_PER_STEP = 5_000;

/** minisearch's term index: term → field id → document id → term frequency. */
type TermData = Map<number, Map<number, number>>;
type MiniTermIndex = Iterable<[string, TermData]> & { set(term: string, data: TermData): unknown };

/**
 * minisearch's private term index (`_index`, a radix tree in minisearch 7): read here, and set
 * aside in miniSerialized below, the only places that reach inside minisearch. Its toJSON makes
 * every term's entry at once (several GB of objects at 100×) and its loadJS takes them all at
 * once (pauses of 40–170 ms at 1×), so the save (miniSerialized) and the load (loadMini) go
 * through the term index a term at a time. Undefined when minisearch keeps it otherwise: both
 * then fall back to toJSON and loadJS.
 */
function termIndexOf(mini: MiniSearch): MiniTermIndex | undefined {
  const index = (mini as unknown as { _index?: Partial<MiniTermIndex> })._index;
  return typeof index?.set === 'function' && typeof index[Symbol.iterator] === 'function'
    ? (index as MiniTermIndex)
    : undefined;
}

/**
 * minisearch's serialization (what its toJSON gives, version 2) with its term index apart, as
 * entries made one at a time (see termIndexOf).
 */
export function miniSerialized(mini: MiniSearch): { meta: Record<string, unknown>; terms: Iterable<unknown> } {
  const index = termIndexOf(mini);
  if (!index) {
    const { index: terms, ...meta } = mini.toJSON();
    return { meta, terms };
  }
  // toJSON over the same instance with an empty term index: the rest exactly as minisearch writes it.
  const { index: _none, ...meta } = MiniSearch.prototype.toJSON.call({ ...mini, _index: [] } as unknown as MiniSearch);
  function* terms(): Generator<[string, Record<number, Record<number, number>>]> {
    for (const [term, fieldIndex] of index!) {
      const data: Record<number, Record<number, number>> = {};
      for (const [fieldId, freqs] of fieldIndex) data[fieldId] = Object.fromEntries(freqs);
      yield [term, data];
    }
  }
  return { meta, terms: terms() };
}

/**
 * A term's postings in a loaded spelling index, kept as integers in one list shared by every term
 * (see loadMini) and made into minisearch's Maps only when a search reads them: at 10× the Maps of
 * every term were 2.95 million entries in 31,000 Maps, all surviving, which the warm-up after each
 * reload made in scavenges of 10–30 ms each (46 of them, 0.5–0.65 s in all). A search reads a
 * term's field (`get`) only for the terms near the word asked. At `at`: the number of fields, then
 * for each its id, its number of documents and that many [document id, term frequency] pairs, in
 * the order the saved form lists them (the order the Maps were filled in before).
 */
class TermPostings {
  constructor(
    private readonly list: IntList,
    private readonly at: number,
  ) {}

  get size(): number {
    return this.list.get(this.at);
  }

  /** The documents holding the term in field `fieldId`, with the term's frequency in each. */
  get(fieldId: number): Map<number, number> | undefined {
    for (const [id, from, n] of this.fields()) if (id === fieldId) return this.postings(from, n);
    return undefined;
  }

  has(fieldId: number): boolean {
    for (const [id] of this.fields()) if (id === fieldId) return true;
    return false;
  }

  /** Each field's id, where its pairs start and how many there are. */
  private *fields(): Generator<[id: number, from: number, n: number]> {
    const { list } = this;
    let i = this.at + 1;
    for (let f = list.get(this.at); f > 0; f--) {
      const n = list.get(i + 1);
      yield [list.get(i), i + 2, n];
      i += 2 + 2 * n;
    }
  }

  private postings(from: number, n: number): Map<number, number> {
    const out = new Map<number, number>();
    for (let k = 0; k < n; k++) out.set(this.list.get(from + 2 * k), this.list.get(from + 2 * k + 1));
    return out;
  }

  *entries(): Generator<[number, Map<number, number>]> {
    for (const [id, from, n] of this.fields()) yield [id, this.postings(from, n)];
  }

  [Symbol.iterator](): Generator<[number, Map<number, number>]> {
    return this.entries();
  }

  *keys(): Generator<number> {
    for (const [id] of this.fields()) yield id;
  }

  *values(): Generator<Map<number, number>> {
    for (const [, postings] of this.entries()) yield postings;
  }

  forEach(f: (postings: Map<number, number>, fieldId: number) => void): void {
    for (const [id, postings] of this.entries()) f(postings, id);
  }
}

/** Whether a term's saved postings are all non-negative integers below 2^32 (what TermPostings holds). */
function fitsIntegers(data: Record<string, Record<string, number>>): boolean {
  for (const field in data) {
    if (!/^\d+$/.test(field)) return false;
    const docs = data[field]!;
    for (const doc in docs) {
      const tf = docs[doc]!;
      if (!/^\d+$/.test(doc) || !Number.isInteger(tf) || tf < 0 || tf > 0xffff_ffff) return false;
    }
  }
  return true;
}

/**
 * minisearch's loadJS in steps of `LOAD_TERMS_PER_STEP` terms (see there). Its own loadJSAsync pauses only
 * every 1,000 terms, which took 40–170 ms each at 1× on a busy machine; this does what loadJS
 * does for each term (serialization version 2, the one minisearch 7 writes), into the instance's
 * term index (see termIndexOf), except that a term's postings are kept as TermPostings rather
 * than Maps; it falls back to loadJS for anything else.
 */
function* loadMini(
  meta: Record<string, unknown>,
  terms: Iterable<[string, unknown]>,
  options: ReturnType<typeof miniOptions>,
): Generator<void, MiniSearch> {
  type Serialized = Parameters<typeof MiniSearch.loadJS>[0];
  const mini = MiniSearch.loadJS({ ...meta, index: [] } as unknown as Serialized, options);
  const termIndex = termIndexOf(mini);
  if (meta.serializationVersion !== 2 || !termIndex)
    return MiniSearch.loadJS({ ...meta, index: terms } as unknown as Serialized, options);
  const list = new IntList();
  let n = 0;
  let postingCount = 0;
  for (const [term, saved] of terms) {
    const data = saved as Record<string, Record<string, number>>;
    if (fitsIntegers(data)) {
      const at = list.length;
      const fields = Object.entries(data);
      list.push(fields.length);
      for (const [field, docs] of fields) {
        list.push(parseInt(field, 10));
        const count = list.length;
        list.push(0);
        let size = 0;
        for (const doc in docs) {
          list.push(parseInt(doc, 10));
          list.push(docs[doc]!);
          size++;
        }
        list.set(count, size);
        postingCount += size;
      }
      termIndex.set(term, new TermPostings(list, at) as unknown as TermData);
    } else {
      // What loadJS makes, for a term whose postings TermPostings cannot hold.
      const fields: TermData = new Map();
      for (const [field, docs] of Object.entries(data)) {
        const postings = new Map<number, number>();
        for (const doc in docs) postings.set(parseInt(doc, 10), docs[doc]!);
        fields.set(parseInt(field, 10), postings);
        postingCount += postings.size;
      }
      termIndex.set(term, fields);
    }
    if (++n === LOAD_TERMS_PER_STEP || postingCount >= LOAD_POSTINGS_PER_STEP) {
      n = 0;
      postingCount = 0;
      yield;
    }
  }
  return mini;
}

/**
 * A saved minisearch index to make on first use: made on a cold start it was a third of the
 * start (parsing, building its term tree, and the garbage after), and only spelling correction
 * asks for it. A function of its own, so what it keeps is only what it names, not the whole
 * file's bytes that the loader's other closures hold.
 */
export function lazyMini(
  meta: Record<string, unknown>,
  chunks: ArrayLike<number>,
  terms: Buffer,
  aliases: AliasTable,
): LazyMini {
  // loadJS only iterates the term index, so it can take the chunks one at a time.
  function* termEntries(): Generator<[string, unknown]> {
    for (let i = 0; i + 1 < chunks.length; i++)
      yield* JSON.parse(terms.toString('utf8', chunks[i]!, chunks[i + 1]!)) as Array<[string, unknown]>;
  }
  return {
    steps: () => loadMini(meta, termEntries(), miniOptions(aliases)),
    empty: () => new MiniSearch(miniOptions(aliases)),
  };
}

const identity = (t: string) => t;
const splitSpace = (s: string) => s.split(' ');

/** minisearch's options: the index's own tokenizer (aliases applied) at build time, terms taken as given when searching. */
export function miniOptions(aliases: AliasTable) {
  return {
    fields: FIELDS,
    storeFields: [],
    tokenize: (text: string) => tokenize(text, aliases).map((t) => t.term),
    processTerm: identity,
    searchOptions: { tokenize: splitSpace, processTerm: identity },
  };
}

/** The minisearch index, made now if it was left for its first use. */
export function madeSpelling(source: SpellingIndex): MiniSearch {
  if (source instanceof MiniSearch) return source;
  if (!source.made) {
    try {
      source.made = finish(source.steps!());
    } catch {
      source.made = source.empty();
    }
    delete source.steps;
  }
  return source.made;
}

/** Makes a spelling index left for its first use in slices of a few milliseconds (see NewsIndex.warmUp). */
export async function warmUpSpelling(source: SpellingIndex): Promise<void> {
  if (source instanceof MiniSearch || source.made || !source.steps) return;
  source.warming ??= sliced(source.steps())
    .catch(() => source.empty())
    .then((made) => {
      source.made ??= made;
      delete source.steps;
      delete source.warming;
    });
  return source.warming;
}

/**
 * Look-ups in the spelling index kept per index, the least recently used dropped first: a
 * misspelt or unindexed word comes back (a subject in the news is asked about all day) and a
 * fuzzy look-up at two edits took 2.5 ms of CPU ("fraudulent", in 52 of MultiHop-RAG's 2,255
 * questions). Each holds a few dozen words at most.
 */
const SIMILAR_KEPT = 1_000;

/**
 * The archive's words as the query stage looks them up (query.ts Vocabulary): its term ids, and
 * the spelling index for the words near a misspelt one (the first 50 fuzzy matches, 20 by prefix).
 */
export function spellingVocabulary(termId: ReadonlyMap<string, number>, source: SpellingIndex): Vocabulary {
  const kept = new Lru<string, string[]>(SIMILAR_KEPT);
  return {
    has: (term) => termId.has(term),
    *similar(term, how) {
      // Being made in slices (see LazyMini.warming): no correction for now, and no stall.
      if (!(source instanceof MiniSearch) && !source.made && source.warming !== undefined) return;
      const key = 'prefix' in how ? `${term} prefix` : `${term} ${how.distance}`;
      let found = kept.get(key);
      if (!found) {
        const mini = madeSpelling(source);
        const hits =
          'prefix' in how
            ? mini.search(term, { prefix: true, fields: ['title', 'body'] }).slice(0, 20)
            : mini.search(term, { fuzzy: how.distance, fields: ['title', 'body'], combineWith: 'OR' }).slice(0, 50);
        found = hits.flatMap((hit) => Object.keys(hit.match));
        kept.set(key, found);
      }
      yield* found;
    },
  };
}
