/**
 * The disk-backed search backend (SEARCH_BACKEND=sqlite): the archive in one SQLite file through
 * better-sqlite3. FTS5 finds the candidate articles (one row per article, its index terms as
 * term ids, title/body/source/date columns weighted as NewsIndex weights the fields); plain
 * tables keep each article's metadata and passages' term ids and each passage's text. The
 * process holds only caches, so serving memory stays flat as the archive grows; the ranking,
 * excerpts and refusals on top are the core's (StoredIndex, answer.ts).
 *
 * Inserts are incremental: an article added is rows inserted and its terms' counts raised, in
 * one transaction. The file is in WAL mode, so several processes on one machine share it:
 * readers never block the writer, and each reader takes in the others' writes at its next
 * question (see sync).
 */
import { rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { editDistance, type AliasTable } from '../core/aliases.js';
import type { Passage } from '../core/passages.js';
import { DEFAULT_PASSAGE_OPTIONS, splitArticle } from '../core/passages.js';
import { articleMetaTerms, dateWords, toMeta } from '../core/index-build.js';
import { DEFAULT_RANKING, type ArticleMeta, type RankingOptions } from '../core/search.js';
import { keepBest } from '../core/rank.js';
import {
  StoredIndex,
  type ArchiveStats,
  type ArchiveStore,
  type StoredArticle,
  type StoredTerm,
} from '../core/storedIndex.js';
import { foldWord, tokenize } from '../core/text.js';
import type { Article, CorpusWarning } from '../core/types.js';
import { Lru } from '../core/lru.js';
import type { StoreChanges } from '../core/archiveStore.js';
import type { KeyProfile } from '../core/answerIndex.js';
import { DEFAULT_NEWER, KeyTermCounter } from '../core/newer.js';

/** Bumped when the tables or the way terms are made change: a file of another version is refused. */
export const SQLITE_FORMAT_VERSION = 2;

/**
 * Memory the decoded rows kept between questions may hold, in bytes (estimated as V8 holds them:
 * see the weigh functions below), not in entries: an archive's articles differ in length tenfold.
 * A question reads 120 articles (its pool) and their neighbours; the 609 articles MultiHop-RAG's
 * 2,255 questions read weigh 8.7 MB so, which ARTICLE_BYTES holds. Smaller is not leaner: an
 * article read again after it was dropped leaves its old buffers (outside V8's heap) to the next
 * full GC, and the process grows meanwhile (at 100x, all questions: 6 MB, RSS 168 MB and p50
 * 11 ms; 3 MB, 236 MB and 18 ms; against 118-120 MB and 4-4.6 ms).
 */
const ARTICLE_BYTES = 10 << 20;
/**
 * Passages kept decoded (the excerpts of a page of answers read a few dozen, each a few hundred
 * bytes; their text is V8's to collect): at 100x, 1 MB rather than 2: RSS 114-116 MB against 118-120.
 */
const PASSAGE_BYTES = 1 << 20;
/**
 * Articles' metadata kept without their words: time notes look up the dates of every article
 * holding a quoted article's key terms.
 */
const META_BYTES = 1 << 20;
/** Key-term profiles kept decoded (time notes read a quoted article's and up to 8 candidates'). */
const PROFILE_BYTES = 1 << 20;
/** Passages' articles kept (a number each). */
const PASSAGE_ARTICLES = 4_096;
/** Words looked up (question words: what people ask between two writes) and term ids named. */
const TERM_CACHE = 20_000;

/**
 * A decoded article's bytes: its words (4 bytes each), their offsets once an excerpt reads them
 * (two a word, 2 bytes each: see compact), the distinct words and counts StoredIndex keeps beside
 * it (at most as many as its words), and its metadata and metadata terms.
 */
const articleBytes = (r: StoredArticle): number =>
  3 * r.tokens.byteLength + r.tokenStart.byteLength + 64 * r.metaTerms.length + 1_024;
const passageBytes = (p: Passage): number =>
  2 * (p.text.length + (p.heading?.length ?? 0)) + 8 * p.sentences.length + 160;
/** Metadata as decoded from its JSON (kept with its length: see meta). */
const metaBytes = (m: { bytes: number }): number => m.bytes;
const profileBytes = (p: KeyProfile | null): number => (p ? 128 * p.vector.size + 200 : 64);

/**
 * A profile's IDF is the archive's at its insert: it drifts as the archive grows. One worked out
 * over fewer than this share of the articles held now is worked out again by the writer
 * (refreshProfiles: on opening the file and after a sync), so a build from many files or batches
 * ends with every profile over the whole archive, and a growing one keeps them within 10% of it.
 */
const PROFILE_DRIFT = 0.9;
/** Articles whose profiles are worked out again per transaction. */
const PROFILE_BATCH = 500;

/**
 * Article numbers of terms' postings kept between writes (4 bytes each: 4 MB). A question's pool
 * reads at most POOL_POSTINGS of them (storedIndex.ts); the questions of MultiHop-RAG at 1x read
 * 179k in all.
 */
const POSTING_CACHE = 1_000_000;

/**
 * Writes whose changes the file keeps (see logChanges): a reader that syncs less often than this
 * empties its caches. A write touching more terms than CHANGED_IDS is kept as "anything changed"
 * (a build's batches: their rows would be megabytes, and they touch most terms asked anyway).
 */
const CHANGES_KEPT = 64;
const CHANGED_IDS = 20_000;

/** Articles inserted per transaction when adding many: a reader waits at most one batch's commit. */
const INSERT_BATCH = 500;

/** An FTS5 word for a term id: letters and digits only, so no tokenizer splits or folds it. */
const word = (id: number) => `t${id.toString(36)}`;

const int32 = (b: Buffer): Int32Array => {
  // A view of the row's buffer when it is 4-byte aligned (better-sqlite3 gives each blob a buffer
  // of its own: one allocation a blob read, not two); else copied.
  if (b.byteOffset % 4 === 0) return new Int32Array(b.buffer, b.byteOffset, b.length / 4);
  const out = new Int32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
};
/**
 * Offsets in 2 bytes each when they fit (they count characters within one passage): the largest
 * part of a decoded article, halved. The row's buffer is left at once (a young object's, freed by
 * the next scavenge).
 */
function compact(offsets: Int32Array): Int32Array | Uint16Array {
  for (const x of offsets) if (x > 0xffff) return offsets;
  return new Uint16Array(offsets);
}

const blob = (a: Int32Array | number[]): Buffer => {
  const arr = a instanceof Int32Array ? a : Int32Array.from(a);
  return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
};

/**
 * A hash of an article as it is searched: its words in order (FNV-1a over its term ids, its
 * length mixed in, as rank.ts makes it) and its title, outlet and date, which weigh in its score.
 */
function fingerprint(tokens: ArrayLike<number>, meta: Pick<ArticleMeta, 'title' | 'source' | 'published'>): number {
  // Two 32-bit hashes, 53 bits kept: among a million articles two texts share one about once in ten thousand archives.
  let h = 0x811c9dc5;
  let g = 0x01000193;
  const mix = (x: number) => {
    h = Math.imul(h ^ x, 0x01000193);
    g = Math.imul(g ^ x, 0x5bd1e995) ^ (g >>> 15);
  };
  for (let i = 0; i < tokens.length; i++) mix(tokens[i]!);
  const text = `${meta.title}\0${meta.source ?? ''}\0${meta.published ?? ''}`;
  for (let i = 0; i < text.length; i++) mix(text.charCodeAt(i));
  mix(tokens.length);
  return (h >>> 0) * 2 ** 21 + ((g >>> 0) & 0x1fffff);
}

/** A profile as the profiles table keeps it: [term, weight, 1 when a name] per key term, weightiest first. */
function encodeProfile(profile: KeyProfile): string {
  return JSON.stringify([...profile.vector].map(([t, w]) => [t, w, profile.names.has(t) ? 1 : 0]));
}

function decodeProfile(text: string): KeyProfile {
  const terms = JSON.parse(text) as Array<[string, number, 0 | 1]>;
  return { vector: new Map(terms.map(([t, w]) => [t, w])), names: new Set(terms.filter((x) => x[2]).map(([t]) => t)) };
}

/** What writes changed (see StoreChanges). */
interface Changed {
  ids: Set<number>;
  words: Set<string>;
}

interface ArticleRow {
  num: number;
  meta: string;
  passage_count: number;
  length: number;
  tokens: Buffer;
  token_start: Buffer;
}

interface PassageRow {
  article: number;
  position: number;
  heading: string | null;
  lead: number;
  text: string;
  sentences: Buffer;
}

export interface SqliteArchiveOptions {
  aliases: AliasTable;
  ranking?: Partial<RankingOptions>;
  /** Open for reading only (a serving process that never adds). */
  readonly?: boolean;
}

/** The archive in an SQLite file: the ArchiveStore a StoredIndex answers from, and incremental inserts. */
export class SqliteArchive implements ArchiveStore {
  private readonly db: Database.Database;
  private readonly aliases: AliasTable;
  private readonly fieldWeights: RankingOptions['fieldWeights'];
  private dataVersion = -1;
  private statsCache: ArchiveStats | null = null;
  private sourceList: readonly string[] | null = null;
  private readonly terms = new Map<string, StoredTerm | null>();
  private readonly termNames = new Map<number, string>();
  private readonly records = new Lru<number, StoredArticle>(ARTICLE_BYTES, articleBytes);
  private readonly passages = new Lru<number, Passage>(PASSAGE_BYTES, passageBytes);
  private readonly metas = new Lru<number, { meta: ArticleMeta; bytes: number }>(META_BYTES, metaBytes);
  private readonly profiles = new Lru<number, KeyProfile | null>(PROFILE_BYTES, profileBytes);
  /** Passages' articles (the rerank asks which words a candidate passage holds before reading its text). */
  private readonly passageArticles = new Lru<number, number>(PASSAGE_ARTICLES);
  /** The profile read, prepared once the table exists (a reader's file may predate it): null until then. */
  private profileQuery: Database.Statement<[number], string> | null = null;
  private readonly q: ReturnType<SqliteArchive['prepare']>;
  /** Each term's articles as read for a pool (see postings), up to POSTING_CACHE article numbers over all. */
  private readonly postingCache = new Map<number, Int32Array>();
  private postingInts = 0;
  /** Scratch: each article's summed weight while a pool is made (zero between pools). */
  private poolScores = new Float64Array(0);
  /** What the write under way changed (null: anything), written with it (see logChanges). */
  private pending: Changed | null | undefined;
  /** The last row of the changes table taken in (-1: none readable, every change is "anything"). */
  private seen = -1;
  /** Readers' view of the writes taken in (see changesSince): a count, and what the last few changed. */
  private epoch = 0;
  private readonly changeLog: Array<{ epoch: number; changed: Changed | null }> = [];
  /** The outlets must be read again (kept as they were when the same: the query stage is made again on others). */
  private sourcesStale = false;

  constructor(
    readonly path: string,
    options: SqliteArchiveOptions,
  ) {
    this.aliases = options.aliases;
    this.fieldWeights = { ...DEFAULT_RANKING, ...options.ranking }.fieldWeights;
    this.db = new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
    // Another process's write holds the lock for one batch at most; wait for it rather than fail.
    this.db.pragma('busy_timeout = 10000');
    const tables = this.db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    const version = tables.some((t) => t.name === 'info') ? this.info('format') : undefined;
    // Someone else's database is never written to; an archive of another format is made again by its owner.
    if ((tables.length > 0 || options.readonly) && version !== String(SQLITE_FORMAT_VERSION)) {
      this.db.close();
      throw new Error(`${path} is not a Newsdesk archive of format ${SQLITE_FORMAT_VERSION}`);
    }
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.createTables();
    }
    // Reads are small and random: a small page cache (1 MB), the OS's file cache does the rest. At
    // 100x, all 2,255 questions: RSS 2-3 MB lower than with 4 MB, p50 and p99 the same.
    this.db.pragma('cache_size = -1000');
    this.db.pragma('mmap_size = 0');
    this.q = this.prepare();
    this.seen = this.lastChange() ?? -1;
    if (!options.readonly) {
      this.fillPrints();
      this.refreshProfiles();
    }
  }

  private createTables(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS terms (
        id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE,
        passage_df INTEGER NOT NULL DEFAULT 0, article_df INTEGER NOT NULL DEFAULT 0, posting_df INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS articles (
        num INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, file TEXT NOT NULL, source TEXT, meta TEXT NOT NULL,
        passage_count INTEGER NOT NULL, length REAL NOT NULL,
        tokens BLOB NOT NULL, token_start BLOB NOT NULL, offsets BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS passages (
        num INTEGER PRIMARY KEY, article INTEGER NOT NULL, position INTEGER NOT NULL,
        heading TEXT, lead INTEGER NOT NULL, text TEXT NOT NULL, sentences BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS sources (source TEXT PRIMARY KEY);
      CREATE TABLE IF NOT EXISTS article_terms (num INTEGER PRIMARY KEY, df BLOB NOT NULL, posting BLOB NOT NULL);
      DROP TABLE IF EXISTS prints;
      CREATE TABLE IF NOT EXISTS copies (num INTEGER PRIMARY KEY, print INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS copies_print ON copies (print, num);
      CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, stamp TEXT);
      CREATE TABLE IF NOT EXISTS profiles (num INTEGER PRIMARY KEY, total INTEGER NOT NULL, terms TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, ids BLOB, words TEXT);
      CREATE INDEX IF NOT EXISTS articles_doc ON articles (doc_id);
      CREATE INDEX IF NOT EXISTS articles_file ON articles (file);
      CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(
        terms, content = '', contentless_delete = 1, detail = none, tokenize = 'ascii');
      INSERT OR IGNORE INTO info VALUES ('format', '${SQLITE_FORMAT_VERSION}'),
        ('articles', '0'), ('passages', '0'), ('tokens', '0'), ('articleLength', '0');
    `);
  }

  private prepare() {
    return {
      info: this.db.prepare<[string], { value: string }>('SELECT value FROM info WHERE key = ?'),
      setInfo: this.db.prepare<[string, string]>('INSERT OR REPLACE INTO info VALUES (?, ?)'),
      term: this.db.prepare<[string], { id: number; passage_df: number; article_df: number; posting_df: number }>(
        'SELECT id, passage_df, article_df, posting_df FROM terms WHERE term = ?',
      ),
      termOf: this.db.prepare<[number], { term: string }>('SELECT term FROM terms WHERE id = ?'),
      termsFrom: this.db.prepare<[string, string, number, number], { term: string }>(
        'SELECT term FROM terms WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ? AND article_df > 0 ORDER BY term',
      ),
      addTerm: this.db.prepare<[string], { id: number }>('INSERT INTO terms (term) VALUES (?) RETURNING id'),
      countTerm: this.db.prepare<[number, number, number, number]>(
        'UPDATE terms SET passage_df = passage_df + ?, article_df = article_df + ?, posting_df = posting_df + ? WHERE id = ?',
      ),
      // Without the offsets, which only excerpts read (SQLite then leaves their pages unread).
      article: this.db.prepare<[number], ArticleRow>(
        'SELECT num, meta, passage_count, length, tokens, token_start FROM articles WHERE num = ?',
      ),
      // The metadata comes before the words in a row: its overflow pages are left unread.
      meta: this.db.prepare<[number], string>('SELECT meta FROM articles WHERE num = ?').pluck(),
      offsets: this.db.prepare<[number], { offsets: Buffer }>('SELECT offsets FROM articles WHERE num = ?'),
      addArticle: this.db.prepare(
        'INSERT INTO articles VALUES (@num, @doc_id, @file, @source, @meta, @passage_count, @length, @tokens, @token_start, @offsets)',
      ),
      passageArticle: this.db.prepare<[number], { article: number }>('SELECT article FROM passages WHERE num = ?'),
      passage: this.db.prepare<[number], PassageRow>(
        'SELECT article, position, heading, lead, text, sentences FROM passages WHERE num = ?',
      ),
      addPassage: this.db.prepare('INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?)'),
      addDoc: this.db.prepare('INSERT INTO docs (rowid, terms) VALUES (?, ?)'),
      addSource: this.db.prepare('INSERT OR IGNORE INTO sources VALUES (?)'),
      sources: this.db.prepare<[], { source: string }>('SELECT source FROM sources ORDER BY source'),
      holding: this.db.prepare<[string], number>('SELECT rowid FROM docs WHERE docs MATCH ?').pluck(),
      withTerm: this.db.prepare<[string], { rowid: number }>('SELECT rowid FROM docs WHERE docs MATCH ? LIMIT 1'),
      byId: this.db.prepare<[string], number>('SELECT num FROM articles WHERE doc_id = ?').pluck(),
      metas: this.db.prepare<[], { num: number; meta: string }>('SELECT num, meta FROM articles ORDER BY num'),
      ids: this.db.prepare<[], string>('SELECT doc_id FROM articles').pluck(),
      from: this.db.prepare<[number], { num: number; doc_id: string; file: string }>(
        'SELECT num, doc_id, file FROM articles WHERE num >= ? ORDER BY num',
      ),
      fileIds: this.db.prepare<[string], string>('SELECT doc_id FROM articles WHERE file = ?').pluck(),
    };
  }

  /**
   * Fingerprints the articles of a file made before they were kept (a pass over their tokens,
   * once: about a minute at 100x).
   */
  private fillPrints(): void {
    const missing: Array<[number, number]> = [];
    const rows = this.db.prepare<[], { num: number; meta: string; tokens: Buffer }>(
      'SELECT num, meta, tokens FROM articles WHERE num NOT IN (SELECT num FROM copies)',
    );
    // Read one row at a time (the tokens of a large archive do not fit in memory together), written after.
    for (const row of rows.iterate())
      missing.push([row.num, fingerprint(int32(row.tokens), JSON.parse(row.meta) as ArticleMeta)]);
    if (missing.length === 0) return;
    this.db.transaction(() => {
      this.pending = null;
      for (const [num, print] of missing) this.w().addPrint.run(num, print);
      // Copies after the first leave the full-text table (see insert).
      this.db.exec(
        'DELETE FROM docs WHERE rowid IN (SELECT c.num FROM copies c WHERE EXISTS (SELECT 1 FROM copies d WHERE d.print = c.print AND d.num < c.num))',
      );
      this.logChanges();
    })();
    this.takeChanges();
  }

  /** Statements only a writer runs, prepared on first use (a reader's file may predate their tables). */
  private writes: ReturnType<SqliteArchive['prepareWrites']> | undefined;
  private w() {
    this.writes ??= this.prepareWrites();
    return this.writes;
  }

  private prepareWrites() {
    return {
      addTerms: this.db.prepare('INSERT INTO article_terms VALUES (?, ?, ?)'),
      addPrint: this.db.prepare<[number, number]>('INSERT OR REPLACE INTO copies VALUES (?, ?)'),
      dropPrint: this.db.prepare<[number]>('DELETE FROM copies WHERE num = ?'),
      printOf: this.db.prepare<[number], number>('SELECT print FROM copies WHERE num = ?').pluck(),
      firstCopy: this.db
        .prepare<[number], number>('SELECT num FROM copies WHERE print = ? ORDER BY num LIMIT 1')
        .pluck(),
      ofFile: this.db.prepare<[string], number>('SELECT num FROM articles WHERE file = ?').pluck(),
      removed: this.db.prepare<[number], ArticleRow & { passage_count: number }>(
        'SELECT num, meta, passage_count, length, tokens, token_start FROM articles WHERE num = ?',
      ),
      termsOf: this.db.prepare<[number], { df: Buffer; posting: Buffer }>(
        'SELECT df, posting FROM article_terms WHERE num = ?',
      ),
      uncount: this.db.prepare<[number, number, number, number]>(
        'UPDATE terms SET passage_df = passage_df - ?, article_df = article_df - ?, posting_df = posting_df - ? WHERE id = ?',
      ),
      dropDoc: this.db.prepare<[number]>('DELETE FROM docs WHERE rowid = ?'),
      // By their numbers (an article's passages are numbered in a row): passages has no index on article.
      dropPassages: this.db.prepare<[number, number]>('DELETE FROM passages WHERE num >= ? AND num < ?'),
      dropArticle: this.db.prepare<[number]>('DELETE FROM articles WHERE num = ?'),
      dropTerms: this.db.prepare<[number]>('DELETE FROM article_terms WHERE num = ?'),
      addProfile: this.db.prepare<[number, number, string]>('INSERT OR REPLACE INTO profiles VALUES (?, ?, ?)'),
      dropProfile: this.db.prepare<[number]>('DELETE FROM profiles WHERE num = ?'),
      files: this.db.prepare<[], { path: string; stamp: string | null }>('SELECT path, stamp FROM files'),
      setFile: this.db.prepare<[string, string | null]>('INSERT OR REPLACE INTO files VALUES (?, ?)'),
      dropFile: this.db.prepare<[string]>('DELETE FROM files WHERE path = ?'),
      articleDf: this.db.prepare<[number], number>('SELECT article_df FROM terms WHERE id = ?').pluck(),
      logChange: this.db.prepare<[Buffer | null, string | null]>('INSERT INTO changes (ids, words) VALUES (?, ?)'),
      pruneChanges: this.db.prepare<[number]>('DELETE FROM changes WHERE seq <= ?'),
    };
  }

  private info(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM info WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  /** The corpus hash the archive was made from ('' when none was set). */
  get hash(): string {
    return this.info('hash') ?? '';
  }

  set hash(value: string) {
    this.q.setInfo.run('hash', value);
  }

  /** A value kept with the archive (see openSqliteCorpus). */
  getInfo(key: string): string | undefined {
    return this.info(key);
  }

  setInfo(key: string, value: string): void {
    this.q.setInfo.run(key, value);
  }

  /** An index that answers from this archive. */
  index(ranking: Partial<RankingOptions> = {}, pool: { factor?: number; postings?: number } = {}): StoredIndex {
    return new StoredIndex(this, this.aliases, ranking, pool.factor, pool.postings);
  }

  sync(): void {
    // data_version moves with other connections' commits, not this one's (add() takes its own in).
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.takeChanges();
  }

  /** The changes table's reads, prepared once the file has the table (a reader's file may predate it): null until then. */
  private changeReads: {
    last: Database.Statement<[], number>;
    since: Database.Statement<[number], { seq: number; ids: Buffer | null; words: string | null }>;
  } | null = null;

  private changeQueries() {
    if (!this.changeReads && this.hasTable('changes'))
      this.changeReads = {
        last: this.db.prepare<[], number>('SELECT coalesce(max(seq), 0) FROM changes').pluck(),
        since: this.db.prepare<[number], { seq: number; ids: Buffer | null; words: string | null }>(
          'SELECT seq, ids, words FROM changes WHERE seq > ? ORDER BY seq',
        ),
      };
    return this.changeReads;
  }

  /** The last row of the changes table, if the file has the table. */
  private lastChange(): number | undefined {
    return this.changeQueries()?.last.get();
  }

  /**
   * Drops what the writes since the last call may have changed: the totals always; the counts
   * and postings of the terms they touched (every term's, when the changes table does not say);
   * the outlets are read again. Articles and passages stay: numbers are never reused.
   */
  private takeChanges(): void {
    this.statsCache = null;
    this.sourcesStale = true;
    let changed: Changed | null = { ids: new Set(), words: new Set() };
    const last = this.lastChange();
    if (last === undefined || this.seen < 0) changed = null;
    else if (last > this.seen) {
      const rows = this.changeQueries()!.since.all(this.seen);
      // A row pruned before this reader saw it: what it changed is not known.
      if (rows[0]?.seq !== this.seen + 1) changed = null;
      for (const row of rows) {
        if (!changed) break;
        if (row.ids === null || row.words === null) changed = null;
        else {
          for (const id of int32(row.ids)) changed.ids.add(id);
          for (const w of JSON.parse(row.words) as string[]) changed.words.add(w);
        }
      }
    }
    this.seen = last ?? -1;
    if (changed === null) {
      this.terms.clear();
      this.profiles.clear();
      this.postingCache.clear();
      this.postingInts = 0;
    } else {
      // Unknown words too: one may have joined.
      for (const [term, t] of this.terms) if (t === null || changed.ids.has(t.id)) this.terms.delete(term);
      for (const id of changed.ids) {
        const list = this.postingCache.get(id);
        if (!list) continue;
        this.postingInts -= list.length;
        this.postingCache.delete(id);
      }
    }
    this.changeLog.push({ epoch: ++this.epoch, changed });
    if (this.changeLog.length > CHANGES_KEPT) this.changeLog.shift();
  }

  changesSince(epoch: number): StoreChanges {
    const out: Changed = { ids: new Set(), words: new Set() };
    if (epoch === this.epoch) return { epoch, changed: out };
    if (epoch < 0 || (this.changeLog[0]?.epoch ?? Infinity) > epoch + 1) return { epoch: this.epoch, changed: null };
    for (const entry of this.changeLog) {
      if (entry.epoch <= epoch) continue;
      if (!entry.changed) return { epoch: this.epoch, changed: null };
      for (const id of entry.changed.ids) out.ids.add(id);
      for (const w of entry.changed.words) out.words.add(w);
    }
    return { epoch: this.epoch, changed: out };
  }

  /** Notes terms a write under way changed: their ids, and the words among them that joined or left the vocabulary. */
  private touch(ids: Iterable<number>, words: Iterable<string>): void {
    if (this.pending === null) return;
    this.pending ??= { ids: new Set(), words: new Set() };
    for (const id of ids) this.pending.ids.add(id);
    for (const w of words) this.pending.words.add(w);
  }

  /**
   * Writes what the transaction under way changed into the changes table, for the other
   * processes' readers (and this one's, see takeChanges), and keeps the last CHANGES_KEPT rows.
   */
  private logChanges(): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    const exact = p !== null && p.ids.size <= CHANGED_IDS;
    const w = this.w();
    const seq = Number(
      w.logChange.run(exact ? blob([...p.ids]) : null, exact ? JSON.stringify([...p.words]) : null).lastInsertRowid,
    );
    w.pruneChanges.run(seq - CHANGES_KEPT);
  }

  stats(): ArchiveStats {
    if (!this.statsCache) {
      this.statsCache = this.readStats();
    }
    return this.statsCache;
  }

  term(term: string): StoredTerm | undefined {
    let t = this.terms.get(term);
    if (t === undefined) {
      const row = this.q.term.get(term);
      // A word only removed articles held is no longer in the archive (its row keeps its id for a return).
      t =
        row && row.article_df + row.posting_df > 0
          ? { id: row.id, passageDf: row.passage_df, articleDf: row.article_df, postingDf: row.posting_df }
          : null;
      // Question words only: bounded by what people ask between two writes.
      if (this.terms.size >= TERM_CACHE) this.terms.clear();
      this.terms.set(term, t);
    }
    return t ?? undefined;
  }

  termOf(id: number): string {
    let t = this.termNames.get(id);
    if (t === undefined) {
      t = this.q.termOf.get(id)?.term ?? '';
      if (this.termNames.size >= TERM_CACHE) this.termNames.clear();
      this.termNames.set(id, t);
    }
    return t;
  }

  article(a: number): StoredArticle {
    let record = this.records.get(a);
    if (!record) {
      const row = this.q.article.get(a);
      if (!row) throw new Error(`no article ${a} in ${this.path}`);
      const meta = JSON.parse(row.meta) as ArticleMeta;
      const offsets = this.q.offsets;
      let read: Int32Array | Uint16Array | null = null;
      record = {
        number: row.num,
        meta,
        passageCount: row.passage_count,
        length: row.length,
        tokens: int32(row.tokens),
        tokenStart: int32(row.token_start),
        // Read when an excerpt asks: ranking reads a pool of articles, answers quote a few.
        get offsets() {
          read ??= compact(int32(offsets.get(a)!.offsets));
          return read;
        },
        metaTerms: articleMetaTerms(meta, this.aliases, this.fieldWeights),
      };
      this.records.set(a, record);
    }
    return record;
  }

  /** Article a's key-term profile as kept at its insert or last refresh (see PROFILE_DRIFT). */
  keyProfile(a: number, keyTerms: number): KeyProfile | undefined {
    if (keyTerms !== DEFAULT_NEWER.keyTerms) return undefined;
    let profile = this.profiles.get(a);
    if (profile === undefined) {
      this.profileQuery ??= this.hasTable('profiles')
        ? this.db.prepare<[number], string>('SELECT terms FROM profiles WHERE num = ?').pluck()
        : null;
      const row = this.profileQuery?.get(a);
      profile = row === undefined ? null : decodeProfile(row);
      this.profiles.set(a, profile);
    }
    return profile ?? undefined;
  }

  private hasTable(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  meta(a: number): ArticleMeta {
    const record = this.records.get(a);
    if (record) return record.meta;
    let kept = this.metas.get(a);
    if (!kept) {
      const row = this.q.meta.get(a);
      if (row === undefined) throw new Error(`no article ${a} in ${this.path}`);
      // Decoded, about its JSON's length in UTF-16.
      kept = { meta: JSON.parse(row) as ArticleMeta, bytes: 2 * row.length + 200 };
      this.metas.set(a, kept);
    }
    return kept.meta;
  }

  passage(p: number): Passage {
    let passage = this.passages.get(p);
    if (!passage) {
      const row = this.q.passage.get(p);
      if (!row) throw new Error(`no passage ${p} in ${this.path}`);
      passage = { article: row.article, position: row.position, text: row.text, sentences: [...int32(row.sentences)] };
      if (row.heading !== null) passage.heading = row.heading;
      if (row.lead) passage.lead = true;
      this.passages.set(p, passage);
    }
    return passage;
  }

  articleOf(p: number): number {
    const cached = this.passages.get(p);
    if (cached) return cached.article;
    let a = this.passageArticles.get(p);
    if (a === undefined) {
      const row = this.q.passageArticle.get(p);
      if (!row) throw new Error(`no passage ${p} in ${this.path}`);
      a = row.article;
      this.passageArticles.set(p, a);
    }
    return a;
  }

  /**
   * FTS5 as the inverted index: each term's articles read whole (one statement a term, kept until
   * the next write), their weights summed per article here and the best kept. No ranking is asked
   * of FTS5 (its bm25() decodes every position of every article it scores: 40 ms a question at
   * 10x), so the table keeps no positions (detail = none). Summing here rather than in SQL
   * (a UNION ALL of the terms, GROUP BY, ORDER BY sum): 0.18 ms a question at 1x against 1.3 ms,
   * its temporary b-tree and sort gone; a term asked again reads nothing.
   */
  pool(terms: ReadonlyArray<{ id: number; weight: number }>, count: number): number[] {
    if (terms.length === 0 || count <= 0) return [];
    const n = this.stats().nextArticle;
    if (this.poolScores.length < n) this.poolScores = new Float64Array(Math.max(n, this.poolScores.length * 2));
    const scores = this.poolScores;
    let low = n;
    let high = -1;
    for (const { id, weight } of terms) {
      for (const a of this.postings(id)) {
        scores[a]! += weight;
        if (a < low) low = a;
        if (a > high) high = a;
      }
    }
    // In number order, a tie never displacing a kept article: ties go to the lower number.
    const top: Array<{ p: number; score: number }> = [];
    for (let a = low; a <= high; a++) {
      if (scores[a]! > 0) keepBest(top, a, scores[a]!, count);
      scores[a] = 0;
    }
    return top.map((t) => t.p);
  }

  /** The articles holding a term in the full-text table, in number order (cached until the next write). */
  private postings(id: number): Int32Array {
    let list = this.postingCache.get(id);
    if (!list) {
      list = Int32Array.from(this.q.holding.all(word(id)));
      if (this.postingInts + list.length > POSTING_CACHE) {
        this.postingCache.clear();
        this.postingInts = 0;
      }
      this.postingCache.set(id, list);
      this.postingInts += list.length;
    }
    return list;
  }

  sources(): readonly string[] {
    if (this.sourceList === null || this.sourcesStale) {
      const list = this.q.sources.all().map((r) => r.source);
      const same = this.sourceList?.length === list.length && list.every((s, i) => s === this.sourceList![i]);
      if (!same) this.sourceList = list;
      this.sourcesStale = false;
    }
    return this.sourceList!;
  }

  similarTerms(term: string, how: { distance: number } | { prefix: true }): string[] {
    // Every caller wants the first letter kept (a typo rarely changes it): the terms starting
    // with it are one range of the terms' unique index, and nothing is held in memory for them.
    const first = [...term][0];
    if (!first) return [];
    const after = String.fromCodePoint(first.codePointAt(0)! + 1);
    if ('prefix' in how) return this.q.termsFrom.all(term, `${term}\u{10ffff}`, 0, term.length + 4).map((r) => r.term);
    const d = how.distance;
    return this.q.termsFrom
      .all(first, after, term.length - d, term.length + d)
      .map((r) => r.term)
      .filter((t) => editDistance(t, term, d) <= d);
  }

  articleWith(termId: number): number | undefined {
    return this.q.withTerm.get(word(termId))?.rowid;
  }

  /** The number of the article with this id, if the archive holds it. */
  articleNumber(id: string): number | undefined {
    return this.q.byId.get(id);
  }

  /** Every article the archive holds, in number order. */
  *articles(): Iterable<{ number: number; meta: ArticleMeta }> {
    for (const row of this.q.metas.iterate()) yield { number: row.num, meta: JSON.parse(row.meta) as ArticleMeta };
  }

  /** The ids and files of the articles numbered `from` or later, and the number past the last of them. */
  articlesFrom(from: number): { articles: Array<{ id: string; file: string }>; next: number } {
    const rows = this.q.from.all(from);
    return {
      articles: rows.map((r) => ({ id: r.doc_id, file: r.file })),
      next: rows.length ? rows.at(-1)!.num + 1 : from,
    };
  }

  /** Every article id the archive holds. */
  ids(): Set<string> {
    return new Set(this.q.ids.all());
  }

  /** The ids of a file's articles. */
  fileIds(path: string): string[] {
    return this.q.fileIds.all(path);
  }

  /** The corpus files the archive holds, with the stamp of the version read (see ListedFile.stamp). */
  files(): Map<string, string | null> {
    return new Map(
      this.w()
        .files.all()
        .map((r) => [r.path, r.stamp]),
    );
  }

  /**
   * Takes a file's new version in, in one transaction: its articles as they were are removed and
   * `articles` added (none: the file was removed, or is refused). Readers see the file before or after, never half.
   */
  replaceFile(path: string, stamp: string | null | undefined, articles: readonly Article[]): void {
    this.db
      .transaction(() => {
        this.removeFile(path);
        this.insert(articles);
        if (stamp === undefined) this.w().dropFile.run(path);
        else this.w().setFile.run(path, stamp);
        this.logChanges();
      })
      .immediate();
    this.takeChanges();
  }

  /**
   * Removes a file's articles: rows deleted, term counts and totals lowered. Numbers are not
   * reused. Its outlet stays among the sources (a query naming it then finds nothing more).
   */
  private removeFile(path: string): void {
    const w = this.w();
    const stats = this.readStats();
    const counts = new Map<number, [passage: number, article: number, posting: number]>();
    const count = (id: number, which: 0 | 1 | 2) => {
      let c = counts.get(id);
      if (!c) counts.set(id, (c = [0, 0, 0]));
      c[which]++;
    };
    for (const num of w.ofFile.all(path)) {
      const row = w.removed.get(num)!;
      const tokens = int32(row.tokens);
      const start = int32(row.token_start);
      for (let p = 0; p + 1 < start.length; p++)
        for (const id of new Set(tokens.subarray(start[p], start[p + 1]))) count(id, 0);
      const terms = w.termsOf.get(num);
      // An article added before its terms were kept: its passage words stand in for them.
      const df = terms ? int32(terms.df) : new Set(tokens);
      const posting = terms ? int32(terms.posting) : new Set(tokens);
      for (const id of df) count(id, 1);
      for (const id of posting) count(id, 2);
      stats.articles--;
      stats.passages -= row.passage_count;
      stats.tokens -= tokens.length;
      stats.articleLength -= row.length;
      const print = w.printOf.get(num);
      const found = print !== undefined && w.firstCopy.get(print) === num;
      w.dropDoc.run(num);
      const first = (JSON.parse(row.meta) as ArticleMeta).firstPassage;
      w.dropPassages.run(first, first + row.passage_count);
      w.dropArticle.run(num);
      w.dropTerms.run(num);
      w.dropPrint.run(num);
      w.dropProfile.run(num);
      // Asked of a removed article, as a fresh reader answers (its other rows are never asked for again).
      this.profiles.delete(num);
      // The article was the copy found: the next copy of it is found in its place.
      const next = found ? w.firstCopy.get(print) : undefined;
      if (next !== undefined) {
        const nextTerms = w.termsOf.get(next);
        const words = nextTerms ? int32(nextTerms.posting) : new Set(int32(w.removed.get(next)!.tokens));
        this.q.addDoc.run(next, [...words].map(word).join(' '));
      }
    }
    const gone: string[] = [];
    for (const [id, [p, a, post]] of counts) {
      w.uncount.run(p, a, post, id);
      if (a > 0 && w.articleDf.get(id) === 0) gone.push(this.termOf(id));
    }
    this.touch(counts.keys(), gone);
    for (const [key, value] of Object.entries(stats)) this.q.setInfo.run(key, String(value));
    // The decoded articles and passages stay: numbers are never reused, so none is stale (those
    // removed are no longer asked for), and a write no longer costs the next questions their reads.
  }

  /** Adds articles (rows inserted, term counts raised), a batch per transaction. */
  add(articles: readonly Article[]): void {
    for (let i = 0; i < articles.length; i += INSERT_BATCH) {
      this.db
        .transaction(() => {
          this.insert(articles.slice(i, i + INSERT_BATCH));
          this.logChanges();
        })
        .immediate();
    }
    this.takeChanges();
  }

  private insert(batch: readonly Article[]): void {
    const ids = new Map<string, number>();
    // Each term's article count before the batch: with the batch's own, the profiles' IDF (no query again).
    const dfBefore = new Map<string, number>();
    const idOf = (term: string) => {
      let id = ids.get(term);
      if (id === undefined) {
        const row = this.q.term.get(term);
        id = row?.id ?? this.q.addTerm.get(term)!.id;
        ids.set(term, id);
        dfBefore.set(term, row?.article_df ?? 0);
      }
      return id;
    };
    // Counts raised per term once per batch, not per article.
    const counts = new Map<number, [passage: number, article: number, posting: number]>();
    const count = (id: number, which: 0 | 1 | 2) => {
      let c = counts.get(id);
      if (!c) counts.set(id, (c = [0, 0, 0]));
      c[which]++;
    };
    const stats = this.readStats();
    const options = DEFAULT_PASSAGE_OPTIONS;
    const counters: Array<[num: number, counter: KeyTermCounter]> = [];
    for (const article of batch) {
      const num = stats.nextArticle++;
      stats.articles++;
      const meta = toMeta(article, stats.nextPassage);
      const own = splitArticle(article, num, options);
      const tokens: number[] = [];
      const tokenStart: number[] = [];
      const offsets: number[] = [];
      const articleTerms = new Set<number>();
      const counter = new KeyTermCounter(this.aliases);
      counters.push([num, counter]);
      for (const p of own) {
        tokenStart.push(tokens.length);
        const seen = new Set<number>();
        // As NewsIndex.build: a short heading labels every passage under it.
        const label =
          p.heading && p.heading !== p.text && p.heading.length < options.sentenceHeadingChars ? `${p.heading}\n` : '';
        for (const t of tokenize(label + p.text, this.aliases)) {
          const id = idOf(t.term);
          tokens.push(id);
          if (t.start < label.length) offsets.push(0, 0);
          else {
            offsets.push(t.start - label.length + 1, t.end - label.length + 1);
            // As newer.ts counts an article's words: those of its text, not of the heading's label.
            counter.word(t.term, p.text, t.start - label.length);
          }
          seen.add(id);
        }
        for (const id of seen) {
          count(id, 0);
          articleTerms.add(id);
        }
        stats.passages++;
        this.q.addPassage.run(
          stats.nextPassage++,
          num,
          p.position,
          p.heading ?? null,
          p.lead ? 1 : 0,
          p.text,
          blob(p.sentences),
        );
      }
      tokenStart.push(tokens.length);
      counter.title(new Set(tokenize(meta.title, this.aliases).map((t) => t.term)));
      const lead = [article.standfirst ?? '', ...article.sections.map((s) => s.heading ?? '')]
        .filter(Boolean)
        .join('\n');
      for (const text of [article.title, lead, article.source ?? '', dateWords(article.published)])
        for (const t of tokenize(text, this.aliases)) articleTerms.add(idOf(t.term));
      for (const id of articleTerms) count(id, 1);
      // BM25F postings: passage words, and title, source and date words at their field weights.
      const posting = new Set(tokens);
      let length = tokens.length;
      const fieldText = { title: article.title, source: article.source ?? '', date: dateWords(article.published) };
      for (const field of ['title', 'source', 'date'] as const) {
        const weight = this.fieldWeights[field];
        for (const t of tokenize(fieldText[field], this.aliases)) {
          const id = idOf(t.term);
          if (weight <= 0) continue;
          length += weight;
          posting.add(id);
        }
      }
      for (const id of posting) count(id, 2);
      // What its removal takes back from the counts (passage counts come from its tokens).
      this.w().addTerms.run(num, blob([...articleTerms]), blob([...posting]));
      // An exact copy of an article held (the same words, title, outlet and date) is not put in the
      // full-text table: the pool is counted in distinct articles (as NewsIndex counts its
      // candidates), and copies cost no postings. The first copy is found; the next takes its place on removal.
      const print = fingerprint(tokens, meta);
      this.w().addPrint.run(num, print);
      if (this.w().firstCopy.get(print) === num) this.q.addDoc.run(num, [...posting].map(word).join(' '));
      stats.tokens += tokens.length;
      stats.articleLength += length;
      this.q.addArticle.run({
        num,
        doc_id: article.id,
        file: article.file,
        source: article.source ?? null,
        meta: JSON.stringify(meta),
        passage_count: own.length,
        length,
        tokens: blob(tokens),
        token_start: blob(tokenStart),
        offsets: blob(offsets),
      });
      if (article.source) this.q.addSource.run(foldWord(article.source));
    }
    for (const [id, [p, a, post]] of counts) this.q.countTerm.run(p, a, post, id);
    const joined = [...dfBefore].filter(([t, df]) => df === 0 && (counts.get(ids.get(t)!)?.[1] ?? 0) > 0);
    this.touch(
      counts.keys(),
      joined.map(([t]) => t),
    );
    for (const [key, value] of Object.entries(stats)) this.q.setInfo.run(key, String(value));
    // Profiles over the archive with the batch in (its counts are written): time notes then read them, not the words.
    const articleDf = (term: string) => {
      const id = ids.get(term);
      return id === undefined
        ? (this.q.term.get(term)?.article_df ?? 0)
        : dfBefore.get(term)! + (counts.get(id)?.[1] ?? 0);
    };
    for (const [num, counter] of counters)
      this.w().addProfile.run(
        num,
        stats.articles,
        encodeProfile(counter.profile(articleDf, stats.articles, DEFAULT_NEWER.keyTerms)),
      );
  }

  /**
   * Works out again the key-term profiles missing (a file made before they were kept) or made over
   * fewer than PROFILE_DRIFT of the articles held now, from the articles' rows: a batch of
   * articles per transaction. Returns how many it made.
   */
  refreshProfiles(): number {
    const total = this.readStats().articles;
    const stale = this.db
      .prepare<[number], number>(
        'SELECT num FROM articles WHERE num NOT IN (SELECT num FROM profiles WHERE total >= ?) ORDER BY num',
      )
      .pluck()
      .all(Math.ceil(total * PROFILE_DRIFT));
    if (stale.length === 0) return 0;
    // The vocabulary once, by id (an article's words are term ids).
    const names: string[] = [];
    const df = new Map<string, number>();
    for (const row of this.db
      .prepare<[], { id: number; term: string; article_df: number }>('SELECT id, term, article_df FROM terms')
      .iterate()) {
      names[row.id] = row.term;
      df.set(row.term, row.article_df);
    }
    const read = this.db.prepare<[number], { meta: string; tokens: Buffer; token_start: Buffer; offsets: Buffer }>(
      'SELECT meta, tokens, token_start, offsets FROM articles WHERE num = ?',
    );
    const texts = this.db
      .prepare<[number, number], string>('SELECT text FROM passages WHERE num >= ? AND num < ? ORDER BY num')
      .pluck();
    const articleDf = (term: string) => df.get(term) ?? 0;
    for (let i = 0; i < stale.length; i += PROFILE_BATCH) {
      this.db.transaction(() => {
        // Profiles are not terms: readers empty their caches (a refresh is rare: a build, or 10% more articles).
        this.pending = null;
        for (const num of stale.slice(i, i + PROFILE_BATCH)) {
          const row = read.get(num)!;
          const meta = JSON.parse(row.meta) as ArticleMeta;
          const tokens = int32(row.tokens);
          const tokenStart = int32(row.token_start);
          const offsets = int32(row.offsets);
          const passages = texts.all(meta.firstPassage, meta.firstPassage + tokenStart.length - 1);
          const counter = new KeyTermCounter(this.aliases);
          for (let p = 0; p + 1 < tokenStart.length; p++)
            for (let t = tokenStart[p]!; t < tokenStart[p + 1]!; t++)
              if (offsets[2 * t]! > 0) counter.word(names[tokens[t]!]!, passages[p]!, offsets[2 * t]! - 1);
          counter.title(new Set(tokenize(meta.title, this.aliases).map((t) => t.term)));
          this.w().addProfile.run(num, total, encodeProfile(counter.profile(articleDf, total, DEFAULT_NEWER.keyTerms)));
        }
        this.logChanges();
      })();
    }
    this.takeChanges();
    return stale.length;
  }

  /** The totals as written, inside a write transaction (never the cache: another process may have added). */
  private readStats(): ArchiveStats {
    const n = (key: string) => Number(this.q.info.get(key)?.value ?? 0);
    const articles = n('articles');
    const passages = n('passages');
    // An archive nothing was ever removed from numbers its articles up to its count (older files keep no next numbers).
    const next = (key: string, count: number) => {
      const v = this.q.info.get(key)?.value;
      return v === undefined ? count : Number(v);
    };
    return {
      articles,
      passages,
      tokens: n('tokens'),
      articleLength: n('articleLength'),
      nextArticle: next('nextArticle', articles),
      nextPassage: next('nextPassage', passages),
    };
  }

  /**
   * Copies what the write-ahead log holds into the file now, waiting for no reader. After a build
   * it may hold up to SQLite's 1,000-page threshold, which the next commit (an article added while
   * serving) would otherwise copy and sync on the loop.
   */
  checkpoint(): void {
    if (this.path !== ':memory:') this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** The whole database as one buffer (a copy of the archive file). */
  image(): Buffer {
    return this.db.serialize();
  }

  /** An archive written from an image() to `path`, opened there. */
  static fromImage(path: string, image: Buffer, options: SqliteArchiveOptions): SqliteArchive {
    writeFileSync(path, image);
    return new SqliteArchive(path, options);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * An archive file over a corpus, current with it (see StoredArchive: a file made before takes in
 * only the files changed since). ':memory:' keeps it in this process (eval, tests). Files are
 * parsed here: the terminal and eval have nothing else to serve meanwhile.
 */
export async function openSqliteCorpus(
  options: { corpus: string; aliasesPath?: string; path: string },
  ranking: Partial<RankingOptions> = {},
): Promise<{ archive: SqliteArchive; index: StoredIndex; warnings: CorpusWarning[] }> {
  // Imported here: a process that serves an archive file needs none of the parsers (their HTML
  // libraries alone are tens of MB of RSS).
  const { parseCorpusFiles } = await import('../corpus.js');
  const { StoredArchive } = await import('../storedArchive.js');
  const opened = await StoredArchive.open({
    ...options,
    ranking,
    parse: (file) => Promise.resolve(parseCorpusFiles([file])),
  });
  return { archive: opened.store, index: opened.index, warnings: opened.warnings };
}

/** Opens (or makes) an archive file; one of an older format is made again, any other database left alone. */
export function openArchiveFile(path: string, options: SqliteArchiveOptions): SqliteArchive {
  try {
    return new SqliteArchive(path, options);
  } catch (err) {
    if (path === ':memory:' || !isArchiveFile(path)) throw err;
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    return new SqliteArchive(path, options);
  }
}

/** Whether the file is a Newsdesk archive of any format (its info table says a format). */
function isArchiveFile(path: string): boolean {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT value FROM info WHERE key = 'format'").get() !== undefined;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}
