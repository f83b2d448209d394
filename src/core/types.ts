/** Shared data shapes of the core: plain data, no behaviour. */

/** A problem found while loading the corpus: names the file (and line, for line-based formats) and the reason. */
export interface CorpusWarning {
  file: string;
  line?: number;
  reason: string;
}

/** One block of an article's body: an optional sub-heading and the paragraphs under it. */
export interface Section {
  heading?: string;
  paragraphs: string[];
}

/** A parsed article, whatever format it came from. */
export interface Article {
  /** Stable id: the record's own id when it has one, else derived from the file name (and line). */
  id: string;
  title: string;
  url?: string;
  /** ISO 8601 date or date-time, when known. */
  published?: string;
  /** The outlet, e.g. "The Verge". */
  source?: string;
  author?: string;
  tags: string[];
  /** The summary paragraph under the headline, when the article has one. */
  standfirst?: string;
  /** e.g. "SDF" from a "Photo Credits: SDF" line. */
  photoCredits?: string;
  sections: Section[];
  /** Path of the file it came from, relative to the corpus root. */
  file: string;
  /** 1-based line, for JSONL records. */
  line?: number;
}

/** The result of parsing one file: zero or more articles and the problems found. */
export interface ParseResult {
  articles: Article[];
  warnings: CorpusWarning[];
}
