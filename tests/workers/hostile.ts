/** Files that make naive parsers slow or deep (issue 15): built here, never stored. */

/** Markdown whose emphasis parsing is quadratic: `~~a ` repeated (160 KB by default). */
export const tildeMarkdown = (bytes = 160_000): string =>
  `---\ntitle: Strikethrough flood\n---\n\n${'~~a '.repeat(Math.ceil(bytes / 4))}\n`;

/** HTML nested `<div>`s deep enough (220 KB by default) to exhaust a recursive walker's stack. */
export const nestedDivs = (bytes = 220_000): string =>
  `<html><head><title>Nested</title></head><body>${'<div>'.repeat(Math.ceil(bytes / 5))}deep text</body></html>`;
