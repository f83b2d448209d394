import {
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayCloseCodes,
  GatewayIntentBits,
  GatewayOpcodes,
  Partials,
  Routes,
  Status,
  type Message,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { pingsOf, wouldPing } from './double/limits.js';
import { startDiscordDouble, type DiscordDouble } from './double/server.js';

// The double's own rules, driven by a bare real discord.js client (no Newsdesk code).
async function connect(
  discord: DiscordDouble,
  onInteraction: (i: import('discord.js').Interaction) => Promise<void>,
  dms = false,
): Promise<Client> {
  const client = new Client({
    intents: [
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      ...(dms ? [GatewayIntentBits.DirectMessages] : []),
    ],
    ...(dms ? { partials: [Partials.Channel] } : {}),
    allowedMentions: { parse: [] },
    rest: { api: discord.apiBase },
    ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
  });
  client.on(Events.InteractionCreate, (i) => void onInteraction(i).catch(() => {}));
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login('test-token');
  await ready;
  return client;
}

describe('the Discord double', () => {
  let discord: DiscordDouble;
  let client: Client | undefined;
  afterEach(async () => {
    if (client) {
      await discord.waitFor(() => client!.ws.shards.every((s) => s.status === Status.Ready), 2000, 'ready');
      await client.destroy();
      client = undefined;
    }
    await discord.close();
  });

  it('rejects a first response after the window with 10062, and a second response with 40060', async () => {
    discord = await startDiscordDouble({ interactionAckTimeoutMs: 150 });
    const errors: unknown[] = [];
    client = await connect(discord, async (i) => {
      if (!i.isChatInputCommand()) return;
      if (i.options.getString('q') === 'late') await new Promise((r) => setTimeout(r, 300));
      await i.reply('one').catch((e: unknown) => errors.push(e));
      // discord.js refuses a second reply itself, so send the raw callback as a buggy bot would.
      if (i.options.getString('q') === 'now')
        await i.client.rest
          .post(Routes.interactionCallback(i.id, i.token), {
            body: { type: 4, data: { content: 'again' } },
            auth: false,
          })
          .catch((e: unknown) => errors.push(e));
    });
    const late = discord.runSlashCommand('x', [{ type: 3, name: 'q', value: 'late' }]);
    await discord.waitFor(() => errors.length >= 1, 3000, 'the late error');
    expect(late.statuses[0]).toBe(404);
    expect((errors[0] as DiscordAPIError).code).toBe(10062);
    const twice = discord.runSlashCommand('x', [{ type: 3, name: 'q', value: 'now' }]);
    await discord.waitFor(() => errors.length >= 2, 3000, 'the second error');
    expect(twice.statuses).toEqual([204, 400]);
    expect((errors[1] as DiscordAPIError).code).toBe(40060);
  });

  it('rejects messages over Discord’s limits with 400 and names the problem', async () => {
    discord = await startDiscordDouble({ expectRefusals: true });
    const errors: DiscordAPIError[] = [];
    client = await connect(discord, async (i) => {
      if (!i.isChatInputCommand()) return;
      await i
        .reply({
          embeds: [{ title: 't'.repeat(257), description: 'd'.repeat(4000) }, { description: 'e'.repeat(4000) }],
        })
        .catch((e: DiscordAPIError) => errors.push(e));
    });
    discord.runSlashCommand('x');
    await discord.waitFor(() => errors.length > 0, 3000, 'the rejection');
    expect(errors[0]!.status).toBe(400);
    expect(errors[0]!.rawError).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      // An interaction callback's message is its `data`, and Discord names the fields from there.
      errors: {
        data: {
          embeds: {
            '0': { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' }] } },
            _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }],
          },
        },
      },
    });
    // discord.js flattens the errors into the message it throws.
    expect(errors[0]!.message).toBe(
      'Invalid Form Body\ndata.embeds[MAX_EMBED_SIZE_EXCEEDED]: Embed size exceeds maximum size of 6000',
    );
  });

  it('hides message text from a bot that is not addressed (no MessageContent intent)', async () => {
    discord = await startDiscordDouble();
    const seen: string[] = [];
    client = await connect(discord, async () => {});
    client.on(Events.MessageCreate, (m) => void seen.push(m.content));
    discord.say('hello all');
    discord.say('hello bot', { mentionsBot: true });
    await discord.waitFor(() => seen.length === 2, 3000, 'two messages');
    expect(seen).toEqual(['', `<@${discord.botUser.id}> hello bot`]);
  });

  it('sends a reply’s text only when it pings the bot, yet discord.js reports the replied user either way', async () => {
    discord = await startDiscordDouble();
    const seen: Array<{ content: string; mentioned: boolean; repliedUser: string | undefined }> = [];
    client = await connect(discord, async () => {});
    client.on(
      Events.MessageCreate,
      (m) =>
        void seen.push({
          content: m.content,
          mentioned: m.mentions.users.has(discord.botUser.id),
          repliedUser: m.mentions.repliedUser?.id,
        }),
    );
    const ours = await client.channels
      .fetch(discord.channelId)
      .then((c) => (c as import('discord.js').TextChannel).send('an answer'));
    await discord.waitFor(() => seen.length === 1, 3000, 'the echo of its own message');
    discord.say('with ping', { replyTo: discord.message(ours.id)! });
    discord.say('without ping', { replyTo: discord.message(ours.id)!, ping: false });
    await discord.waitFor(() => seen.length === 3, 3000, 'two replies');
    expect(seen.slice(1)).toEqual([
      { content: 'with ping', mentioned: true, repliedUser: discord.botUser.id },
      { content: '', mentioned: false, repliedUser: discord.botUser.id },
    ]);
  });

  it('answers GET /channels/{id} with the channel’s real guild, and 404 Unknown Channel for none', async () => {
    discord = await startDiscordDouble();
    const other = discord.addGuild('Other guild');
    client = await connect(discord, async () => {});
    expect(await client.rest.get(Routes.channel(other.channelId))).toMatchObject({
      id: other.channelId,
      type: 0,
      guild_id: other.id,
    });
    expect(await client.rest.get(Routes.channel(discord.otherChannelId))).toMatchObject({
      guild_id: discord.guildId,
      name: 'random',
    });
    const missing = '900000000000000002';
    for (const call of [
      () => client!.rest.get(Routes.channel(missing)),
      () => client!.rest.post(Routes.channelMessages(missing), { body: { content: 'x' } }),
    ]) {
      const err = (await call().catch((e: unknown) => e)) as DiscordAPIError;
      expect([err.status, err.code, err.message]).toEqual([404, 10003, 'Unknown Channel']);
    }
  });

  it('sends the fields Discord always sends, and not those it keeps for other intents or payloads', async () => {
    discord = await startDiscordDouble();
    let limit: number | undefined;
    client = await connect(discord, async (i) => {
      if (!i.isChatInputCommand()) return;
      limit = i.attachmentSizeLimit;
      await i.reply('ok');
    });
    const dispatched = (t: string) => discord.gatewayPackets.find((p) => p.t === t)!.d as Record<string, unknown>;
    expect(dispatched('READY').shard).toEqual([0, 1]);
    // No GuildMembers intent: only the bot's own member, and no member carries `permissions` there.
    const members = dispatched('GUILD_CREATE').members as Array<Record<string, unknown> & { user: { id: string } }>;
    expect(members.map((m) => m.user.id)).toEqual([discord.botUser.id]);
    expect(members.some((m) => 'permissions' in m)).toBe(false);
    const rec = discord.runSlashCommand('x');
    await discord.waitFor(() => rec.callbacks.length > 0, 3000, 'the reply');
    expect(limit).toBe(10 * 1024 * 1024);
    expect(dispatched('INTERACTION_CREATE').member).toHaveProperty('permissions');
    const sent = await client.rest.post(Routes.channelMessages(discord.channelId), { body: { content: 'posted' } });
    expect(sent).toMatchObject({
      type: 0,
      tts: false,
      pinned: false,
      mentions: [],
      mention_everyone: false,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('sends DMs only to a client with the DirectMessages intent', async () => {
    discord = await startDiscordDouble();
    const seen: string[] = [];
    client = await connect(discord, async () => {});
    client.on(Events.MessageCreate, (m) => void seen.push(m.content));
    const dm = discord.say('a DM', { dm: true });
    discord.say('in the server', { mentionsBot: true });
    await discord.waitFor(() => seen.length === 1, 3000, 'the server message');
    expect(seen).toEqual([`<@${discord.botUser.id}> in the server`]);
    expect(
      discord.gatewayPackets.filter((p) => p.t === 'MESSAGE_CREATE' && (p.d as { id: string }).id === dm.id),
    ).toEqual([]);
  });

  it('delivers DMs and DM interactions (no guild, the user, a DM channel) and keeps the replies in the DM channel', async () => {
    discord = await startDiscordDouble();
    const interactions: Array<{
      inGuild: boolean;
      guildId: string | null;
      userId: string;
      channelType: ChannelType | undefined;
    }> = [];
    client = await connect(
      discord,
      async (i) => {
        if (!i.isChatInputCommand()) return;
        interactions.push({
          inGuild: i.inGuild(),
          guildId: i.guildId,
          userId: i.user.id,
          channelType: i.channel?.type,
        });
        await i.reply({ content: 'from the DM' });
      },
      true,
    );
    const messages: Message[] = [];
    client.on(Events.MessageCreate, (m) => {
      if (m.author.id === discord.users.bob.id) void m.reply({ content: 'got it' }).then(() => messages.push(m));
    });
    const dm = discord.dmChannel(discord.users.bob);
    const asked = discord.say('hello in private', { dm: true, who: discord.users.bob });
    await discord.waitFor(() => messages.length === 1, 3000, 'the DM reply');
    expect(messages[0]).toMatchObject({ guildId: null, content: 'hello in private', channelId: dm });
    expect(messages[0]!.channel.type).toBe(ChannelType.DM);
    expect(
      discord
        .messages(dm)
        .map((m) => [m.content, (m.message_reference as { message_id?: string } | undefined)?.message_id]),
    ).toEqual([['got it', asked.id]]);
    const rec = discord.runSlashCommand('x', [], discord.users.bob, { dm: true });
    await discord.waitFor(() => discord.original(rec.id), 3000, 'the interaction reply');
    expect(interactions).toEqual([
      { inGuild: false, guildId: null, userId: discord.users.bob.id, channelType: ChannelType.DM },
    ]);
    expect(discord.original(rec.id)).toMatchObject({ channel_id: dm, content: 'from the DM' });
    expect(discord.messages()).toEqual([]);
    expect(discord.unknownRoutes).toEqual([]);
  });

  it('replays to a RESUME what was dispatched while the client was away, then sends RESUMED', async () => {
    discord = await startDiscordDouble();
    const seen: string[] = [];
    client = await connect(discord, async () => {});
    client.on(Events.MessageCreate, (m) => void seen.push(m.content));
    const [session] = [...discord.sessions.values()];
    const seq = discord.lastSeq;
    discord.closeGateway(GatewayCloseCodes.UnknownError);
    discord.say('while you were away', { mentionsBot: true });
    expect(session!.log.at(-1)).toMatchObject({ s: seq + 1, t: 'MESSAGE_CREATE' });
    await discord.waitFor(() => seen.length === 1, 3000, 'the replayed message');
    expect(seen).toEqual([`<@${discord.botUser.id}> while you were away`]);
    expect(discord.clientPackets(GatewayOpcodes.Resume).map((p) => p.d)).toEqual([
      { token: '[redacted]', session_id: session!.id, seq },
    ]);
    const resumedOn = discord.clientPackets(GatewayOpcodes.Resume)[0]!.connection;
    expect(
      discord.gatewayPackets
        .filter((p) => p.from === 'double' && p.connection === resumedOn && p.op === GatewayOpcodes.Dispatch)
        .map((p) => [p.t, p.s]),
    ).toEqual([
      ['MESSAGE_CREATE', seq + 1],
      ['RESUMED', seq + 2],
    ]);
    expect(discord.identifies).toHaveLength(1);
    expect(discord.connections[0]).toMatchObject({ closeCode: 4000, closedBy: 'double' });
  });

  it('refuses to resume a session a close code ended (op 9 false), and the client identifies again', async () => {
    discord = await startDiscordDouble();
    client = await connect(discord, async () => {});
    const [first] = [...discord.sessions.values()];
    // discord.js tries to RESUME after 4009, but Discord wants a new session.
    discord.closeGateway(GatewayCloseCodes.SessionTimedOut);
    await discord.waitFor(
      () => discord.identifies.length === 2 && client!.ws.shards.every((s) => s.status === Status.Ready),
      3000,
      'a new session',
    );
    expect(discord.clientPackets(GatewayOpcodes.Resume).map((p) => (p.d as { session_id: string }).session_id)).toEqual(
      [first!.id],
    );
    const refusedOn = discord.clientPackets(GatewayOpcodes.Resume)[0]!.connection;
    expect(
      discord.gatewayPackets
        .filter((p) => p.from === 'double' && p.connection === refusedOn && p.op === GatewayOpcodes.InvalidSession)
        .map((p) => p.d),
    ).toEqual([false]);
    expect(discord.sessions.size).toBe(2);
    expect([...discord.sessions.values()].map((s) => s.resumable)).toEqual([false, true]);
  });

  it('computes pings the way Discord does', () => {
    expect(wouldPing('@everyone look', undefined)).toBe(true);
    expect(wouldPing('@everyone look <@1>', { parse: [] })).toBe(false);
    expect(pingsOf('<@1> and <@2> and <@&3>', { parse: [], users: ['2'] })).toEqual({
      everyone: false,
      users: ['2'],
      roles: [],
    });
  });
});
