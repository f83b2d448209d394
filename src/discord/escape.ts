/**
 * Text from users and articles shown in Discord: Markdown characters escaped so they show as
 * typed, mention syntax broken with a zero-width space so nothing can ping even if a message is
 * copied elsewhere (allowed_mentions already stops pings from the bot itself), and links in the
 * text made inert the same way: the only links the bot posts are the ones it builds itself from
 * normalised urls (`maskedLink`, embed urls), never one that text smuggles in.
 */
import { hostOf, normaliseUrl } from '../core/links.js';

const ZWSP = '\u200b';

/** A scheme and `://` in running text, which Discord would turn into a link: `https://…`, `steam://…`. */
export const LINK_IN_TEXT = /([a-z][a-z0-9+.-]*):(?=\/\/)/gi;

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
    .replace(/@(everyone|here)/gi, `@${ZWSP}$1`)
    .replace(LINK_IN_TEXT, `$1:${ZWSP}`);
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

// A host name written in text: labels of letters, digits and dashes, a top-level label of letters.
const HOST_IN_TEXT = /(?:[\p{L}\p{N}-]+\.)+\p{L}{2,}/gu;

/**
 * Whether `text` shown as the face of a link to `url` could make someone expect another site: it
 * names a scheme (`https://…`), or a host name that is neither the url's host nor one of its
 * parents or children ("discord.com" over a link to evil.example).
 */
export function misleads(text: string, url: string): boolean {
  const host = hostOf(url);
  if (/[a-z][a-z0-9+.-]*:\/\//i.test(text)) return true;
  for (const [name] of text.matchAll(HOST_IN_TEXT)) {
    // IDN in text compared in the url's (punycode) form.
    const candidate = URL.canParse(`http://${name}`)
      ? new URL(`http://${name}`).hostname.replace(/^www\./, '')
      : name.toLowerCase();
    if (candidate !== host && !host.endsWith(`.${candidate}`) && !candidate.endsWith(`.${host}`)) return true;
  }
  return false;
}

/**
 * Markdown for a titled link, built only from escaped parts: `[title](url)` with the title escaped
 * and the url normalised; the title alone when the url is not a safe link; the title and the
 * url shown apart (`title — <url>`) when the title could pass for another link.
 */
export function maskedLink(text: string, url: string | undefined): string {
  const face = escapeText(text.replace(/\s+/g, ' ').trim());
  const safe = normaliseUrl(url);
  if (safe === undefined) return face;
  if (face === '' || misleads(text, safe)) return face ? `${face} — <${safe}>` : `<${safe}>`;
  return `[${face}](${safe})`;
}
