// English only: the whole package loads every locale's parsers (21.6 MB of memory against 9.7).
import * as chrono from 'chrono-node/en';

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

/** Finds "October 7, 2023", "7 October 2023", "2023-10-07" (a timestamp's too) and "October 2023" in a question. */
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
  // Also the day of a timestamp ("2023-10-04T21:11:57+00:00").
  for (const m of lower.matchAll(/\b(\d{4})-(\d{2})-(\d{2})(?=t\d|\b)/g)) add(Number(m[1]), Number(m[2]), Number(m[3]));
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

/** What a question asks of time: recent first, and a period its articles must fall in (ISO dates, end exclusive). */
export interface AskedTime {
  /** "latest", "now", "currently", "still", "recent": the newest of the matching articles first. */
  recent: boolean;
  /** A period ("in 2019", "last week", "since March", "before 5 May 2020"): day prefixes, `to` exclusive. */
  from?: string;
  to?: string;
  /** The words that named the period, as asked. */
  text?: string;
  /**
   * True for a period counted back from now ("last week", "this year"), which can only mean when
   * an article came out; a date ("in 2019", "since March") may be when the story happened, so it
   * is only preferred.
   */
  strict?: boolean;
  /** [start, end) of a period counted back from now ("last week"): it says when, not what, so it is not searched for. */
  spans: Array<[number, number]>;
  /** [start, end) of the recency words: searched for where the archive holds them ("recently" is a word of news too). */
  recentSpans: Array<[number, number]>;
}

/** Words that ask for the newest news. "now" and "still" ask whether something holds today. */
const RECENT =
  /\b(latest|newest|now|nowadays|currently|current|still|recent|recently|most recent|today|these days)\b/gi;
/** A preposition just before a date that makes it a bound: "since March", "before 5 May". */
const BOUND = /\b(since|from|after|before|until|till|by|in|during|on)\s+(?:the\s+)?$/i;
/** "in 2019", "since 2014", "before 2020": a bare year chrono leaves alone (it reads too many numbers as years otherwise). */
const BARE_YEAR = /\b(in|during|since|from|after|before|until)\s+((?:19|20)\d\d)\b(?!\s*(?:people|%|percent))/gi;

const CHRONO_CHARS = 300;

/** What a date or a relative time needs at least one of: a digit, a month or weekday, a unit of time. */
const DATE_LIKE =
  /\d|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|yesterday|tomorrow|tonight|week|month|year|fortnight|decade|ago)/i;

/** A phrase that counts back from now: "last week", "past 3 days", "this year", "yesterday" ("five months ago" is more often the story's time than the archive's). */
const RELATIVE = /\b(last|past|this|previous|yesterday)\b/i;

const dayOf = (d: Date): string => d.toISOString().slice(0, 10);
const addDays = (iso: string, n: number): string => dayOf(new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000));
const nextMonth = (y: number, m: number): string => (m === 12 ? `${y + 1}-01-01` : `${y}-${pad(m + 1)}-01`);

/**
 * Reads a few dated questions, so that chrono's first reads (its parsers made, its patterns
 * compiled) happen while a serving process starts (170 ms), not on the first questions with a
 * date in them, which then waited for it with every question behind them (up to 113 ms each).
 */
export function warmDates(): void {
  // V8 compiles a pattern to machine code on its second run (after that first, interpreted):
  // each phrase read three times, phrases in the forms questions use.
  for (let i = 0; i < 3; i++) for (const phrase of WARM_PHRASES) askedTime(phrase, new Date(0));
}

const WARM_PHRASES = [
  'What happened in Kabul on Monday 3 March 2025, and since last week?',
  'Did TechCrunch report it between January 5, 2023 and 2023-10-12, before The Verge on 12/03/2024?',
  'Was it yesterday at 5 pm, last Tuesday morning, or in the summer of 2019?',
];

/**
 * The time a question asks about, read with chrono-node against `now`: recency words, and a period
 * from a date or a relative phrase ("last week") with the bound before it ("since", "before").
 * A named event ("before the offensive") is not a date: it is left to the words of the question.
 */
