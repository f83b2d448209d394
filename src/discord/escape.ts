/**
 * Text from users and articles shown in Discord: Markdown characters escaped so they show as
 * typed, and mention syntax broken with a zero-width space so nothing can ping even if a
 * message is copied elsewhere (allowed_mentions already stops pings from the bot itself).
 */
const ZWSP = '\u200b';

export function escapeText(text: string): string {
  return text
    .replace(/([\\*_~`|[\]<])/g, '\\$1')
    .replace(/^(\s*)([#>-])/gm, '$1\\$2')
    .replace(/^(\s*)(\d+)\./gm, '$1$2\\.')
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`);
}

/** Undoes `escapeText` (for text read back from the bot's own messages). */
export function unescapeText(text: string): string {
  return text.replaceAll(ZWSP, '').replace(/\\(.)/g, '$1');
}

/** Cuts text to at most `max` characters, ending with an ellipsis when cut (never mid-escape). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  // Don't leave a dangling backslash that would escape the ellipsis.
  if (/(^|[^\\])(\\\\)*\\$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
