import type { FSWatcher } from 'chokidar';
import { reportReindex, watchCorpus } from './corpusWatch.js';
import { applyDelta, applyDeltaSliced, type ServedIndex, type LiveIndex } from './core/delta.js';
import type { Article, CorpusWarning } from './core/types.js';
import { warmLanguage } from './language.js';
import { warmDates } from './core/dates.js';
import { sliced } from './core/slices.js';
import { warmUpAnswers } from './core/warmup.js';
import { answerQuestion } from './core/answer.js';
import { carryProfiles } from './core/newer.js';
import { nameAdded, readListedFile, statCorpusFile, statCorpusFiles, type ListedFile } from './corpus.js';
import {
  openEngine,
  openSummary,
  savedIndexIfCurrent,
  type Engine,
  type EngineOptions,
  type PrepareIndex,
} from './engine.js';
import { prepareInWorker } from './workers/indexWorkerClient.js';
import { parseSandbox, ParseSandbox } from './workers/parseSandbox.js';

/** Reading, parsing and indexing run in the index worker: this thread only loads the file it saved. */
const inWorker: PrepareIndex = (options, force) =>
  prepareInWorker(force === undefined ? { kind: 'shared', options } : { kind: 'shared', options, force });

/**
 * A saved index that matches the corpus is loaded without starting the worker; anything to build
 * goes to the worker. Used at the start, before anything is answered (a restart, every shard), and
 * by shards for every reload: the manager has built and saved the index, so a shard only checks
 * (lists and hashes the corpus, parses nothing) and loads it.
 */
export const preferSaved: PrepareIndex = async (options, force) =>
  (force === undefined ? await savedIndexIfCurrent(options) : null) ?? inWorker(options, force);

/**
 * How a shard prepares the index it loads: the file the manager saved, checked against the corpus
 * (see preferSaved), unless the manager said which hash it saved it with: then the file is loaded
 * if it carries that hash, the corpus not read. Reading and hashing every file on the serving
 * thread held a shard's loop 137-190 ms at 10x (one hash over 6,090 files). The changes the
 * manager did not see are taken in after the load all the same (see Archive.rebuild).
 */
export function savedBy(manager: { saved?: string | undefined }): PrepareIndex {
  let trusted = false;
  return (options, force) => {
    const hash = manager.saved;
    // Once: a later rebuild (an /admin reindex in this shard) checks the corpus again.
    manager.saved = undefined;
    if (force === undefined && hash !== undefined) {
      trusted = true;
      return Promise.resolve({ origin: 'cache', hash });
    }
    const after = trusted;
    trusted = false;
    // The file no longer carried the hash given (the manager saved a newer one while this shard
    // waited its turn): checked against the corpus and loaded, not rebuilt here (40 s at 10x).
    return after ? preferSaved(options) : preferSaved(options, force);
  };
}

export interface ReindexReport {
  articles: number;
  passages: number;
  warnings: CorpusWarning[];
  ms: number;
  /** False when the corpus was unchanged and the saved index was reused. */
  rebuilt: boolean;
  /** The shared index's corpus hash, which its saved file is stamped with: what a shard told to load it expects. */
  hash?: string;
}

/**
 * The live archive: the current index, swapped for a new one only when a rebuild succeeds, so
 * questions are always answered from a whole index (never a half-built one).
 */
export class Archive {
  /** The index is null once released: the archive then builds and saves it but holds none. */
  private engine: Engine | Released;
  private holding = true;
  private running: Promise<ReindexReport> | null = null;
  /** A run asked for while one was running: it starts when that one ends, so no change it missed is lost. */
  private queued: Promise<ReindexReport> | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | undefined;
  private updateDebounce: NodeJS.Timeout | undefined;
  /** The main index with the corpus's changes since it was built beside it (see update); null: none. */
  private live: LiveIndex | null = null;
  private updating: Promise<void> | null = null;
  /** What the next update looks at: the files named since the last one, or every file. */
  private pending: Set<string> | 'all' = 'all';
  /** The files that differ from what `changedFor`'s index was built from (null: removed). */
  private changed: Changes = new Map();
  private changedFor: Engine | Released | null = null;
  /** Changed files' articles by path, with the stamp of the version parsed (see articlesOf). */
  private readonly parsed = new Map<string, { stamp: string; articles: Article[] }>();
  /**
   * The delta's own parse sandbox, kept ready: a change is answered within a second only if its
   * file need not wait for a thread to start (seconds through tsx, on a busy machine 6 s).
   */
  private sandbox: ParseSandbox | null = null;
  private updateQueued: Promise<void> | null = null;

