/**
 * The query stage: a question → weighted index terms. Words are made into index terms as the
 * index made them (aliases applied), misspelt ones corrected against the spelling index,
 * synonyms and place forms added at a lower weight, and the outlets and dates the question names
 * read out; what the archive has never seen is kept apart for the refusal ("did you mean").
 */
import { placeFormsOf } from './places.js';
import { derivedFormsOf } from './derived.js';
import { editDistance, type AliasTable, type WordList } from './aliases.js';
import { foldWord, irregularForms, stem, stemOnce, tokenize, type Token } from './text.js';
import { askedTime, namedDates, type AskedTime, type NamedDates } from './dates.js';
import { ENGLISH_ABBREVIATIONS } from './abbreviations.js';
import { KNOWN_OUTLETS } from './outlets.js';
import type { RankingOptions } from './rank.js';

/** A question term with its weight; `fuzzy` marks a correction of a misspelt word. */
export interface QueryTerm {
  term: string;
  weight: number;
  /** The word as asked, for terms that came from a synonym or a spelling correction. */
  from?: string;
  /** Set when the term is a spelling correction of `from`. */
  corrected?: true;
}

export interface ParsedQuery {
  terms: QueryTerm[];
  /** Terms the archive has never seen, even after spelling correction. */
  unknown: string[];
  /** Of those, the ones asked as names (capitalised mid-sentence, or an acronym), as written. */
  unknownNames: string[];
  /** The index terms of those names, in the same order. */
  unknownNameTerms?: string[];
  /** Known terms asked as names, or alias groups of names (not of common nouns). */
  names: string[];
  outlets: string[];
  /** Outlets the question names that the archive holds no article from (see outlets.ts), as written. */
  absentOutlets: string[];
  dates: NamedDates;
  /** Recency asked for, and the period the question keeps to (see dates.ts askedTime). */
  time: AskedTime;
}

/**
 * The archive's words as the query stage looks them up. The in-memory index answers from its term
 * ids and its minisearch spelling index (index-spelling.ts); the SQLite backend from its tables
 * (storedIndex.ts), so both parse a question by the same rules.
 */
export interface Vocabulary {
  /** Whether the archive holds the index term. */
  has(term: string): boolean;
  /**
   * Index terms to try as spellings of `term`, in the order to try them (duplicates allowed):
   * those within `distance` edits, or (prefix) those starting with it.
   */
  similar(term: string, how: { distance: number } | { prefix: true }): Iterable<string>;
}

/** What the query stage reads of the archive. */
export interface QueryContext {
  vocabulary: Vocabulary;
  aliases: AliasTable;
  /** Read for `synonymWeight` and `derivedWeight`, the weights of synonyms, place and derived forms against the words asked. */
  ranking: Pick<RankingOptions, 'synonymWeight' | 'derivedWeight'>;
  /** The archive's sources, folded (see foldWord), in the order first met. */
  sources: string[];
  /** How many articles contain the term. */
  articleFrequency(term: string): number;
  /** How many articles the archive holds. */
  articleCount(): number;
  /** A word of the archive's text that makes the index term, as written there. */
  surfaceOf(term: string): string | undefined;
}

/**
 * The most derived forms a question adds (its rarest ones). A MultiHop-RAG question's words had 8
 * on average, a third more terms and about as much more time; with at most 4, its nDCG@10 went up
 * on both halves rather than down on one (a 0.8389 -> 0.8368, b 0.8389 -> 0.8415, against 0.8356
 * and 0.8406 with none) and its unanswerable refusals stayed at 253 of 301; NewsQA dev unchanged
 * (0.9 a question). At most 2: NewsQA b top-1 0.7759 -> 0.7719.
 */
const MAX_DERIVED_TERMS = 4;

/**
 * A derived form more than this share of the articles hold is not added (nor, in a small archive,
 * one more than MIN_COMMON_ARTICLES hold). At 0.1: the bench's p99 for a restarted bot 5.08 ms
 * against 5.69-6.07 with every form (4.70-4.85 with none; load 1.1-1.9); NewsQA dev top-1 a
 * 0.7734 -> 0.7748, R@10 a 0.9292 -> 0.9278, b unchanged; MultiHop-RAG nDCG@10 a 0.8373 -> 0.8370,
 * b 0.8411 -> 0.8413, refusals unchanged. At 0.05: NewsQA top-1 a 0.7720, b 0.7732.
 */
const COMMON_FORM_SHARE = 0.1;
const MIN_COMMON_ARTICLES = 2;

