/**
 * Each server's added files live in the store (guild_file), the source of truth every host builds
 * that server's index from; the server's folder on each host is a copy. The host where a file was
 * added or removed mirrors its folder into the store; every other host follows the store's change
 * log (guild_file_change, polled) and writes the same files into its own copy, then takes them in.
 * Curator servers' additions (the shared corpus's added/ and feeds/) travel the same way, under
 * the key {@link SHARED_CORPUS}.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { isArticleFile } from './core/article.js';
import { DEFAULT_MAX_FILE_BYTES } from './corpus.js';
import type { GuildFileStore } from './store/parts.js';

/** A path inside a server's folder that may come from the database: plain names, nothing hidden, nothing climbing out. */
const SAFE_PATH = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]*\/){0,4}[A-Za-z0-9_][A-Za-z0-9_. -]*$/;

/** Whether a file name from the database may be written into a server's folder. */
export function isSafeGuildFile(file: string): boolean {
  return SAFE_PATH.test(file) && !file.split('/').some((p) => p === '..' || p === '.') && isArticleFile(file);
}

/**
 * The store's key for the curator servers' additions to the shared corpus: not a server id (those
 * are digits), so it never meets a server's own files.
 */
export const SHARED_CORPUS = 'corpus';

/** The shared corpus's folders that curators write (/article add, their feeds): the rest is the operator's, deployed per host. */
const SHARED_FOLDERS = ['added/', 'feeds/'] as const;

/** Whether a file under {@link SHARED_CORPUS} may be written into the shared corpus (only into what curators write). */
export function isSharedCorpusFile(file: string): boolean {
  return isSafeGuildFile(file) && SHARED_FOLDERS.some((f) => file.startsWith(f));
}

/**
 * This host's name in the change log: the machine and the folders its copies live in, so every
 * process of one host (its shards share the folders) has the same, and no two hosts do.
 */
export function hostOrigin(...dirs: string[]): string {
  return createHash('sha256')
    .update([hostname(), ...dirs.map((d) => resolve(d))].join('\0'))
    .digest('hex')
    .slice(0, 16);
}

/** The article files of a server's folder, by path relative to it (with / separators); `accept` narrows them. */
async function localFiles(dir: string, accept: (file: string) => boolean): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const files = new Map<string, string>();
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    const rel = full
      .slice(dir.length + 1)
      .split(sep)
      .join('/');
    if (!accept(rel)) continue;
    if ((await stat(full)).size > DEFAULT_MAX_FILE_BYTES) continue;
    files.set(rel, await readFile(full, 'utf8'));
  }
  return files;
}

export interface MirrorOptions {
  /** Files just removed from the folder (relative to it). */
  removed?: readonly string[];
  /** The host making the change (see {@link hostOrigin}): its own follower skips it. */
  origin?: string | null;
}

/** Which files of a folder are kept in the store under `guildId`: all a server's, only curators' part of the shared corpus. */
const acceptFor = (guildId: string) => (guildId === SHARED_CORPUS ? isSharedCorpusFile : isSafeGuildFile);

/**
 * Puts a server's new and changed article files into the store, and removes the files named in
 * `removed` that are gone from its folder. Only named files are removed: a host whose copy is
 * behind (another host's addition not written here yet) must not remove what it has not seen.
 * Under {@link SHARED_CORPUS}, `dir` is the shared corpus and only its added/ and feeds/ count.
 */
export async function mirrorGuildFolder(
  store: GuildFileStore,
  guildId: string,
  dir: string,
  { removed = [], origin = null }: MirrorOptions = {},
): Promise<{ put: number; removed: number }> {
  const accept = acceptFor(guildId);
  // The shared corpus is read in the curators' folders only: the operator's articles may be many.
  const local =
    guildId === SHARED_CORPUS
      ? new Map(
          (
            await Promise.all(
              SHARED_FOLDERS.map(async (f) =>
                [...(await localFiles(join(dir, f.slice(0, -1)), isSafeGuildFile))].map(
                  ([p, c]) => [`${f}${p}`, c] as const,
                ),
              ),
            )
          ).flat(),
        )
      : await localFiles(dir, accept);
  const stored = new Map((await store.list(guildId)).map((f) => [f.file, f.content]));
  const done = { put: 0, removed: 0 };
  for (const [file, content] of local)
    if (stored.get(file) !== content) {
      await store.put(guildId, file, content, origin);
      done.put++;
    }
  for (const file of removed)
    if (accept(file) && stored.has(file) && !local.has(file)) {
      await store.remove(guildId, file, origin);
      done.removed++;
    }
  return done;
}

