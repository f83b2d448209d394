import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { makeDirs } from './paths.js';

/**
 * `npm run backup -- DEST`: a consistent copy of the database while the bot runs (SQLite's
 * online backup: WAL and all, without stopping writers), checked with an integrity check.
 * The corpus is plain files, and the index is rebuilt from them; neither needs this.
 * The copy is one file: it is switched out of WAL mode, so no `-wal`/`-shm` files sit beside it
 * (a restored copy goes back to WAL when the bot opens it).
 */
export async function backupDatabase(source: string, dest: string): Promise<{ pages: number }> {
  if (!existsSync(source)) throw new Error(`no database at ${source}`);
  if (existsSync(dest)) throw new Error(`${dest} already exists; choose a new file`);
  makeDirs(dirname(dest));
  // Not read-only: a read-only connection that is the last to close cannot remove the -wal/-shm
  // files it made, and would leave them beside a stopped bot's database. It only reads.
  const db = new Database(source, { fileMustExist: true });
  try {
    const { totalPages } = await db.backup(dest);
    const copy = new Database(dest, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
    } finally {
      copy.close();
    }
    return { pages: totalPages };
  } finally {
    db.close();
  }
}