  private constructor(
    engine: Engine,
    private readonly options: EngineOptions,
    private readonly prepare: PrepareIndex,
  ) {
    this.engine = engine;
    void engine.index?.warmUp();
  }

  /** Opens the archive; `prepare` says where the index is built (the index worker unless given). */
  static async open(options: EngineOptions, prepare?: PrepareIndex): Promise<Archive> {
    return new Archive(await openEngine(options, prepare ?? preferSaved), options, prepare ?? inWorker);
  }

  get index(): ServedIndex {
    if (!this.engine.index)
      throw new Error('this archive was released: it saves the index for other processes and holds none');
    return this.live ?? this.engine.index;
  }

  get warnings(): CorpusWarning[] {
    return this.engine.warnings;
  }

  get files(): string[] {
    return this.engine.files;
  }

  /** How the current index came to be: loaded from the saved cache, or built from the corpus. */
  get origin(): Engine['origin'] {
    return this.engine.origin;
  }

  /**
   * Drops the index, now and after every reindex, keeping what the report needs: for a process
   * that only keeps the saved index current for others (the shard manager).
   */
  release(): void {
    this.holding = false;
    this.engine = { ...this.engine, index: null };
  }

  /**
   * Rebuilds from the corpus; on failure the current index stays and the error is thrown. A call
   * while a rebuild runs gets the next one, which starts when the running one ends (it may have
   * read the corpus before the change that prompted the call); calls meanwhile share that next run.
   */
  reindex(changed?: readonly string[]): Promise<ReindexReport> {
    // The change is answered within a second through the delta (of the files named, else of
    // every file, unless the watcher is already reporting each change); the full rebuild follows.
    if (changed || !this.watcher) {
      this.update(changed).catch((err: unknown) => this.onDeltaError?.(err));
    }
    if (this.running) {
      this.queued ??= this.running.then(
        () => this.startNext(),
        () => this.startNext(),
      );
      return this.queued;
    }
    this.running = this.rebuild().finally(() => (this.running = null));
    return this.running;
  }

  private startNext(): Promise<ReindexReport> {
    this.queued = null;
    return this.reindex([]);
  }

  /** Told when a delta failed (the change then waits for the full rebuild): the bot logs it. */
  onDeltaError: ((err: unknown) => void) | undefined;

  /**
   * Told what the watcher saw change (paths relative to the corpus; undefined: look at every
   * file), as soon as it takes them in: the shard manager forwards them, so every shard takes the
   * same delta at once instead of waiting for the rebuild.
   */
  onChanged: ((paths: string[] | undefined) => void) | undefined;

  /**
   * Takes the corpus as it is on disk into the index answered from, within about a second: the
   * files changed, added or removed since the main index was built are parsed (in the parse
   * sandbox) and indexed on their own beside the main index (see core/delta.ts: milliseconds), swapped in. `paths`
   * (relative to the corpus) says which files changed, when the caller knows: only those are
   * looked at; without it every file's stamp is checked (seconds at 10× on a busy machine). Calls
   * while one runs share the next run, which starts when it ends.
   */
  update(paths?: readonly string[]): Promise<void> {
    if (!paths) this.pending = 'all';
    else if (this.pending !== 'all') for (const p of paths) this.pending.add(p);
    if (this.updating) {
      this.updateQueued ??= this.updating.then(
        () => this.nextUpdate(),
        () => this.nextUpdate(),
      );
      return this.updateQueued;
    }
    return this.startUpdate();
  }

