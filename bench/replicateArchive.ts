/**
 * A large sqlite archive for serving measurements without inserting every replicated article:
 * the 1× archive is built as the bench builds it, then its rows are copied `factor - 1` times
 * under the numbers and ids `replicateCorpus` gives the copies (`${id}~${n}`), and every count
 * multiplied. The bench corpus is replicated, so these are the rows inserting the replicated
 * articles writes (copies stay out of the full-text table there too), in seconds instead of ~30
 * minutes at 100×. Key-term profiles are worked out over the whole archive for the originals
 * and copied to their copies (the same words over the same counts).
 *
 *   npx tsx bench/replicateArchive.ts --corpus FILE --scale-factor N --out FILE
 */
import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { loadCorpus } from './harness.js';
import { parseBenchArticles } from './peers/newsdesk.js';
import { BUNDLED_CORPUS, loadAliases } from '../src/aliasFile.js';
import { SqliteArchive } from '../src/search/sqlite.js';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { corpus: { type: 'string' }, 'scale-factor': { type: 'string' }, out: { type: 'string' } },
});
const factor = Number(values['scale-factor']);
if (!values.corpus || !values.out || !Number.isInteger(factor) || factor < 1) {
  process.stderr.write('usage: replicateArchive.ts --corpus FILE --scale-factor N --out FILE\n');
  process.exit(2);
}
const out = values.out;
if (existsSync(out)) for (const suffix of ['', '-wal', '-shm']) rmSync(`${out}${suffix}`, { force: true });
const aliases = loadAliases(`${BUNDLED_CORPUS}/aliases.yaml`, []).table;

const t0 = performance.now();
const built = new SqliteArchive(out, { aliases });
for (const batch of parseBenchArticles(loadCorpus(values.corpus))) built.add(batch);
built.close();
const t1 = performance.now();

const db = new Database(out);
const info = (key: string) =>
  Number(db.prepare<[string], string>('SELECT value FROM info WHERE key = ?').pluck().get(key));
const articles = info('articles');
const passages = info('passages');
if (info('nextArticle') !== articles || info('nextPassage') !== passages) throw new Error('1x archive not dense');
db.transaction(() => {
  const copyArticles = db.prepare(`INSERT INTO articles
    SELECT num + @k * @A, doc_id || '~' || @k, file, source,
      json_set(meta, '$.id', doc_id || '~' || @k, '$.firstPassage', json_extract(meta, '$.firstPassage') + @k * @P),
      passage_count, length, tokens, token_start, offsets
    FROM articles WHERE num < @A`);
  const copyPassages = db.prepare(`INSERT INTO passages
    SELECT num + @k * @P, article + @k * @A, position, heading, lead, text, sentences FROM passages WHERE num < @P`);
  const copyTerms = db.prepare(
    'INSERT INTO article_terms SELECT num + @k * @A, df, posting FROM article_terms WHERE num < @A',
  );
  const copyPrints = db.prepare('INSERT INTO copies SELECT num + @k * @A, print FROM copies WHERE num < @A');
  // Marked current (total = the final count) so the writer below works out only the originals'.
  const copyProfiles = db.prepare('INSERT INTO profiles SELECT num + @k * @A, @N, terms FROM profiles WHERE num < @A');
  for (let k = 1; k < factor; k++) {
    const p = { k, A: articles, P: passages };
    for (const s of [copyArticles, copyPassages, copyTerms, copyPrints]) s.run(p);
    copyProfiles.run({ ...p, N: articles * factor });
  }
  // Every copy counts in every count, as an insert counts it (the full-text table holds the first copy only).
  db.prepare(
    'UPDATE terms SET passage_df = passage_df * @f, article_df = article_df * @f, posting_df = posting_df * @f',
  ).run({ f: factor });
  const set = db.prepare('UPDATE info SET value = ? WHERE key = ?');
  for (const key of ['articles', 'passages', 'tokens', 'articleLength', 'nextArticle', 'nextPassage'])
    set.run(String(info(key) * factor), key);
})();
db.close();

// A writer opening the file works out the originals' profiles over the whole archive (see PROFILE_DRIFT).
const archive = new SqliteArchive(out, { aliases });
archive.checkpoint();
archive.close();
const db2 = new Database(out);
db2
  .prepare(
    'UPDATE profiles SET terms = (SELECT p.terms FROM profiles p WHERE p.num = profiles.num % @A) WHERE num >= @A',
  )
  .run({ A: articles });
db2.pragma('wal_checkpoint(TRUNCATE)');
db2.close();
process.stdout.write(
  `${articles * factor} articles in ${out}: 1x built in ${Math.round(t1 - t0)} ms, copied in ${Math.round(performance.now() - t1)} ms\n`,
);
