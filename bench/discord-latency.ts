/**
 * INTERACTION_CREATE → first response, measured on the project's Discord double with the real
 * discord.js client and the bot's own handlers: the time a Discord user waits before the
 * "thinking…" state appears (Discord allows 3 s).
 */
import { ApplicationCommandOptionType, Status } from 'discord.js';
import pino from 'pino';
import { attachHandlers, createClient } from '../src/discord/bot.js';
import { openEngine } from '../src/engine.js';
import { Store } from '../src/store/store.js';
import { startDiscordDouble } from '../tests/discord/double/server.js';
import { percentile } from './harness.js';

export interface InteractionLatency {
  n: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
}

/** Sends `questions` as /ask one after another; returns dispatch → first callback latencies. */
export async function measureInteractionLatency(
  corpus: string,
  questions: readonly string[],
): Promise<InteractionLatency> {
  const { index } = await openEngine({ corpus, indexPath: null });
  const discord = await startDiscordDouble();
  const client = createClient({
    rest: { api: discord.apiBase },
    ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
  });
  attachHandlers(client, {
    index: () => index,
    reindex: () => Promise.reject(new Error('not in the benchmark')),
    logger: pino({ level: 'silent' }),
    store: new Store({ path: ':memory:' }),
    answerResults: 3,
    rateLimit: { questions: 1_000_000, windowMs: 1000 },
  });
  const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
  await client.login('bench-token');
  await ready;
  const times: number[] = [];
  try {
    for (const q of questions) {
      const rec = discord.runSlashCommand('ask', [
        { type: ApplicationCommandOptionType.String, name: 'question', value: q.slice(0, 1000) },
      ]);
      // Wait for the whole answer, so the next question doesn't queue behind this one's edit.
      await discord.waitFor(() => (discord.original(rec.id)?.embeds.length ?? 0) > 0, 10_000, 'an answer');
      times.push(rec.firstResponseMs!);
    }
  } finally {
    await discord.waitFor(() => client.ws.shards.every((s) => s.status === Status.Ready), 2000, 'ready');
    await client.destroy();
    await discord.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    n: times.length,
    p50ms: percentile(sorted, 50),
    p99ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}

/** Latency figures rounded to 0.01 ms for the JSON output. */
export function roundLatency(l: InteractionLatency): InteractionLatency {
  const r = (x: number) => Number(x.toFixed(2));
  return { n: l.n, p50ms: r(l.p50ms), p99ms: r(l.p99ms), maxMs: r(l.maxMs) };
}

/** The Discord section of the bench tables (empty when the run was skipped). */
export function formatDiscordLatency(l: InteractionLatency | null): string {
  if (!l) return '';
  return [
    '',
    `## Discord: INTERACTION_CREATE → first response (${l.n} /ask through the local double, real discord.js client; Discord allows 3000 ms)`,
    '',
    '| p50 ms | p99 ms | max ms |',
    '|---|---|---|',
    `| ${l.p50ms.toFixed(2)} | ${l.p99ms.toFixed(2)} | ${l.maxMs.toFixed(2)} |`,
    '',
  ].join('\n');
}