export function askedTime(text: string, now: Date): AskedTime {
  const recent = [...text.matchAll(RECENT)];
  const out: AskedTime = {
    recent: recent.length > 0,
    spans: [],
    recentSpans: recent.map((m) => [m.index, m.index + m[0].length]),
  };
  const periods: Array<{ from: string; to: string; bound: string; text: string; span: [number, number] }> = [];
  for (const m of text.matchAll(BARE_YEAR)) {
    const y = Number(m[2]);
    const span: [number, number] = [m.index, m.index + m[0].length];
    periods.push({ from: `${y}-01-01`, to: `${y + 1}-01-01`, bound: m[1]!.toLowerCase(), text: m[2]!, span });
  }
  // chrono reads every word for a date (5-10 ms for 1,000 characters): only a question with
  // something date-like in it is worth the time, and only its first CHRONO_CHARS characters.
  for (const r of DATE_LIKE.test(text) ? chrono.parse(text.slice(0, CHRONO_CHARS), now) : []) {
    const word = r.text.trim().replace(/[,.]$/, '');
    const before = BOUND.exec(text.slice(0, r.index));
    const bound = before?.[1]?.toLowerCase() ?? '';
    // "now" and "today" ask for recency, not a period; "may" and "march" are verbs unless a month follows a bound.
    if (/^(now|today|tonight)$/i.test(word)) continue;
    if (/^(may|march)$/i.test(word) && (!bound || word === word.toLowerCase())) continue;
    const s = r.start;
    const relative = RELATIVE.test(r.text);
    let year = s.get('year') ?? now.getUTCFullYear();
    const month = s.get('month') ?? 1;
    // Without a year, the last such date before now: a question about an archive asks about the past.
    if (!s.isCertain('year') && !relative && `${year}-${pad(month)}` > dayOf(now).slice(0, 7)) year--;
    let from: string;
    let to: string;
    if (relative) {
      // "last week", "past 3 days", "this year": from then until now.
      from = dayOf(s.date());
      to = addDays(dayOf(now), 1);
    } else if (s.isCertain('day')) {
      from = `${year}-${pad(month)}-${pad(s.get('day') ?? 1)}`;
      to = addDays(from, 1);
    } else if (s.isCertain('month')) {
      from = `${year}-${pad(month)}-01`;
      to = nextMonth(year, month);
    } else continue;
    if (r.end?.isCertain('day')) to = addDays(dayOf(r.end.date()), 1);
    periods.push({ from, to, bound, text: r.text, span: [before?.index ?? r.index, r.index + r.text.length] });
  }
  // A bound only: a date named plainly ("on 7 October") is a day to prefer (namedDates), not a period to keep to.
  const bounds = periods.filter((p) => !(p.bound === 'on' || (p.bound === '' && !RELATIVE.test(p.text))));
  // Two periods that leave nothing between them ("in 2020 … last year") compare two times: neither is kept to.
  for (const p of bounds) {
    let { from, to } = p;
    if (p.bound === 'since' || p.bound === 'from' || p.bound === 'after') to = '9999-12-31';
    if (p.bound === 'after') from = p.to;
    if (p.bound === 'before') [from, to] = ['0000-01-01', p.from];
    if (p.bound === 'until' || p.bound === 'till' || p.bound === 'by') from = '0000-01-01';
    // Several bounds narrow one period ("after 4 October and before 1 November").
    out.from = out.from && out.from > from ? out.from : from;
    out.to = out.to && out.to < to ? out.to : to;
    const said = `${p.bound} ${p.text.trim().replace(/[,.;:]$/, '')}`.trim();
    out.text = out.text ? `${out.text}, ${said}` : said;
  }
  if (out.from !== undefined && out.to !== undefined && out.from >= out.to) {
    delete out.from;
    delete out.to;
    delete out.text;
  } else if (out.from !== undefined) {
    out.strict = bounds.every((p) => RELATIVE.test(p.text));
    // "last week" is not searched for; a date's words are, as the index holds each article's date words.
    if (out.strict) for (const p of bounds) out.spans.push(p.span);
  }
  return out;
}
