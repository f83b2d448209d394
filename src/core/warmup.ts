/**
 * The answer path run on questions made from the archive's own headlines, once, as a serving
 * process starts: V8 compiles a function to fast code only after it has run it a while, so a
 * restarted bot answered its first hundred or so questions 3 to 10 times slower than the rest
 * (10-45 ms each at 1x on MultiHop-RAG). Nothing of these answers is kept or shown.
 */
import { answerQuestion } from './answer.js';
import type { AnswerIndex } from './answerIndex.js';
import type { ArticleMeta } from './index-parts.js';
import { warmProfiles } from './newer.js';

/**
 * Questions the warm-up answers: p99 of the first pass over MultiHop-RAG at 1x after a restart,
 * 8.4 ms with none, 5.4-5.6 with 100, 4.6-5.1 with 200. Later, with 200 a third of that pass's
 * slowest 1% still came in its first tenth; with 600 (all but 9 of its 609 articles) p99 3.2-4.7
 * against 4.0-5.4 in four alternating fresh passes each (load 1.5-1.9), the first tenth holding
 * 4-5 of the slowest 23 answers against 6-10. It takes about three times as long, in slices.
 */
export const WARM_UP_QUESTIONS = 600;

/** An article's date as a reader writes it ("October 5, 2023"), or undefined. */
function spelledDate(published: string | undefined): string | undefined {
  const at = published ? new Date(published) : undefined;
  if (!at || Number.isNaN(at.getTime())) return undefined;
  return at.toLocaleDateString('en-US', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' });
}

/**
 * The forms a headline is asked in, so each kind of answer (a date, a name, a number, a place)
 * runs, and the paths a question naming an outlet, a day or a quoted phrase takes, and one about
 * two stories. A form whose article lacks what it names falls back to the first.
 */
const FORMS: Array<(article: ArticleMeta, other: ArticleMeta) => string | undefined> = [
  ({ title }) => `What happened in ${title}?`,
  ({ title }) => `When was ${title}?`,
  ({ title }) => `Who said ${title}?`,
  ({ title }) => `How many in ${title}?`,
  ({ title }) => `Where did ${title}?`,
  ({ title, source }) => source && `According to ${source}, what did "${title.split(' ').slice(0, 3).join(' ')}" say?`,
  ({ title, published }) => {
    const day = spelledDate(published);
    return day && `What was reported on ${day} about ${title}, and is it still the latest?`;
  },
  // A misspelt word (two letters of the headline's longest word swapped): the spelling correction runs.
  ({ title }) => {
    const word = title.split(/[^A-Za-z]+/).reduce((x, y) => (y.length > x.length ? y : x), '');
    return word.length >= 7
      ? `What is known of the ${word.slice(0, 2)}${word[3]}${word[2]}${word.slice(4)}?`
      : undefined;
  },
  ({ title, source }, other) =>
    `Did ${source ?? 'the report'} on ${title} say the same as the article about ${other.title}?`,
];

/** Up to `n` questions made from headlines spread over the archive (one per article at most), each in one of the forms above. */
export function warmUpQuestions(index: AnswerIndex, n = WARM_UP_QUESTIONS): string[] {
  const count = index.articleCount;
  n = Math.min(n, count);
  const out: string[] = [];
  const meta = (a: number): ArticleMeta | undefined => {
    try {
      return index.article(a);
    } catch {
      return undefined; // A removed article's number: skip it.
    }
  };
  for (let i = 0; i < n; i++) {
    const article = meta(Math.floor((i * count) / n));
    if (!article?.title) continue;
    const other = meta(Math.floor((((i + n / 2) % n) * count) / n)) ?? article;
    out.push(FORMS[i % FORMS.length]!(article, other) ?? FORMS[0]!(article, other)!);
  }
  return out;
}

/**
 * Answers the warm-up questions one at a time, then works out the articles' key-term profiles for
 * the time notes (see warmProfiles), yielding after each step (run it with `sliced` on a serving
 * loop); returns the number of questions answered.
 */
export function* warmUpAnswers(index: AnswerIndex, n = WARM_UP_QUESTIONS): Generator<void, number> {
  let answered = 0;
  for (const question of warmUpQuestions(index, n)) {
    answerQuestion(index, question, { k: 5 });
    answered++;
    yield;
  }
  yield* warmProfiles(index);
  return answered;
}
