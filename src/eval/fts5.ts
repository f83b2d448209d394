import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineQueryTerms } from './query-terms.js';
import type { BenchArticle, PeerSystem } from './peer.js';

/**
 * SQLite FTS5 over whole articles, set up as the BASELINES.md reference run
 * "FTS5 BM25, (a) article, title+body": tokenizer `porter unicode61`, one row
 * per article (columns title, body; the article id is kept in a JS array
 * indexed by rowid so no extra column enters bm25), query = the baseline terms
 * double-quoted and OR'd, `ORDER BY bm25(t) LIMIT k`.
 *
 * Cold start: `serialize()` returns the database file image; `load()` writes
 * it to a temporary file and opens that file (the write is part of the cold
 * start, a few ms for this corpus).
 */
export class SqliteFts5Peer implements PeerSystem {
  readonly name = 'sqlite-fts5';
  private db: Database.Database | null = null;
  private ids: string[] = [];
  private stmt: Database.Statement<[string, number], { rowid: number }> | null = null;
  private tmpDir: string | null = null;

  build(articles: BenchArticle[]): void {
    this.close();
    const db = new Database(':memory:');
    db.exec("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'porter unicode61')");
    const ins = db.prepare('INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)');
    const ids: string[] = [''];
    db.transaction(() => {
      for (const a of articles) {
        ins.run(ids.length, a.title, a.body);
        ids.push(a.id);
      }
    })();
    this.open(db, ids);
  }

  private open(db: Database.Database, ids: string[]): void {
    this.db = db;
    this.ids = ids;
    this.stmt = db.prepare<[string, number], { rowid: number }>(
      'SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?',
    );
  }

  serialize(): Buffer {
    if (!this.db) throw new Error('sqlite-fts5: not built');
    const image = this.db.serialize();
    const ids = Buffer.from(JSON.stringify(this.ids.slice(1)), 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32LE(ids.length, 0);
    return Buffer.concat([head, ids, image]);
  }

  load(data: string | Buffer): void {
    this.close();
    const buf = typeof data === 'string' ? Buffer.from(data, 'binary') : data;
    const idLen = buf.readUInt32LE(0);
    const ids = ['', ...(JSON.parse(buf.subarray(4, 4 + idLen).toString('utf8')) as string[])];
    this.tmpDir = mkdtempSync(join(tmpdir(), 'newsdesk-fts5-'));
    const file = join(this.tmpDir, 'index.db');
    writeFileSync(file, buf.subarray(4 + idLen));
    this.open(new Database(file, { readonly: true }), ids);
  }

  search(question: string, k: number): string[] {
    if (!this.stmt) throw new Error('sqlite-fts5: not built');
    const terms = baselineQueryTerms(question);
    if (terms.length === 0 || k <= 0) return [];
    const match = terms.map((t) => `"${t}"`).join(' OR ');
    return this.stmt.all(match, k).map((r) => this.ids[r.rowid]!);
  }

  close(): void {
    this.stmt = null;
    this.db?.close();
    this.db = null;
    if (this.tmpDir) {
      rmSync(this.tmpDir, { recursive: true, force: true });
      this.tmpDir = null;
    }
  }
}

export const createSqliteFts5 = (): PeerSystem => new SqliteFts5Peer();

/** One article found by the paragraph reference, with the paragraph that ranked it. */
export interface ParagraphHit {
  articleId: string;
  paragraph: string;
}

/**
 * SQLite FTS5 over paragraphs, each with its article's title (the NewsQA README's second
 * reference, "paragraphs with title"): the top paragraph of each article stands for its quote,
 * so the reference has an excerpt to score beside Newsdesk's. Same tokenizer and query as above.
 */
export class Fts5Paragraphs {
  private readonly db = new Database(':memory:');
  private readonly rows: ParagraphHit[] = [{ articleId: '', paragraph: '' }];
  private readonly stmt: Database.Statement<[string, number], { rowid: number }>;

  constructor(articles: readonly BenchArticle[]) {
    this.db.exec("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'porter unicode61')");
    const ins = this.db.prepare('INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const a of articles) {
        for (const paragraph of a.body.split(/\n\s*\n/)) {
          if (paragraph.trim() === '') continue;
          ins.run(this.rows.length, a.title, paragraph.trim());
          this.rows.push({ articleId: a.id, paragraph: paragraph.trim() });
        }
      }
    })();
    this.stmt = this.db.prepare<[string, number], { rowid: number }>(
      'SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT ?',
    );
  }

  /** The best paragraph of each of the first `k` distinct articles, best first. */
  search(question: string, k: number): ParagraphHit[] {
    const terms = baselineQueryTerms(question);
    if (terms.length === 0 || k <= 0) return [];
    const out: ParagraphHit[] = [];
    const seen = new Set<string>();
    // Deep enough that k distinct articles come out of it whenever the archive has them.
    for (const { rowid } of this.stmt.all(terms.map((t) => `"${t}"`).join(' OR '), 50 * k)) {
      const hit = this.rows[rowid]!;
      if (seen.has(hit.articleId)) continue;
      seen.add(hit.articleId);
      out.push(hit);
      if (out.length === k) break;
    }
    return out;
  }

  close(): void {
    this.db.close();
  }
}
