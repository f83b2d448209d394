/**
 * Text from users and articles shown in Discord: Markdown characters escaped so they show as
 * typed, and mention syntax broken with a zero-width space so nothing can ping even if a
 * message is copied elsewhere (allowed_mentions already stops pings from the bot itself).
 */
const ZWSP = '\u200b';

/** Half of a surrogate pair without its other half (left by cutting text in the middle of an emoji). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Drops lone surrogates, which are not text and which Discord may refuse in a JSON body. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '');
}

/** Markdown and mentions escaped: for text Discord renders as Markdown (content, descriptions). */
export function escapeText(text: string): string {
  return wellFormed(text)
    .replace(/([\\*_~`|[\]<])/g, '\\$1')
    .replace(/^(\s*)([#>-])/gm, '$1\\$2')
    .replace(/^(\s*)(\d+)\./gm, '$1$2\\.')
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`);
}

/**
 * Mentions broken with a zero-width space and nothing else changed: for text shown as written
 * (embed titles, footers), where a backslash would show. `<@id>` becomes `<@\u200bid>`.
 */
export function defuseMentions(text: string): string {
  return wellFormed(text)
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`)
    .replace(/<(@[!&]?|#)(?=\d)/g, `<$1${ZWSP}`);
}

/** Undoes `escapeText` (for text read back from the bot's own messages). */
export function unescapeText(text: string): string {
  return text.replaceAll(ZWSP, '').replace(/\\(.)/g, '$1');
}

/** Cuts text to at most `max` characters, ending with an ellipsis when cut (never mid-escape). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  // Don't split a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  // Don't leave a dangling backslash that would escape the ellipsis.
  if (/(^|[^\\])(\\\\)*\\$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