  private nextUpdate(): Promise<void> {
    this.updateQueued = null;
    return this.startUpdate();
  }

  /** The update running, or a new one started. */
  private startUpdate(): Promise<void> {
    this.updating ??= this.runUpdate().finally(() => (this.updating = null));
    return this.updating;
  }

  /** The delta's sandbox, with the process's parse budget; started ready (see `sandbox`). */
  private parser(): ParseSandbox {
    const { budget } = parseSandbox();
    if (
      this.sandbox &&
      (this.sandbox.budget.timeoutMs !== budget.timeoutMs || this.sandbox.budget.memoryMb !== budget.memoryMb)
    )
      void this.sandbox.close();
    else if (this.sandbox) return this.sandbox;
    this.sandbox = new ParseSandbox(budget, Number.POSITIVE_INFINITY);
    return this.sandbox;
  }

  /**
   * Starts the delta's parse sandbox now, so that the first change is not kept waiting for it:
   * what a serving process does (watch does it too). Its thread then stays until close(). Loads
   * the language data (the English word list spelling correction reads, the word vectors), makes
   * chrono's parsers (see warmDates), and runs the answer path on questions made from the
   * archive's headlines (see warmUpAnswers).
   */
  warm(): Promise<void> {
    warmLanguage();
    warmDates();
    if (!this.holding) return Promise.resolve();
    const ready = this.parser()
      .parse({ file: 'warm-up.txt', content: '' })
      .then(
        () => {},
        () => {},
      );
    // Every file's stamp checked once now, against the index's: a named change later looks at
    // its own files only, instead of every file's stamp (seconds at 10× on a busy machine).
    const checked = this.update().catch((err: unknown) => this.onDeltaError?.(err));
    this.warmDelta();
    // The answer path compiled to fast code before the first questions, in slices (see warmup.ts),
    // once the check is over: a change waits for the check, which took 7-11 s at 10x on a busy
    // machine when each of its 6,090 stat calls waited for a warm-up slice, and 0.4 s alone.
    const index = this.engine.index;
    const answered = index ? checked.then(() => sliced(warmUpAnswers(index))).catch(() => {}) : undefined;
    return Promise.all([ready, checked, answered]).then(() => {});
  }

  /**
   * A question answered from a delta of one small article, thrown away: the first real change
   * would otherwise pay for compiling the delta's indexing and answering code on this thread
   * (measured in process at 1×: the first answer from a new delta took 122 ms, the next 2-10 ms).
   */
  private warmDelta(): void {
    const index = this.engine.index;
    if (!index) return;
    const notice = 'The warm-up notice was posted on Monday. It says nothing.';
    const article: Article = {
      id: 'warm-up',
      title: 'Warm-up notice',
      tags: [],
      file: 'warm-up.txt',
      sections: [{ paragraphs: [notice] }],
    };
    const live = applyDelta(index, { hiddenFiles: new Set(), added: [article] });
    answerQuestion(live, 'When was the warm-up notice posted?', { k: 3 });
  }

  private async runUpdate(): Promise<void> {
    for (;;) {
      const scope = this.pending;
      this.pending = new Set();
      const engine = this.engine;
      if (!engine.index) return;
      // Nothing named and nothing to look at again: the index answered from is current.
      if (scope !== 'all' && scope.size === 0 && this.changedFor === engine) return;
      try {
        const next = await this.withChanges(engine as Engine, scope, this.changedFor === engine ? this.changed : null);
        // A rebuild swapped in meanwhile: the delta is worked out again against the new index.
        if (this.engine !== engine) {
          this.pending = 'all';
          continue;
        }
        this.changed = next.changed;
        this.changedFor = engine;
        this.live = next.live;
      } catch (err) {
        // Looked at again next time.
        if (scope === 'all') this.pending = 'all';
        else if (this.pending !== 'all') for (const p of scope) this.pending.add(p);
        throw err;
      }
      return;
    }
  }

