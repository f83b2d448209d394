import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { ReindexReport } from './archive.js';

/**
 * Watches a corpus folder: `onPath` gets each added, changed or removed file's path relative to
 * the corpus ('' when the corpus is one file or the path lies outside it: every file is then looked at).
 */
export function watchCorpus(corpus: string, onPath: (path: string) => void): FSWatcher {
  const watcher = watch(corpus, {
    ignoreInitial: true,
    awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 },
  });
  const changed = (path: string) => {
    const rel = relative(corpus, path).split(sep).join('/');
    onPath(rel === '' || rel.startsWith('..') ? '' : rel);
  };
  watcher.on('add', changed).on('change', changed).on('unlink', changed);
  // A file written the moment its folder is made (the first upload makes added/) can land before
  // the new folder is watched, and never be reported: a new folder has every file looked at.
  watcher.on('addDir', () => onPath(''));
  return watcher;
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
