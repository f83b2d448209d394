/** Dates a question names, as ISO prefixes: days "2023-10-07" and months "2023-10". */
export interface NamedDates {
  days: Set<string>;
  months: Set<string>;
}

const MONTHS: Record<string, number> = {
  january: 1,
  jan: 1,
  february: 2,
  feb: 2,
  march: 3,
  mar: 3,
  april: 4,
  apr: 4,
  may: 5,
  june: 6,
  jun: 6,
  july: 7,
  jul: 7,
  august: 8,
  aug: 8,
  september: 9,
  sep: 9,
  sept: 9,
  october: 10,
  oct: 10,
  november: 11,
  nov: 11,
  december: 12,
  dec: 12,
};
const MONTH =
  '(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\\.?';

const pad = (n: number) => String(n).padStart(2, '0');

/** Finds "October 7, 2023", "7 October 2023", "2023-10-07" and "October 2023" in a question. */
export function namedDates(text: string): NamedDates {
  const days = new Set<string>();
  const months = new Set<string>();
  const lower = text.toLowerCase();
  const add = (y: number, m: number | undefined, d?: number) => {
    if (!m || m < 1 || m > 12 || y < 1900 || y > 2100) return;
    months.add(`${y}-${pad(m)}`);
    if (d && d >= 1 && d <= 31) days.add(`${y}-${pad(m)}-${pad(d)}`);
  };
  for (const m of lower.matchAll(new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'g')))
    add(Number(m[3]), MONTHS[m[1]!], Number(m[2]));
  for (const m of lower.matchAll(
    new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+(\\d{4})\\b`, 'g'),
  ))
    add(Number(m[3]), MONTHS[m[2]!], Number(m[1]));
  for (const m of lower.matchAll(/\b(\d{4})-(\d{2})-(\d{2})\b/g)) add(Number(m[1]), Number(m[2]), Number(m[3]));
  for (const m of lower.matchAll(new RegExp(`\\b${MONTH}\\s+(?:of\\s+)?(\\d{4})\\b`, 'g')))
    add(Number(m[2]), MONTHS[m[1]!]);
  return { days, months };
}

/** True for a time zone name this runtime knows (e.g. "Europe/Rome", "UTC"). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