  /**
   * The files that differ from what the engine's index was built from (`previous`, with the files
   * of `scope` looked at again; every file for 'all'), and the engine's index with them beside it
   * (null when none differ).
   */
  private async withChanges(
    engine: Engine,
    scope: Set<string> | 'all',
    previous: Changes | null,
  ): Promise<{ changed: Changes; live: LiveIndex | null }> {
    const known = new Map(engine.files.map((f, i) => [f, engine.stamps[i] ?? null]));
    const same = (f: ListedFile) => known.has(f.path) && f.stamp !== null && known.get(f.path) === f.stamp;
    let changed: Changes | null = null;
    if (scope !== 'all' && previous) {
      changed = new Map(previous);
      for (const path of scope) {
        const f = await statCorpusFile(this.options.corpus, path);
        // Only a walk of the corpus can tell (a symbolic link): every file is looked at.
        if (f === undefined) {
          changed = null;
          break;
        }
        if (f === null) {
          if (known.has(path)) changed.set(path, null);
          else changed.delete(path);
        } else if (same(f)) changed.delete(path);
        else changed.set(path, f);
      }
      // Each named file is as the last delta took it in (a shard's own change, then the manager's
      // forward of it): the index answered from holds it already, nothing is indexed again.
      if (changed && sameChanges(changed, previous)) return { changed: previous, live: this.live };
    }
    if (!changed) {
      changed = new Map();
      const listed = await statCorpusFiles(this.options.corpus);
      for (const f of listed) if (!same(f)) changed.set(f.path, f);
      const present = new Set(listed.map((f) => f.path));
      for (const f of engine.files) if (!present.has(f) && known.get(f) !== null) changed.set(f, null);
    }
    if (changed.size === 0) return { changed, live: null };
    const hiddenFiles = new Set([...changed.keys()].filter((p) => known.has(p)));
    // An added article may not take an id the index keeps answering with (the full rebuild settles who keeps it).
    const ids = new Set(engine.index.articles.filter((a) => !hiddenFiles.has(a.file)).map((a) => a.id));
    const added: Article[] = [];
    for (const f of changed.values()) if (f) added.push(...nameAdded(await this.articlesOf(f), ids));
    // Beside the main index, not merged into a copy of it: milliseconds at any scale (see core/delta.ts),
    // built in slices: an upload or a feed poll of hundreds of articles would hold the loop for all of it.
    return { changed, live: await applyDeltaSliced(engine.index, { hiddenFiles, added }) };
  }

  /**
   * One file's articles, parsed in the delta's ready sandbox (none when it is refused): what a
   * server's delta parses with too (see guildArchives.ts), so it does not wait for a thread to start.
   */
  async parseFile(file: { path: string; content: string }): Promise<Article[]> {
    const outcome = await this.parser().parse({ file: file.path, content: file.content });
    return 'refused' in outcome ? [] : outcome.articles;
  }

  /** A changed file's articles, parsed once per version of it (a later delta reuses them). */
  private async articlesOf(f: ListedFile): Promise<Article[]> {
    const cached = this.parsed.get(f.path);
    if (cached && cached.stamp === f.stamp) return cached.articles;
    const file = await readListedFile(f);
    let articles: Article[] = [];
    if (file.error === undefined && file.skipped === undefined) {
      const outcome = await this.parser().parse({ file: file.path, content: file.content });
      if (!('refused' in outcome)) articles = outcome.articles;
    }
    if (f.stamp !== null) this.parsed.set(f.path, { stamp: f.stamp, articles });
    return articles;
  }

