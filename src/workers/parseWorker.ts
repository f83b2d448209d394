/**
 * The parse sandbox's thread (see parseSandbox.ts): parses the files it is sent, one after
 * another, and answers each as soon as it is done, so the sandbox can time every file on its own.
 */
import { parentPort } from 'node:worker_threads';
import { boilerplate } from '../boilerplateFile.js';
import { parseArticleFile } from '../core/article.js';
import { parseHtml } from '../core/parsers/html.js';
import type { ParseResult } from '../core/types.js';
import type { ParseJob, SandboxReply, SandboxRequest } from './parseSandbox.js';

/** A parser that recursed past the thread's stack says so in V8's words; moderators get ours. */
const STACK_OVERFLOW = /Maximum call stack size exceeded/i;

function parseOne(job: ParseJob): ParseResult {
  let result: ParseResult;
  try {
    result =
      job.kind === 'page'
        ? parseHtml(job.file, job.content, boilerplate())
        : parseArticleFile(job.file, job.content, boilerplate());
  } catch (err) {
    result = {
      articles: [],
      warnings: [
        {
          file: job.file,
          reason: `could not parse: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
        },
      ],
    };
  }
  for (const w of result.warnings)
    if (STACK_OVERFLOW.test(w.reason)) w.reason = 'could not parse: it is nested too deeply';
  return result;
}

const port = parentPort!;
port.on('message', (request: SandboxRequest) => {
  port.postMessage({ batch: request.batch, begun: true } satisfies SandboxReply);
  for (const [i, job] of request.jobs.entries())
    port.postMessage({ batch: request.batch, i, result: parseOne(job) } satisfies SandboxReply);
});
port.postMessage({ ready: true } satisfies SandboxReply);
