import { ApplicationCommandOptionType, GatewayCloseCodes, GatewayOpcodes, Status } from 'discord.js';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { bootRuntime, type BootedRuntime } from './boot.js';
import { failRoute } from './double/faults.js';
import {
  startDiscordDouble,
  type DiscordDouble,
  type DoubleOptions,
  type GatewaySession,
  type InteractionRecord,
  type StoredMessage,
} from './double/server.js';

// Issue #6: the real bot (runBot, real discord.js) against the double while Discord misbehaves.
// Each test gets its own double and bot, so a fault cannot leak into the next test.

const TOKEN = `${'N'.repeat(24)}.${'x'.repeat(6)}.${'f'.repeat(38)}`;
const MANAGE_SERVER = String(1 << 5);
const SPOKESMAN = 'Who is the spokesman of Jazeera Storm?';
/** An interaction's response callback: POST /interactions/{id}/{token}/callback. */
const CALLBACK = /^\/interactions\/\d+\/[^/]+\/callback$/;
/** An edit of an interaction's original response. */
const ORIGINAL = /\/messages\/@original$/;

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

describe('the bot under Discord faults, through the double', () => {
  let discord: DiscordDouble | undefined;
  let booted: BootedRuntime | undefined;
  let logs: LogLine[] = [];

  /** A double (with `options`) and the bot connected to it through runBot, with a temp corpus, index and database. */
  const boot = async (options: DoubleOptions = {}, slowReindexMs = 0): Promise<DiscordDouble> => {
    discord = await startDiscordDouble(options);
    logs = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
    booted = await bootRuntime(discord, { env: { DISCORD_TOKEN: TOKEN, LOG_LEVEL: 'info' }, logger });
    if (slowReindexMs > 0) {
      const archive = booted.archive;
      // A corpus big enough that a rebuild takes longer than Discord's window.
      const reindex = archive.reindex.bind(archive);
      archive.reindex = async () => {
        await new Promise((resolve) => setTimeout(resolve, slowReindexMs));
        return reindex();
      };
    }
    return discord;
  };

  afterEach(async () => {
    const d = discord;
    const b = booted;
    discord = undefined;
    booted = undefined;
    if (b && d) await b.stop(3000);
    await d?.close();
    // No fault may surface as an error in the logs or as a request the double does not know.
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
    expect(d?.unknownRoutes ?? []).toEqual([]);
  });

  const ask = (d: DiscordDouble, question: string): InteractionRecord =>
    d.runSlashCommand(
      'ask',
      [{ type: ApplicationCommandOptionType.String, name: 'question', value: question }],
      d.newUser(),
    );
  /** The response messages of an interaction (its original and any follow-ups). */
  const responses = (d: DiscordDouble, rec: InteractionRecord): StoredMessage[] =>
    d.messages().filter((m) => m.interaction_id === rec.id);
  const answered = (d: DiscordDouble, rec: InteractionRecord): Promise<StoredMessage> =>
    d.waitFor(
      () => {
        const m = d.original(rec.id);
        return m && m.embeds.length > 0 ? m : undefined;
      },
      5000,
      'an answer',
    );
  const repliesTo = (d: DiscordDouble, asked: { id?: unknown }): StoredMessage[] =>
    d.messages().filter((m) => (m.message_reference as { message_id?: string } | undefined)?.message_id === asked.id);
  const reply = (d: DiscordDouble, asked: { id?: unknown }): Promise<StoredMessage> =>
    d.waitFor(() => repliesTo(d, asked)[0], 5000, 'a reply');
  /** A later round trip through the same channel: a duplicate of an earlier answer would have been sent by now. */
  const settle = async (d: DiscordDouble): Promise<void> => {
    await reply(d, d.say('Where is Tasil?', { mentionsBot: true, who: d.newUser() }));
  };
  /** The route of a message posted in the double's channel (a mention's reply). */
  const channelMessages = (d: DiscordDouble): RegExp => new RegExp(`^/channels/${d.channelId}/messages$`);
  const attempts = (d: DiscordDouble, method: string, path: RegExp) =>
    d.requests.filter((r) => r.method === method && path.test(r.path));
  const liveSession = (d: DiscordDouble): GatewaySession => {
    const live = [...d.sessions.values()].filter((s) => s.resumable);
    expect(live).toHaveLength(1);
    return live[0]!;
  };
  /** The gateway packets that carried a given message to the bot. */
  const deliveries = (d: DiscordDouble, messageId: unknown) =>
    d.gatewayPackets.filter(
      (p) => p.from === 'double' && p.t === 'MESSAGE_CREATE' && (p.d as { id: string }).id === messageId,
    );

  describe('REST', () => {
    it('retries an interaction callback refused with 429 after Retry-After, and answers once', async () => {
      const d = await boot();
      failRoute(d, { method: 'POST', route: CALLBACK, status: 429, retryAfter: 0.2 });
      const rec = ask(d, 'How many White Helmets did Jordan take in?');
      const answer = await answered(d, rec);
      await settle(d);
      const tries = attempts(d, 'POST', new RegExp(`/interactions/${rec.id}/`));
      expect(tries).toHaveLength(2);
      expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(200);
      expect(rec.statuses).toEqual([204]);
      expect(rec.callbacks).toEqual([{ type: 5, data: { flags: 0 } }]);
      expect(rec.firstResponseMs).toBeLessThan(3000);
      expect(responses(d, rec)).toHaveLength(1);
      expect(answer.embeds[0]!.description).toMatch(/Jordan\*\* 442/);
    });

    it('retries a mention reply refused with 429 after Retry-After, and replies once', async () => {
      const d = await boot();
      failRoute(d, { method: 'POST', route: channelMessages(d), status: 429, retryAfter: 0.3 });
      const asked = d.say(SPOKESMAN, { mentionsBot: true, who: d.newUser() });
      const answer = await reply(d, asked);
      await settle(d);
      const tries = attempts(d, 'POST', new RegExp(`^/api/v10/channels/${d.channelId}/messages$`)).filter(
        (r) => (r.body?.message_reference as { message_id?: string } | undefined)?.message_id === asked.id,
      );
      expect(tries).toHaveLength(2);
      expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(300);
      expect(repliesTo(d, asked)).toHaveLength(1);
      expect(answer.embeds[0]!.description).toContain('Mustefa Bali');
    });

    it('retries the answer’s edit after a 500, and answers once', async () => {
      const d = await boot();
      const failed = failRoute(d, { method: 'PATCH', route: ORIGINAL, status: 500 });
      const rec = ask(d, 'Who is Sadam al-Jamal?');
      const answer = await answered(d, rec);
      await settle(d);
      expect(failed.count).toBe(1);
      expect(attempts(d, 'PATCH', new RegExp(`/webhooks/${d.appId}/${rec.token}/messages/@original$`))).toHaveLength(2);
      expect(rec.callbacks).toHaveLength(1);
      expect(responses(d, rec)).toEqual([answer]);
    });

    it('answers once when Discord took the deferral but answered 502 (its retry gets 40060)', async () => {
      const d = await boot();
      failRoute(d, { method: 'POST', route: CALLBACK, status: 502, lost: true });
      const rec = ask(d, 'Who is Sadam al-Jamal?');
      const answer = await answered(d, rec);
      await settle(d);
      // The first callback was taken (204 inside the double, 502 on the wire); the retry was refused.
      expect(rec.statuses).toEqual([204, 400]);
      expect(rec.callbacks).toEqual([{ type: 5, data: { flags: 0 } }]);
      expect(responses(d, rec)).toEqual([answer]);
      expect(answer.content).toBe('**Q:** Who is Sadam al-Jamal?');
      expect(answer.embeds.length).toBeGreaterThan(0);
    });

    it('retries a mention reply after a 502, and replies once', async () => {
      const d = await boot();
      const failed = failRoute(d, { method: 'POST', route: channelMessages(d), status: 502 });
      const asked = d.say(SPOKESMAN, { mentionsBot: true, who: d.newUser() });
      const answer = await reply(d, asked);
      await settle(d);
      expect(failed.count).toBe(1);
      expect(repliesTo(d, asked)).toEqual([answer]);
    });

    it('replies once when Discord posted the reply but answered 502 (the retry carries the same enforced nonce)', async () => {
      const d = await boot();
      failRoute(d, { method: 'POST', route: channelMessages(d), status: 502, lost: true });
      const asked = d.say(SPOKESMAN, { mentionsBot: true, who: d.newUser() });
      const answer = await reply(d, asked);
      await settle(d);
      const posts = d.requests.filter(
        (r) =>
          r.method === 'POST' && r.path.endsWith(`/channels/${d.channelId}/messages`) && r.body?.nonce === asked.id,
      );
      // The lost reply and its retry, both with the question's id as an enforced nonce.
      expect(posts.map((p) => p.body?.enforce_nonce)).toEqual([true, true]);
      expect(repliesTo(d, asked)).toEqual([answer]);
    });
  });

  describe('gateway', () => {
    it('resumes after a close with 4000 and answers a mention dispatched while it was away', async () => {
      const d = await boot();
      const session = liveSession(d);
      const seq = d.lastSeq;
      d.closeGateway(GatewayCloseCodes.UnknownError);
      const asked = d.say(SPOKESMAN, { mentionsBot: true, who: d.newUser() });
      const answer = await reply(d, asked);
      expect(d.clientPackets(GatewayOpcodes.Resume).map((p) => p.d)).toEqual([
        { token: '[redacted]', session_id: session.id, seq },
      ]);
      expect(d.identifies).toHaveLength(1);
      // Not sent on the closed connection: replayed on the resumed one, before RESUMED.
      expect(deliveries(d, asked.id).map((p) => [p.connection, p.s])).toEqual([[1, seq + 1]]);
      const resumed = d.gatewayPackets.find((p) => p.t === 'RESUMED')!;
      expect(resumed).toMatchObject({ connection: 1, s: seq + 2 });
      await settle(d);
      expect(repliesTo(d, asked)).toEqual([answer]);
      expect(answer.embeds[0]!.description).toContain('Mustefa Bali');
    });

    it('resumes after op 7 Reconnect and answers a mention dispatched meanwhile', async () => {
      const d = await boot();
      const session = liveSession(d);
      const seq = d.lastSeq;
      d.sendReconnect();
      // discord.js closes with 4200 ("resuming") and reconnects half a second later.
      await d.waitFor(() => d.connections[0]!.closedAt !== undefined, 2000, 'the client to close');
      expect(d.connections[0]).toMatchObject({ closedBy: 'client', closeCode: 4200 });
      const asked = d.say(SPOKESMAN, { mentionsBot: true, who: d.newUser() });
      const answer = await reply(d, asked);
      expect(d.clientPackets(GatewayOpcodes.Resume).map((p) => p.d)).toEqual([
        { token: '[redacted]', session_id: session.id, seq },
      ]);
      expect(d.identifies).toHaveLength(1);
      expect(deliveries(d, asked.id).map((p) => p.connection)).toEqual([1]);
      await settle(d);
      expect(repliesTo(d, asked)).toEqual([answer]);
    });

    it('identifies again after op 9 Invalid Session (not resumable), then answers', async () => {
      const d = await boot();
      const first = liveSession(d);
      d.invalidateSession(false);
      await d.waitFor(
        () => d.identifies.length === 2 && booted!.bot.client.ws.shards.every((s) => s.status === Status.Ready),
        3000,
        'a new session',
      );
      expect(d.clientPackets(GatewayOpcodes.Resume)).toEqual([]);
      expect(d.connections[0]).toMatchObject({ closedBy: 'client', closeCode: 1000 });
      const second = liveSession(d);
      expect(second.id).not.toBe(first.id);
      const asked = d.say(SPOKESMAN, { mentionsBot: true, who: d.newUser() });
      const answer = await reply(d, asked);
      expect(deliveries(d, asked.id).map((p) => p.connection)).toEqual([1]);
      await settle(d);
      expect(repliesTo(d, asked)).toEqual([answer]);
      // The new session answers slash commands too.
      expect((await answered(d, ask(d, 'Who is Sadam al-Jamal?'))).embeds.length).toBeGreaterThan(0);
    });

    it('notices a zombie connection (no heartbeat ACKs), resumes and answers what the dead link lost', async () => {
      const d = await boot({ heartbeatIntervalMs: 300 });
      const session = liveSession(d);
      const seq = d.lastSeq;
      const stoppedAt = performance.now();
      d.stopHeartbeatAcks({ dropEvents: true });
      const asked = d.say(SPOKESMAN, { mentionsBot: true, who: d.newUser() });
      const answer = await reply(d, asked);
      // The client gave up on the silent connection itself (4200 = closing to resume).
      expect(d.connections[0]).toMatchObject({ closedBy: 'client', closeCode: 4200 });
      const unanswered = d
        .clientPackets(GatewayOpcodes.Heartbeat)
        .filter((p) => p.connection === 0 && p.at > stoppedAt);
      expect(unanswered.length).toBeGreaterThanOrEqual(1);
      expect(
        d.gatewayPackets.filter((p) => p.op === GatewayOpcodes.HeartbeatAck && p.connection === 0 && p.at > stoppedAt),
      ).toEqual([]);
      expect(d.clientPackets(GatewayOpcodes.Resume).map((p) => p.d)).toEqual([
        { token: '[redacted]', session_id: session.id, seq },
      ]);
      expect(d.identifies).toHaveLength(1);
      expect(deliveries(d, asked.id).map((p) => p.connection)).toEqual([1]);
      await settle(d);
      expect(repliesTo(d, asked)).toEqual([answer]);
    });
  });

  describe('slow handlers', () => {
    it('defers a reindex slower than Discord’s window within the window, and edits in the report later', async () => {
      const windowMs = 300;
      const slowMs = 600;
      const d = await boot({ interactionAckTimeoutMs: windowMs }, slowMs);
      const rec = d.runSlashCommand(
        'admin',
        [{ type: ApplicationCommandOptionType.Subcommand, name: 'reindex', options: [] }],
        d.newUser(),
        { permissions: MANAGE_SERVER },
      );
      const report = await d.waitFor(() => d.original(rec.id)?.content && d.original(rec.id), 5000, 'the report');
      expect(rec.callbacks).toEqual([{ type: 5, data: { flags: 64 } }]);
      expect(rec.statuses).toEqual([204]);
      expect(rec.firstResponseMs).toBeLessThan(windowMs);
      const edits = attempts(d, 'PATCH', new RegExp(`/webhooks/${d.appId}/${rec.token}/messages/@original$`));
      expect(edits).toHaveLength(1);
      // The edit came after the window had closed: only the early deferral kept the interaction alive.
      expect(edits[0]!.at - rec.dispatchedAt).toBeGreaterThanOrEqual(slowMs);
      expect(report && report.content).toMatch(
        /^(Reindexed in \d+ ms\.|The corpus has not changed: the index is current\.)\n5 articles, 30 passages\.$/,
      );
      expect(report && report.flags & 64).toBe(64);
    });
  });
});