  private async rebuild(): Promise<ReindexReport> {
    const started = performance.now();
    // The delta first: it is what makes the change answerable soon, and the two would share the cores.
    await this.updating?.catch(() => {});
    if (!this.holding) {
      // Prepared and saved for other processes, and not loaded here: what the report says is read
      // from the file's header (the shard manager loaded each index it built, on its serving
      // thread at nice 0, while its shards took it up).
      const built = await openSummary(this.options, this.prepare);
      this.engine = built;
      this.changed = new Map();
      this.changedFor = null;
      this.parsed.clear();
      return {
        articles: built.articles,
        passages: built.passages,
        warnings: built.warnings,
        ms: performance.now() - started,
        rebuilt: built.origin === 'built',
        hash: built.hash,
      };
    }
    // Loaded in slices: the index being replaced goes on answering until the new one is whole.
    const next = await openEngine(this.options, this.prepare, true);
    // Its spelling index made (in slices) before it answers: questions meanwhile go on being
    // corrected by the index they are answered from, instead of going without correction.
    if (this.holding) await next.index.warmUp();
    // And what answers worked out over the index it replaces (newer.ts's profiles), worked out again
    // over it, in slices: the first answers after a swap otherwise did it, 130 ms each at 10x.
    const old = this.engine.index;
    if (this.holding && old) await sliced(carryProfiles(old, next.index));
    // Changes the rebuild did not see (made while it read the corpus) stay answered: the delta
    // over the new index is worked out last, after the warm-up, so that a change meanwhile is in
    // it, and both are swapped in at once.
    const delta = this.holding ? await this.withChanges(next, 'all', null).catch(() => null) : null;
    this.engine = this.holding ? next : { ...next, index: null };
    this.live = delta?.live ?? null;
    this.changed = delta?.changed ?? new Map();
    this.changedFor = delta ? this.engine : null;
    // Versions of files the new index holds need not be kept parsed.
    for (const path of [...this.parsed.keys()]) if (!this.changed.has(path)) this.parsed.delete(path);
    return {
      articles: next.index.articles.length,
      passages: next.index.passages.length,
      warnings: next.warnings,
      ms: performance.now() - started,
      rebuilt: next.origin === 'built',
      hash: next.index.hash,
    };
  }

  /**
   * Watches the corpus: a change is answered from within a second (see update), and the full
   * reindex runs after changes settle for `debounceMs`.
   */
  watch(onReindex: (report: ReindexReport | Error) => void, debounceMs = 500): void {
    if (this.watcher) return;
    void this.warm();
    let paths: string[] = [];
    this.watcher = watchCorpus(this.options.corpus, (path) => {
      paths.push(path);
      clearTimeout(this.updateDebounce);
      this.updateDebounce = setTimeout(() => {
        const named = paths.includes('') ? undefined : paths;
        paths = [];
        // A failed delta only delays the change until the full reindex.
        if (this.holding) this.update(named).catch((err: unknown) => this.onDeltaError?.(err));
        this.onChanged?.(named);
      }, UPDATE_DEBOUNCE_MS);
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        const watcher = this.watcher;
        reportReindex(this.reindex([]), () => this.watcher === watcher, onReindex);
      }, debounceMs);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.debounce);
    clearTimeout(this.updateDebounce);
    await this.sandbox?.close();
    this.sandbox = null;
    await this.watcher?.close();
    this.watcher = null;
  }
}

/** How long the watcher lets a burst of changes settle before taking them in as a delta. */
const UPDATE_DEBOUNCE_MS = 50;

/** Files that differ from what an index was built from, by path: as they are now, or null when removed. */
type Changes = Map<string, ListedFile | null>;

/** Whether two sets of changes name the same files in the same versions (a file without a stamp never is). */
function sameChanges(a: Changes, b: Changes): boolean {
  if (a.size !== b.size) return false;
  for (const [path, f] of a) {
    if (!b.has(path)) return false;
    const g = b.get(path);
    if (f === null || g === null || g === undefined) {
      if (f !== g) return false;
    } else if (f.stamp === null || f.stamp !== g.stamp) return false;
  }
  return true;
}

/** An engine whose index was let go (see `release`), or never loaded here (see rebuild). */
type Released = Omit<Engine, 'index'> & { index: null };