/** Parses questions against one archive: its vocabulary, aliases, spelling index and outlets. */
export class QueryParser {
  private readonly vocabulary: Vocabulary;
  private readonly aliases: AliasTable;
  private readonly ranking: Pick<RankingOptions, 'synonymWeight' | 'derivedWeight'>;
  private readonly articleFrequency: (term: string) => number;
  private readonly articleCount: () => number;
  private readonly surfaceOf: (term: string) => string | undefined;
  private readonly outletNames: OutletName[];
  /** The archive's sources in compact form ("bbcnewstechnology"), to tell which named outlets it holds. */
  private readonly sourceKeys: string[];

  constructor(context: QueryContext) {
    this.vocabulary = context.vocabulary;
    this.aliases = context.aliases;
    this.ranking = context.ranking;
    this.articleFrequency = context.articleFrequency;
    this.articleCount = context.articleCount;
    this.surfaceOf = context.surfaceOf;
    this.outletNames = outletNamesOf(context.sources);
    this.sourceKeys = context.sources.map(compact);
  }

  /** Turns a question into weighted index terms, outlets and dates; `now` places "last week" and "since March". */
  parse(question: string, now: Date = new Date()): ParsedQuery {
    const counts = new Map<string, number>();
    const named = new Set<string>();
    const surface = new Map<string, string>();
    const asWritten = new Map<string, string>();
    const time = askedTime(question, now);
    // Words that ask when are read as time, not searched for as text: a period counted back from now
    // ("last week") always; a recency word ("latest", "now") when the archive never uses it, where it
    // would only count against the answer. MultiHop-RAG and NewsQA dev lost a question or two when
    // every recency word was dropped ("Who recently said …").
    const within = (spans: Array<[number, number]>, t: { start: number; end: number }) =>
      spans.some(([s, e]) => t.start >= s && t.end <= e);
    // A timestamp ("2023-10-04T21:11:57+00:00") is read as its day: its time of day made words
    // such as "04T21" that no article holds, refused as names the archive lacks.
    const text = question.replace(TIMESTAMP, (m: string) => m.slice(0, 10).padEnd(m.length, ' '));
    for (const t of this.joined(text, tokenize(text, this.aliases))) {
      if (within(time.spans, t) || (within(time.recentSpans, t) && !this.vocabulary.has(t.term))) continue;
      counts.set(t.term, (counts.get(t.term) ?? 0) + 1);
      // As the index reads it: "al-bagdadi's" is looked up as "bagdadi", its possessive folded away.
      surface.set(t.term, foldWord(question.slice(t.start, t.end)).replace(/'s$/, ''));
      if (!asWritten.has(t.term)) asWritten.set(t.term, question.slice(t.start, t.end));
      if (looksLikeName(question, t.start, t.end)) named.add(t.term);
    }
    const terms: QueryTerm[] = [];
    const unknown: string[] = [];
    const add = (qt: QueryTerm) => {
      const existing = terms.find((t) => t.term === qt.term);
      if (existing) existing.weight = Math.max(existing.weight, qt.weight);
      else terms.push(qt);
    };
    const names = new Set<string>();
    const derived: Array<{ term: string; from: string; df: number }> = [];
    for (const [term] of counts) {
      const forms = derivedFormsOf(term);
      if (this.vocabulary.has(term)) {
        add({ term, weight: 1 });
        if (named.has(term) || this.aliases.isName(term)) names.add(term);
      } else {
        const corrected = this.correct(term, surface.get(term) ?? term, named.has(term));
        // A capitalised name the archive never saw is a person or place it does not hold, not a
        // typo of a common English word: it stays unknown (a refusal can name it). NewsQA dev
        // unanswerable refused a 8 -> 8, b 11 -> 12 of 41; MultiHop-RAG nulls 248 -> 250 of 301;
        // answerable refusals and rankings unchanged on both.
        // A word the archive writes as a name ("Bronw" is "Brown") is a name, English or not.
        const fixed =
          corrected &&
          named.has(term) &&
          !this.aliases.isName(corrected) &&
          isEnglishWord(corrected, this.aliases.englishWords) &&
          !/^\p{Lu}/u.test(this.surfaceOf(corrected) ?? '')
            ? undefined
            : corrected;
        if (fixed) {
          add({ term: fixed, weight: 0.7, from: term, corrected: true });
          if (named.has(term) || this.aliases.isName(fixed)) names.add(fixed);
        } else if (![...placeFormsOf(term), ...forms].some((p) => this.vocabulary.has(p))) unknown.push(term);
      }
      for (const syn of this.aliases.synonymsOf(term)) {
        if (this.vocabulary.has(syn)) add({ term: syn, weight: this.ranking.synonymWeight, from: term });
      }
      // A place asked by its adjective ("Turkish") is also looked for by its name, and the other way round, as a synonym.
      for (const place of placeFormsOf(term)) {
        if (this.vocabulary.has(place)) add({ term: place, weight: this.ranking.synonymWeight, from: term });
      }
      // Its derived forms ("die" for "deaths", "invasion" for "invaded"), at their own weight.
      for (const form of forms)
        if (this.vocabulary.has(form)) derived.push({ term: form, from: term, df: this.articleFrequency(form) });
    }
    // The rarest derived forms only, and none that many articles hold: each term costs every
    // candidate passage a look, and on a restarted bot's first pass each passage that holds it a
    // read from the index file, for a term that weighs little.
    derived.sort((a, b) => a.df - b.df);
    const common = Math.max(MIN_COMMON_ARTICLES, this.articleCount() * COMMON_FORM_SHARE);
    for (const d of derived.filter((x) => x.df <= common).slice(0, MAX_DERIVED_TERMS))
      add({ term: d.term, weight: this.ranking.derivedWeight, from: d.from });
    const outlets = this.outletsIn(question);
    const absentOutlets = this.absentOutletsIn(question);
    // An outlet's name says where to look, not what about: it is not an unknown word of the question.
    const outletWords = new Set(absentOutlets.flatMap((o) => tokenize(o, this.aliases).map((t) => t.term)));
    const unknownWords = unknown.filter((u) => !outletWords.has(u));
    return {
      terms,
      unknown: unknownWords,
      unknownNames: unknownWords.filter((u) => named.has(u)).map((u) => asWritten.get(u) ?? u),
      unknownNameTerms: unknownWords.filter((u) => named.has(u)),
      names: [...names],
      outlets,
      absentOutlets,
      dates: namedDates(question),
      time,
    };
  }

  /**
   * Two words asked apart that the archive writes as one ("Tech crunch" as "TechCrunch"), when
   * it never saw one of them: one token, the two words' span.
   */
  private joined(question: string, tokens: Token[]): Token[] {
    const out: Token[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const a = tokens[i]!;
      const b = tokens[i + 1];
      if (
        b &&
        /^[ -]$/.test(question.slice(a.end, b.start)) &&
        !(this.vocabulary.has(a.term) && this.vocabulary.has(b.term))
      ) {
        const term = stemOnce(foldWord(question.slice(a.start, a.end) + question.slice(b.start, b.end)));
        if (/^\p{L}+$/u.test(term) && this.vocabulary.has(term)) {
          out.push({ term, start: a.start, end: b.end });
          i++;
          continue;
        }
      }
      out.push(a);
    }
    return out;
  }

  /** The closest known term to a misspelt one (edit distance ≤ 1, or 2 for long words), preferring common ones. */
  private correct(term: string, word: string, asName = false): string | undefined {
    // Short words are too close to other real words ("tall" → "fall") to correct safely; a name
    // may stem short ("Bejing" to "beje") and is looked for as written (below).
    if (word.length < 5 || (term.length < 5 && !asName) || term.startsWith('_') || /\d/.test(term)) return undefined;
    // A word of English spelt right is no typo: the archive does not hold it ("close" is not
    // "choose", "remaining" not "regain"). It may still meet another form of itself
    // ("fraudulent" as "fraud"). NewsQA dev: unanswerable refused 18 -> 19 of 41, answerable
    // unchanged (half a unchanged); MultiHop-RAG unchanged; my paraphrased seed questions: one
    // more right article first and one more excerpt. Gating every correction of such a word
    // (not only those to another word) cost MultiHop-RAG 7 answerable refusals.
    // A word WordNet derives other words from is English too ("readership": reader), though
    // the word list lacks it: it is no misspelling of "ridership".
    const english = isEnglishWord(word, this.aliases.englishWords) || derivedFormsOf(term).length > 0;
    const maxDistance = term.length >= 7 ? 2 : 1;
    // Names merged into an alias group are indexed under the group's term, not as words.
    const alias = english ? undefined : this.aliases.closestName(word, word.length >= 7 ? 2 : 1);
    if (alias && this.vocabulary.has(alias)) return alias;
    // An irregular form is indexed under its base ("children" as "child"), too far from its misspellings.
    for (const [form, base] of english ? [] : irregularForms()) {
      if (form[0] !== word[0] || Math.abs(form.length - word.length) > maxDistance) continue;
      const fixed = stem(base);
      if (this.vocabulary.has(fixed) && editDistance(word, form, maxDistance) <= maxDistance) return fixed;
    }
    let best: string | undefined;
    let bestScore = -1;
    const seen = new Set<string>();
    // A name misspelt can stem shorter than the name ("Bejing" to "beje", "Beijing" to "beij"):
    // then the name as written, one edit from a word whose index term the archive holds. Only
    // for names: it stems some 300 made-up words (1-2 ms), and a name is what a question is about.
    const candidates =
      term.length >= 5
        ? [
            ...this.vocabulary.similar(term, { distance: maxDistance }),
            ...swaps(term).filter((t) => this.vocabulary.has(t)),
          ]
        : asName
          ? [...new Set(wordEdits(word).map(stemOnce))].filter((t) => this.vocabulary.has(t))
          : [];
    for (const candidate of candidates) {
      // A typo rarely changes the first letter; requiring it keeps corrections honest.
      if (seen.has(candidate) || candidate === term || candidate[0] !== term[0]) continue;
      seen.add(candidate);
      if (english && !candidate.startsWith(term) && !term.startsWith(candidate)) continue;
      const df = this.articleFrequency(candidate);
      if (df <= bestScore) continue;
      // A name misspelt is another name ("Regan" is "Reagan", not "regain"): a word the archive
      // writes in lower case is no candidate.
      if (asName && !this.aliases.isName(candidate) && /^\p{Ll}/u.test(this.surfaceOf(candidate) ?? '')) continue;
      best = candidate;
      bestScore = df;
    }
    if (best || term.length < 5) return best;
    // A shorter form of a known word ("Kurds" for "Kurdish"): the most common word it begins.
    for (const candidate of this.vocabulary.similar(term, { prefix: true })) {
      const df = this.articleFrequency(candidate);
      if (candidate.startsWith(term) && candidate.length - term.length <= 4 && df > bestScore) {
        best = candidate;
        bestScore = df;
      }
    }
    return best;
  }

  /**
   * Up to `n` words of the archive closest in spelling to a word it never saw (same first
   * letter, at most 3 edits, the most widespread first), as the archive writes them: for "did you
   * mean". Only refusals ask, so it may read passage text.
   */
  nearestWords(term: string, n: number, asName = false): string[] {
    if (term.length < 3 || term.startsWith('_') || /\d/.test(term)) return [];
    const found = new Map<string, number>();
    for (const candidate of this.vocabulary.similar(term, {
      distance: Math.min(3, Math.max(1, Math.floor(term.length / 3))),
    })) {
      if (candidate !== term && candidate[0] === term[0] && this.vocabulary.has(candidate))
        found.set(candidate, this.articleFrequency(candidate));
    }
    const out: string[] = [];
    // A name of an alias group is indexed under the group's term: offer the group's first name.
    const group = this.aliases.closestName(term, Math.min(2, Math.max(1, Math.floor(term.length / 3))));
    const alias =
      group && this.vocabulary.has(group) ? this.aliases.groups.find((g) => g.term === group)?.names[0] : undefined;
    if (alias) out.push(alias);
    for (const [candidate] of [...found].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))) {
      const word = this.surfaceOf(candidate);
      // A name asked is offered names ("Keaton": "Kean", not "speedboat").
      if (asName && /^\p{Ll}/u.test(word ?? '')) continue;
      if (word && !out.includes(word)) out.push(word);
      if (out.length >= n) break;
    }
    return out;
  }

