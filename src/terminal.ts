import { createInterface } from 'node:readline';
import { answerQuestion } from './core/answer.js';
import type { AnswerIndex } from './core/answerIndex.js';
import type { CorpusWarning } from './core/types.js';
import { answerJson, renderAnswerText, textStyleFor } from './render/text.js';

/** Corpus warnings on stderr, one a line: `warning: file:line: reason`. */
export function printWarnings(warnings: readonly CorpusWarning[]): void {
  for (const w of warnings) process.stderr.write(`warning: ${w.file}${w.line ? `:${w.line}` : ''}: ${w.reason}\n`);
}

export interface AnswerLinesOptions {
  json: boolean;
  k: number;
  /** Shown before each question on an interactive terminal. */
  prompt?: string;
  /** Print each question (`> question`) above its answer, so piped text output says what was asked. */
  echo?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Questions kept for the up arrow in an interactive session. */
const HISTORY_SIZE = 500;

/**
 * Answers questions in a loop, one per line, until the input ends. On a terminal (input and
 * output both TTYs) readline edits the line and keeps a history (arrows, Home/End, Ctrl-R);
 * a pipe is read line by line as it comes. Resolves with the number of questions answered,
 * after every answer has been handed to `out`.
 */
export async function answerLines(
  index: () => AnswerIndex,
  input: NodeJS.ReadableStream,
  out: NodeJS.WritableStream,
  opts: AnswerLinesOptions,
): Promise<number> {
  const terminal = (input as NodeJS.ReadStream).isTTY === true && (out as NodeJS.WriteStream).isTTY === true;
  const rl = createInterface({
    input,
    ...(terminal ? { output: out, terminal: true, historySize: HISTORY_SIZE } : { terminal: false }),
  });
  const { style, width } = textStyleFor(out, opts.env);
  const prompt = (): void => {
    if (!opts.prompt) return;
    if (terminal) rl.prompt();
    else out.write(opts.prompt);
  };
  if (opts.prompt) rl.setPrompt(opts.prompt);
  let count = 0;
  prompt();
  for await (const line of rl) {
    if (line.trim() === '' && !opts.json) {
      prompt();
      continue;
    }
    const answer = answerQuestion(index(), line, { k: opts.k });
    if (opts.json) out.write(`${JSON.stringify(answerJson(answer))}\n`);
    else out.write(`${opts.echo ? `> ${line}\n` : ''}${renderAnswerText(answer, style, width)}\n\n`);
    count++;
    // A slow reader: wait until it has taken what was written before answering more, so memory stays flat.
    if ((out as NodeJS.WriteStream).writableNeedDrain) await new Promise((resolve) => out.once('drain', resolve));
    prompt();
  }
  if (terminal) out.write('\n');
  return count;
}
