/**
 * Page furniture that is not article text (share bars, inline ads, newsletter prompts,
 * related-links boxes, site navigation), as data: the patterns come from patterns/boilerplate.yaml
 * (read by src/boilerplateFile.ts) and are compiled here for the HTML and scraped-text parsers.
 */
import { z } from 'zod';

/** The data file's shape. */
export const BoilerplateDataSchema = z.strictObject({
  /** Words of a class or id that mark an HTML block of furniture. */
  classes: z.array(z.string().regex(/^[a-z0-9]+$/, 'a class word is lower-case letters and digits')).default([]),
  /** Whole lines or paragraphs that are furniture (case-insensitive regular expressions). */
  lines: z
    .array(
      z.string().refine((source) => {
        try {
          new RegExp(source, 'iu');
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression'),
    )
    .default([]),
});
export type BoilerplateData = z.infer<typeof BoilerplateDataSchema>;

/** Compiled boilerplate rules, as the parsers use them. */
export interface Boilerplate {
  /** Whether an element with this class and id attribute is a block of furniture. */
  isFurnitureClass(classAndId: string): boolean;
  /** Whether a line or paragraph (already tidied) is furniture. */
  isFurnitureText(text: string): boolean;
}

/**
 * A run of at least three short items between separators, none of them a sentence: a navigation
 * line ("Home | News | Education | Contact") or a share bar ("Share on Facebook · Share on X · Email").
 * A structural rule, not a word list: it holds for any site's menu.
 */
const MENU_SEPARATOR = /\s+[|·•»›]\s+|\s+\/\s+/u;
const MENU_ITEM_MAX_WORDS = 4;
const MENU_MIN_ITEMS = 3;

/** Whether a line is a menu: three or more items of a few words each, none ending like a sentence. */
export function isMenuLine(text: string): boolean {
  const items = text.trim().split(MENU_SEPARATOR);
  if (items.length < MENU_MIN_ITEMS) return false;
  return items.every((item) => {
    const words = item.split(/\s+/).filter(Boolean);
    return words.length >= 1 && words.length <= MENU_ITEM_MAX_WORDS && !/[.!?…:;,]["'”’)]*$/u.test(item);
  });
}

/** Compiles the data file's patterns; a line pattern must match the whole text, with trailing arrows or dots allowed. */
export function compileBoilerplate(data: BoilerplateData): Boilerplate {
  const classes = new Set(data.classes);
  const lines =
    data.lines.length > 0
      ? new RegExp(`^(?:${data.lines.map((l) => `(?:${l})`).join('|')})[\\s.:!›»>↑^|-]*$`, 'iu')
      : null;
  return {
    isFurnitureClass: (classAndId) =>
      classAndId
        .toLowerCase()
        .split(/[\s_-]+/)
        .some((word) => classes.has(word)),
    isFurnitureText: (text) => text !== '' && (isMenuLine(text) || (lines !== null && lines.test(text))),
  };
}

/** Only the structural rule (menus): for callers that load no data file. */
export const NO_BOILERPLATE: Boilerplate = compileBoilerplate({ classes: [], lines: [] });