  /** Well-known outlets named in the question that none of the archive's sources is. */
  private absentOutletsIn(question: string): string[] {
    const found = new Set<string>();
    // One pass, longest name first at each place: "The Times of India" is not read again as "Times of India".
    for (const m of question.matchAll(OUTLET_PATTERN)) {
      const name = m[0];
      if (found.has(name)) continue;
      const key = compact(name);
      if (!this.sourceKeys.some((s) => s.includes(key))) found.add(name);
    }
    return [...found];
  }

  private outletsIn(question: string): string[] {
    if (this.outletNames.length === 0) return [];
    const q = ` ${foldWord(question).replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
    const found = new Set<string>();
    for (const { padded, source } of this.outletNames) if (q.includes(padded)) found.add(source);
    return [...found];
  }
}

/**
 * The words made by swapping two neighbouring letters ("isreal" → "israel"): the commonest typo,
 * two edits for an edit distance. Only the ones the caller finds in the vocabulary count.
 */
function swaps(term: string): string[] {
  const out: string[] = [];
  for (let i = 1; i + 1 < term.length; i++)
    if (term[i] !== term[i + 1]) out.push(term.slice(0, i) + term[i + 1] + term[i] + term.slice(i + 2));
  return out;
}

/** An ISO 8601 date and time: the day, then "T" and the time of day with its offset. */
const TIMESTAMP = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/gi;

/**
 * Every word one edit (a letter left out, swapped with the next, changed or added) from a
 * lower-case word, its first letter kept (see QueryParser.correct).
 */
function wordEdits(word: string): string[] {
  const out: string[] = [];
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (let i = 1; i <= word.length; i++) {
    const head = word.slice(0, i);
    const tail = word.slice(i);
    if (tail) out.push(head + tail.slice(1));
    if (tail.length > 1) out.push(head + tail[1] + tail[0] + tail.slice(2));
    for (const c of letters) {
      if (tail && c !== tail[0]) out.push(head + c + tail.slice(1));
      out.push(head + c + tail);
    }
  }
  return out;
}

/** Letters and digits only, lower case: "CBSSports.com" and "CBS Sports" meet as "cbssports". */
const compact = (s: string): string => foldWord(s).replace(/[^\p{L}\p{N}]+/gu, '');

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The well-known outlets as one whole-word, case-sensitive pattern, longest names first so the
 * longest name wins where several start. One pattern, not one per outlet: each `\p{…}` pattern
 * costs a compile on first use, and a hundred of them made the first question 80 ms slower.
 */
const OUTLET_PATTERN = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${[...KNOWN_OUTLETS]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|')})(?![\\p{L}\\p{N}])`,
  'gu',
);

/** A word written as a name: an acronym, or capitalised somewhere other than the start of a sentence. */
function looksLikeName(text: string, start: number, end: number): boolean {
  const word = text.slice(start, end);
  if (/^[A-Z0-9]{2,}$/.test(word) && /[A-Z]/.test(word)) return true;
  if (!/^\p{Lu}/u.test(word)) return false;
  // A title ("Ms", "Sen.") is no name: it leans on the name after it.
  if (TITLES.has(word)) return false;
  const before = text.slice(0, start).trimEnd();
  const title = /(\p{L}+)\.$/u.exec(before);
  if (title && TITLES.has(title[1]!)) return true;
  return before.length > 0 && !/[.!?:"“]$/.test(before);
}

/** Titles as written before a name ("Mrs", "Gen"): the sentence splitter's list. */
const TITLES: ReadonlySet<string> = new Set(ENGLISH_ABBREVIATIONS.before);

/** A name a question may use for an outlet; `padded` has a space either side, as a question is searched for it. */
interface OutletName {
  name: string;
  padded: string;
  source: string;
}

/** Names a question may use for each outlet: the full name, and the part before " - " ("The Independent"). */
function outletNamesOf(sources: string[]): OutletName[] {
  const out: OutletName[] = [];
  const norm = (s: string) => s.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  for (const source of sources) {
    const full = norm(source);
    if (full) out.push({ name: full, padded: ` ${full} `, source });
    const base = norm(source.split(' - ')[0] ?? '');
    if (base && base !== full && base.length > 3) out.push({ name: base, padded: ` ${base} `, source });
  }
  // Longer names first, so "the independent life and style" is tried before "the independent".
  return out.sort((a, b) => b.name.length - a.name.length);
}

let irregularSet: Set<string> | undefined;

// Regular inflections: a suffix and what replaces it on the base form.
const SUFFIXES: Array<[string, string]> = [
  ['ies', 'y'],
  ['es', ''],
  ['s', ''],
  ['ed', ''],
  ['ed', 'e'],
  ['ing', ''],
  ['ing', 'e'],
  ['er', ''],
  ['est', ''],
  ['ly', ''],
];

/**
 * Whether a lower-case word is common English spelt right: in the word list (the bot's is wink's
 * lexicon, see src/englishWords.ts), WordNet's irregular forms, or a regular inflection of one.
 * Without a word list, no word is.
 */
export function isEnglishWord(word: string, words: WordList | undefined): boolean {
  if (!words) return false;
  const has = (w: string) => words.has(w);
  irregularSet ??= new Set(irregularForms().map(([form]) => form));
  if (has(word) || irregularSet.has(word)) return true;
  for (const [suffix, base] of SUFFIXES) {
    if (!word.endsWith(suffix) || word.length - suffix.length < 3) continue;
    const stemmed = word.slice(0, -suffix.length);
    if (has(stemmed + base)) return true;
    // A doubled final consonant ("stopped", "running").
    if (base === '' && /(.)\1$/.test(stemmed) && has(stemmed.slice(0, -1))) return true;
  }
  return false;
}