export interface GuildFileFollowerOptions {
  store: GuildFileStore;
  /**
   * A server's folder on this host (the shared corpus for {@link SHARED_CORPUS}); null when its
   * additions are not kept in a folder of its own (a curator: they are under SHARED_CORPUS).
   */
  dirFor: (guildId: string) => string | null;
  /** This host (see {@link hostOrigin}): the changes it made are in its folders already. */
  origin?: string | null;
  /** Files of these servers changed on disk here: take them in (a delta, then the rebuild). */
  onChanged: (guildId: string) => void;
  logger: Logger;
  /** How often the change log is read. */
  intervalMs?: number;
}

/** How often another host's additions are looked for: an article added on one host is answered on the others within seconds. */
export const FOLLOW_INTERVAL_MS = 2_000;

/** Follows the store's change log of servers' files and keeps this host's copies of their folders current. */
export class GuildFileFollower {
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;

  constructor(private readonly options: GuildFileFollowerOptions) {}

  /** Applies every change not applied yet (from the first, on start: a new host gets every folder); returns how many files changed here. */
  catchUp(): Promise<number> {
    this.running ??= this.apply().finally(() => (this.running = null));
    return this.running;
  }

  /**
   * Records a change made in a server's folder here (`removed`: a file just removed) in the store,
   * after catching up, so that what other hosts added is in this copy before it is compared.
   */
  async record(
    guildId: string,
    dir: string,
    removed: readonly string[] = [],
  ): Promise<{ put: number; removed: number }> {
    await this.catchUp();
    return mirrorGuildFolder(this.options.store, guildId, dir, { removed, origin: this.options.origin ?? null });
  }

  /** Catches up now, then every interval until {@link stop}. */
  async start(): Promise<void> {
    await this.catchUp();
    this.timer = setInterval(
      () =>
        void this.catchUp().catch((err: unknown) =>
          this.options.logger.warn({ err }, 'could not read servers’ file changes; trying again'),
        ),
      this.options.intervalMs ?? FOLLOW_INTERVAL_MS,
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async apply(): Promise<number> {
    const { store, dirFor, onChanged, logger, origin = null } = this.options;
    let written = 0;
    for (;;) {
      const batch = await store.changesSince(this.seq, 500);
      if (batch.length === 0) return written;
      const changed = new Set<string>();
      // The file as the store holds it now (a later change in the batch wins): one look per file.
      const files = new Map(batch.map((c) => [`${c.guildId}\0${c.file}`, c]));
      for (const c of files.values()) {
        // Made here (the file's last change in the batch): this host's folder has it already, and
        // may be newer than the store while a removal and a re-adding are recorded one after another.
        if (origin !== null && c.origin === origin) continue;
        const dir = dirFor(c.guildId);
        if (!dir) continue;
        if (!acceptFor(c.guildId)(c.file)) {
          logger.warn({ guildId: c.guildId }, 'server file with an unsafe name in the database: not written');
          continue;
        }
        const target = join(dir, ...c.file.split('/'));
        const row = await store.read(c.guildId, c.file);
        const current = await readFile(target, 'utf8').catch(() => null);
        if (row && row.content !== current) {
          await mkdir(dirname(target), { recursive: true });
          // Written whole, then renamed: a reader never sees half a file.
          const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
          await writeFile(tmp, row.content);
          await rename(tmp, target);
        } else if (!row && current !== null) await rm(target, { force: true });
        else continue;
        changed.add(c.guildId);
        written++;
      }
      this.seq = batch.at(-1)!.seq;
      for (const g of changed) onChanged(g);
    }
  }
}
