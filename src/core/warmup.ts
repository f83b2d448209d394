/**
 * The answer path run on questions made from the archive's own headlines, once, as a serving
 * process starts: V8 compiles a function to fast code only after it has run it a while, so a
 * restarted bot answered its first hundred or so questions 3 to 10 times slower than the rest
 * (10-45 ms each at 1x on MultiHop-RAG). Nothing of these answers is kept or shown.
 */
import { answerQuestion } from './answer.js';
import type { AnswerIndex } from './answerIndex.js';
import { warmProfiles } from './newer.js';

/** Questions the warm-up answers: p99 of the first pass over MultiHop-RAG at 1x after a restart, 8.4 ms with none, 5.4-5.6 with 100, 4.6-5.1 with 200. */
export const WARM_UP_QUESTIONS = 200;

/** The forms a headline is asked in, so each kind of answer (a date, a name, a number, a place) runs. */
const FORMS = [
  (title: string) => `What happened in ${title}?`,
  (title: string) => `When was ${title}?`,
  (title: string) => `Who said ${title}?`,
  (title: string) => `How many in ${title}?`,
  (title: string) => `Where did ${title}?`,
];

/** Up to `n` questions made from headlines spread over the archive (one per article at most), each in one of the forms above. */
export function warmUpQuestions(index: AnswerIndex, n = WARM_UP_QUESTIONS): string[] {
  const count = index.articleCount;
  n = Math.min(n, count);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * count) / n);
    let title: string | undefined;
    try {
      title = index.article(a).title;
    } catch {
      // A removed article's number: skip it.
    }
    if (title) out.push(FORMS[i % FORMS.length]!(title));
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
