/**
 * Markdown with YAML front matter (title, url, published/date, source, tags, author, id,
 * standfirst/summary/description). `#` headings open sections (the first `#` is the title when
 * the front matter has none); paragraphs are blank-line separated and stripped of Markdown syntax.
 */
import type { CorpusWarning, ParseResult, Section } from '../types.js';
import { applyMeta, baseId, clean, keptSections, newArticle, normaliseNewlines, readMeta } from './common.js';
import { readFrontMatter } from './frontMatter.js';

const ESCAPABLE = /\\([\\`*_{}[\]()#+\-.!>~|<"'])/g;
const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00A0',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Inline Markdown → plain text: images dropped, links to their text, emphasis and code marks removed. */
export function stripInline(text: string): string {
  // Escaped characters are set aside so that `\*` is never read as emphasis.
  const kept: string[] = [];
  let s = text.replace(ESCAPABLE, (_, c: string) => `\uE000${kept.push(c) - 1}\uE001`);
  s = s
    .replace(/!\[[^\]]*\]\((?:[^()]|\([^)]*\))*\)/g, '')
    .replace(/!\[[^\]]*\]\[[^\]]*\]/g, '')
    .replace(/\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<((?:https?|mailto):[^>\s]+)>/gi, '$1')
    .replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, '')
    .replace(/(`+)\s?(.+?)\s?\1/g, '$2')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, '$1')
    .replace(/(^|[^\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])/g, '$1$2')
    .replace(/(^|[^\w])_(?=\S)(.+?)(?<=\S)_(?!\w)/g, '$1$2');
  s = decodeEntities(s).replace(/\uE000(\d+)\uE001/g, (_, i: string) => kept[Number(i)]!);
  return clean(s);
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const REFERENCE = /^ {0,3}\[[^\]]+\]:[ \t]*\S+/;
const TABLE_RULE = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$/;
const QUOTE = /^ {0,3}(?:>[ \t]?)+/;

type Block = { kind: 'heading'; level: number; text: string } | { kind: 'paragraph'; text: string };

/** Splits a Markdown body into headings and paragraphs (plain text). */
export function markdownBlocks(body: string): Block[] {
  const blocks: Block[] = [];
  const lines = normaliseNewlines(body)
    .replace(/<!--[\s\S]*?-->/g, '')
    .split('\n');
  let buffer: string[] = [];
  const flush = () => {
    const text = stripInline(buffer.join('\n'));
    if (text) blocks.push({ kind: 'paragraph', text });
    buffer = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const fence = FENCE.exec(raw);
    if (fence) {
      // Code is kept as text, as one paragraph.
      flush();
      const close = new RegExp(`^ {0,3}${fence[1]![0] === '`' ? '`' : '~'}{${fence[1]!.length},}[ \\t]*$`);
      const code: string[] = [];
      for (i++; i < lines.length && !close.test(lines[i]!); i++) code.push(lines[i]!);
      const text = clean(code.join('\n'));
      if (text) blocks.push({ kind: 'paragraph', text });
      continue;
    }
    const line = raw.replace(QUOTE, '');
    if (!line.trim()) {
      flush();
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      flush();
      const text = stripInline(atx[2] ?? '');
      if (text) blocks.push({ kind: 'heading', level: atx[1]!.length, text });
      continue;
    }
    const setext = SETEXT.exec(line);
    if (setext && buffer.length > 0 && !LIST_ITEM.test(buffer[0]!)) {
      const text = stripInline(buffer.join('\n'));
      buffer = [];
      if (text) blocks.push({ kind: 'heading', level: setext[1]![0] === '=' ? 1 : 2, text });
      continue;
    }
    if (RULE.test(line) || REFERENCE.test(line) || TABLE_RULE.test(line)) {
      flush();
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      // Each list item is a paragraph of its own, without its bullet.
      flush();
      buffer.push(item[1]!);
      continue;
    }
    // A table row's cells read as one paragraph.
    buffer.push(/^[ \t]*\|/.test(line) ? line.replace(/\|/g, ' ') : line);
  }
  flush();
  return blocks;
}

export function parseMarkdown(file: string, content: string): ParseResult {
  const warnings: CorpusWarning[] = [];
  const front = readFrontMatter(normaliseNewlines(content));
  if ('reason' in front) {
    const w: CorpusWarning = { file, reason: front.reason };
    if (front.line !== undefined) w.line = front.line;
    return { articles: [], warnings: [w] };
  }
  const { data = {}, body } = front;
  const read = readMeta(data);
  if ('error' in read) return { articles: [], warnings: [{ file, reason: `invalid front matter: ${read.error}` }] };
  const { meta } = read;

  let title = meta.title;
  const sections: Section[] = [{ paragraphs: [] }];
  for (const block of markdownBlocks(body)) {
    if (block.kind === 'paragraph') sections[sections.length - 1]!.paragraphs.push(block.text);
    else if (block.level === 1 && title === undefined) title = block.text;
    else if (block.level === 1 && block.text === title && sections.length === 1 && sections[0]!.paragraphs.length === 0)
      continue;
    else sections.push({ heading: block.text, paragraphs: [] });
  }
  const article = newArticle(meta.id ?? baseId(file), title ?? '', file, keptSections(sections));
  applyMeta(article, meta, warnings);
  return { articles: [article], warnings };
}
