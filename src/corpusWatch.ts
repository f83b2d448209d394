import { stat, statSync, watch as watchFolder, type FSWatcher as FolderWatcher, type Stats } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { ReindexReport } from './archive.js';

/** How long a file's size and time must stay the same before it is reported (a writer may still be writing it). */
const STABLE_MS = 100;
/** How often a changing file is looked at until it settles. */
const POLL_MS = 25;
/** Editors' swap and backup files, which chokidar leaves out too (its `atomic` option). */
const EDITOR_FILE = /\..*\.(sw[px])$|~$|\.subl.*\.tmp/;
/** The stamp of a file no longer there. */
const GONE = 'gone';

const stampOf = (s: Stats) => `${s.size}:${s.mtimeMs}`;

/**
 * Watches a corpus folder: `onPath` gets each added, changed or removed file's path relative to
 * the corpus ('' when the corpus is one file or the path lies outside it: every file is then looked at).
 *
 * chokidar finds a new file by listing its folder again and stat-ing every entry in it: 0.6-0.8 s
 * for a folder of 6,090 files on a busy machine (10x MultiHop-RAG), most of the second an added
 * article has to become answerable in. Each watched folder's own watch (inotify on Linux) names
 * the file at once: it is reported once its size and time settle (STABLE_MS, as chokidar waits),
 * and chokidar's later report of the same version is dropped. chokidar still reports what the
 * folder watches miss (a folder made, a platform without file names in its events).
 */
export function watchCorpus(corpus: string, onPath: (path: string) => void): FSWatcher {
  const watcher = watch(corpus, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: STABLE_MS, pollInterval: POLL_MS },
  });
  const toRel = (path: string) => {
    const rel = relative(corpus, path).split(sep).join('/');
    return rel === '' || rel.startsWith('..') ? '' : rel;
  };
  // The version of each file the other watch reported last, until this one reports it too.
  const reported = new Map<string, string>();
  const report = (rel: string, stamp: string | undefined) => {
    if (rel !== '' && stamp !== undefined) {
      if (reported.get(rel) === stamp) return void reported.delete(rel);
      // Bounded: a version only one of the two watches saw is never paired.
      if (reported.size > 10_000) reported.clear();
      reported.set(rel, stamp);
    }
    onPath(rel);
  };
  const folders = new FolderWatches((path, stamp) => report(toRel(path), stamp));
  watcher
    .on('add', (path, stats) => report(toRel(path), stats && stampOf(stats)))
    .on('change', (path, stats) => report(toRel(path), stats && stampOf(stats)))
    .on('unlink', (path) => report(toRel(path), GONE));
  // A file written the moment its folder is made (the first upload makes added/) can land before
  // the new folder is watched, and never be reported: a new folder has every file looked at.
  watcher.on('addDir', (path) => {
    onPath('');
    folders.watch(path);
  });
  watcher.on('unlinkDir', (path) => folders.unwatch(path));
  watcher.on('ready', () => {
    for (const dir of Object.keys(watcher.getWatched()))
      if (dir === corpus || !relative(corpus, dir).startsWith('..')) folders.watch(dir);
  });
  const close = watcher.close.bind(watcher);
  watcher.close = () => {
    folders.close();
    return close();
  };
  return watcher;
}

/** Each folder's own watch, reporting a file (its path and stamp: size and time, or 'gone') once it settles (see watchCorpus). */
export class FolderWatches {
  private readonly watches = new Map<string, FolderWatcher>();
  private readonly settling = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly onSettled: (path: string, stamp: string) => void) {}

  watch(dir: string): void {
    if (this.closed || this.watches.has(dir)) return;
    try {
      if (!statSync(dir).isDirectory()) return;
      const w = watchFolder(dir, (_event, name) => {
        if (name && !EDITOR_FILE.test(name)) this.settle(join(dir, name));
      });
      // Out of watches (the system's limit), or the folder gone: chokidar still reports.
      w.on('error', () => this.unwatch(dir));
      this.watches.set(dir, w);
    } catch {
      // As above.
    }
  }

  unwatch(dir: string): void {
    this.watches.get(dir)?.close();
    this.watches.delete(dir);
  }

  /** Looks at a file every POLL_MS until its size and time have stayed the same STABLE_MS; a folder is chokidar's. */
  private settle(path: string): void {
    if (this.settling.has(path)) return;
    let last: string | undefined;
    let since = 0;
    const look = () =>
      stat(path, (err, s) => {
        if (this.closed) return;
        const stamp = err ? (err.code === 'ENOENT' ? GONE : undefined) : s.isDirectory() ? undefined : stampOf(s);
        const now = performance.now();
        if (stamp !== last) {
          last = stamp;
          since = now;
        }
        if (stamp === undefined || now - since >= STABLE_MS) {
          this.settling.delete(path);
          if (stamp !== undefined) this.onSettled(path, stamp);
          return;
        }
        this.settling.set(path, setTimeout(look, POLL_MS));
      });
    this.settling.set(path, setTimeout(look, POLL_MS));
  }

  close(): void {
    this.closed = true;
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
    for (const t of this.settling.values()) clearTimeout(t);
    this.settling.clear();
  }
}

/**
 * Runs a reindex and reports its outcome, unless the watcher that asked for it was closed or
 * replaced meanwhile: whoever listened (the bot, its database) may be gone.
 */
export function reportReindex(
  run: Promise<ReindexReport>,
  stillWatching: () => boolean,
  onReindex: (report: ReindexReport | Error) => void,
): void {
  const report = (r: ReindexReport | Error) => {
    if (stillWatching()) onReindex(r);
  };
  run.then(report, (err: unknown) => report(err instanceof Error ? err : new Error(String(err))));
}
