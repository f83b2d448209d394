/**
 * A local Discord double: REST under /api/v10 and the gateway WebSocket on 127.0.0.1, enough
 * for the real, unmodified discord.js client to log in, receive events and answer them. It
 * enforces what discord.js does not check itself: the 3 s window for the first interaction
 * response, one response per interaction, message and embed limits; and it records
 * allowed_mentions so tests can prove nothing pings. See ../../../README.md (testing).
 *
 * Faults a test can inject. REST: `intercept` answers a request itself (a 429 with Retry-After,
 * a 5xx, a hang). Gateway: every IDENTIFY opens a session that keeps the dispatches it was sent
 * or owed, so a RESUME with a known session_id replays those with s > seq and then sends RESUMED
 * (an unknown or invalidated session gets op 9 false, as Discord does). Dispatches made while the
 * client is away are kept for that replay. `closeGateway(code)` closes the connection (4000 is
 * resumable; 4007, 4009 and the fatal codes end the session), `sendReconnect()` sends op 7,
 * `invalidateSession(resumable)` sends op 9, `stopHeartbeatAcks()` makes the open connection a
 * zombie (optionally one that also stops delivering events), and `heartbeatIntervalMs` shortens
 * HELLO's interval so a zombie is noticed quickly. `gatewayPackets` and `connections` record what
 * happened on the wire for assertions.
 *
 * Shards: `addGuild(name, [shardId, count])` adds guilds; an IDENTIFY with `shard: [id, count]` gets
 * READY and GUILD_CREATE for the guilds with `(guild_id >> 22) % count === id` only, and a guild's
 * dispatches go only to that shard's session. `inGuild(id, () => …)` runs a scenario in another
 * guild, `shardsReceiving(t, match)` says which shards were sent a dispatch, and the `gatewayShards`
 * and `maxConcurrency` options set what GET /gateway/bot recommends.
 *
 * Channels: GET /channels/{id} answers with the channel's real guild (a client of another shard
 * does not hold it, as on Discord), 404 Unknown Channel (10003) for one that does not exist; posting
 * or reading messages there gets the same 404.
 *
 * DMs: each user has a DM channel with the bot (`dmChannel(user)`, type 1, no guild); their events go to shard 0 only.
 * `runSlashCommand(…, { dm: true })` dispatches an interaction from it (no guild_id, `user` instead
 * of `member`, context 1 BOT_DM), and `say(…, { dm: true })` sends a DM, delivered only to a client
 * that IDENTIFYed with the DirectMessages intent (1 << 12), as Discord does.
 *
 * Members and roles: `addRole(name)` makes a role in the guild (sent in GUILD_CREATE, resolved in a
 * Role option), `PUT`/`DELETE /guilds/{g}/members/{u}/roles/{r}` give and take it (no body, as the
 * spec says; 10011 for an unknown role) and `memberRoles(user)` says what a member holds; interactions
 * carry those roles. `leave(user)` makes a user a former member (GET member and role changes: 10007
 * Unknown Member); `closeDms(user)` makes DMs to them fail with 403 50007, as Discord answers when a
 * member closed their DMs or blocked the bot.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GatewayCloseCodes,
  GatewayOpcodes,
  InteractionType,
  ApplicationCommandOptionType,
  type APIUser,
} from 'discord-api-types/v10';
import { WebSocketServer, type WebSocket } from 'ws';
import { choiceProblems, formErrors, formProblems, messageProblems, nestErrors, pingsOf, wouldPing } from './limits.js';
import { componentRuleProblems, requestSchema, specProblems } from './spec.js';

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  body: Json | null;
  at: number;
}

export interface StoredMessage extends Json {
  id: string;
  channel_id: string;
  content: string;
  author: APIUser;
  embeds: Json[];
  components: Json[];
  flags: number;
  /** allowed_mentions as the bot sent it (undefined when it sent none). */
  allowed_mentions?: Json;
  /** The interaction whose response this is, if any. */
  interaction_id?: string;
  /** The nonce the bot sent with it, if any. */
  nonce?: string;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionType;
  dispatchedAt: number;
  /** Milliseconds from dispatch to the first callback, once there is one. */
  firstResponseMs?: number;
  callbacks: Json[];
  /** Status codes the double answered callbacks with. */
  statuses: number[];
  /** For a component interaction: the message the component is on. */
  messageId?: string;
  /** For an interaction from a DM: the DM channel its responses go to (the guild's channel otherwise). */
  channelId?: string;
}

/**
 * A fault a test injects into REST: called for every request before routing. Return true when it
 * has answered the request itself (a 429, a 5xx, a hang), false to let the double route it.
 */
export type Interceptor = (
  req: { method: string; route: string; body: Json | null },
  res: ServerResponse,
) => boolean | Promise<boolean>;

export interface DoubleOptions {
  /** Discord's window for the first response to an interaction (3 s). */
  interactionAckTimeoutMs?: number;
  /** The heartbeat_interval sent in HELLO (Discord: 41250 ms). Short values make zombie detection quick. */
  heartbeatIntervalMs?: number;
  /** GET /gateway/bot's recommended `shards` (1) and `session_start_limit.max_concurrency` (1). */
  gatewayShards?: number;
  maxConcurrency?: number;
  /**
   * Whether the test means to send bodies Discord refuses. Otherwise `close()` fails when any
   * request was refused with 50035, so every e2e test proves the bot's requests valid.
   */
  expectRefusals?: boolean;
}

/**
 * The options of a slash command as Discord sends them for a subcommand path: `'add file'` is the
 * subcommand `file` in the group `add`, `'list'` the subcommand `list`; `options` go innermost.
 */
export function commandOptions(path: string, options: Json[] = []): Json[] {
  const [first, second] = path.split(' ');
  if (!first) return options;
  if (second)
    return [
      {
        type: ApplicationCommandOptionType.SubcommandGroup,
        name: first,
        options: [{ type: ApplicationCommandOptionType.Subcommand, name: second, options }],
      },
    ];
  return [{ type: ApplicationCommandOptionType.Subcommand, name: first, options }];
}

/** A guild the bot is in, with the text channel its scenarios happen in. */
export interface DoubleGuild {
  id: string;
  name: string;
  channelId: string;
}

/** The shard Discord sends a guild's events to: (guild_id >> 22) % num_shards. */
export const shardOf = (guildId: string, shardCount: number): number =>
  Number((BigInt(guildId) >> 22n) % BigInt(shardCount));

/** One gateway WebSocket connection, as the double saw it. */
export interface GatewayConnection {
  /** 0 for the first connection of this double, then 1, 2, … */
  id: number;
  openedAt: number;
  closedAt?: number;
  /** The close code: the client's when it closed the connection, the double's own otherwise. */
  closeCode?: number;
  closedBy?: 'client' | 'double';
  /** The session this connection serves, after READY or RESUMED. */
  sessionId?: string;
  /** False after `stopHeartbeatAcks()`: heartbeats go unanswered. */
  acking: boolean;
  /** False after `stopHeartbeatAcks({ dropEvents: true })`: dispatches are kept for a RESUME but not sent. */
  delivering: boolean;
}

/** A gateway session: opened by IDENTIFY, continued by RESUME. */
export interface GatewaySession {
  id: string;
  /** [shard_id, num_shards] from the IDENTIFY. */
  shard: [number, number];
  /** Every dispatch sent or owed to the session, oldest first: what a RESUME replays from. */
  log: Array<{ s: number; t: string; packet: string }>;
  /** The connection serving it; null while the client is away (dispatches then wait in `log`). */
  connection: GatewayConnection | null;
  /** False once invalidated, ended by a close code or replaced by a new IDENTIFY: RESUME then gets op 9 false. */
  resumable: boolean;
}

/** A gateway packet on the wire (tokens redacted). */
export interface GatewayPacket {
  from: 'client' | 'double';
  /** The GatewayConnection id it went over. */
  connection: number;
  op: GatewayOpcodes;
  t?: string | null;
  s?: number | null;
  d: unknown;
  at: number;
}

/** Close codes after which Discord does not let the session be resumed. */
const SESSION_ENDING_CLOSES = new Set<number>([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidSeq,
  GatewayCloseCodes.SessionTimedOut,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

/** Every permission, as the double's default member and channel have. */
const ALL_PERMISSIONS = '2248473465835073';
/** The upload limit Discord tells an interaction about (bytes; 10 MiB in a server without boosts). */
const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

let lastId = BigInt(Date.now() - 1420070400000) << 22n;
/** Increasing snowflakes, like Discord's. */
export const snowflake = (): string => (lastId += 1n << 12n).toString();

const user = (id: string, username: string, bot = false): APIUser => ({
  id,
  username,
  discriminator: '0',
  global_name: username,
  avatar: null,
  bot,
});

export class DiscordDouble {
  readonly appId = snowflake();
  readonly botUser = user(snowflake(), 'Newsdesk', true);
  readonly guildId = snowflake();
  readonly channelId = snowflake();
  readonly otherChannelId = snowflake();
  /** Every guild the bot is in, the default one first (more with `addGuild`). Each shard gets the guilds `shardOf` gives it. */
  readonly guilds: DoubleGuild[] = [{ id: this.guildId, name: 'Test guild', channelId: this.channelId }];
  /** The guild scenario helpers act in (see `inGuild`); the default guild when null. */
  private scope: DoubleGuild | null = null;
  private readonly gatewayAdvice: { shards: number; maxConcurrency: number };
  readonly users = {
    alice: user(snowflake(), 'alice'),
    bob: user(snowflake(), 'bob'),
    otherBot: user(snowflake(), 'otherbot', true),
  };
  readonly requests: RecordedRequest[] = [];
  readonly interactions = new Map<string, InteractionRecord>();
  readonly commands: Json[] = [];
  /** Requests the double could not route: a test can assert there are none. */
  readonly unknownRoutes: string[] = [];
  /** Requests refused with 50035 because their body broke Discord's published schemas or rules (see ./spec.ts). */
  readonly refused: Array<{ method: string; path: string; errors: ReturnType<typeof nestErrors> }> = [];
  /** Identify payloads the client sent (intents and all). */
  readonly identifies: Json[] = [];
  private readonly messagesById = new Map<string, StoredMessage>();
  /** What users said, by message id, as typed (a MESSAGE_CREATE may have carried it without its text). */
  private readonly fullText = new Map<string, string>();
  /** DM channels by the id of the user on the other side. */
  private readonly dmChannels = new Map<string, { id: string; user: APIUser }>();
  private readonly attachments = new Map<string, Json>();
  /** Channels where posting answers 403 Missing Permissions. */
  readonly refusing = new Set<string>();
  /** Roles made with `addRole`, by id. */
  private readonly roles = new Map<string, Json>();
  /** Roles each member holds, by `${guildId}/${userId}`. */
  private readonly rolesHeld = new Map<string, Set<string>>();
  /** Members made with `newUser`. */
  private readonly newUsers: APIUser[] = [];
  /** Users who left the guild(s). */
  private readonly departed = new Set<string>();
  /** Users whose DMs refuse the bot. */
  private readonly closedDms = new Set<string>();
  /** REST faults, tried in order before routing (see `intercept`). */
  private readonly interceptors: Interceptor[] = [];
  private readonly originals = new Map<string, string>();
  private readonly sockets = new Set<WebSocket>();
  /** Gateway sessions by session_id (see GatewaySession). */
  readonly sessions = new Map<string, GatewaySession>();
  /** Every gateway connection, oldest first. */
  readonly connections: GatewayConnection[] = [];
  /** Every gateway packet both ways, oldest first. */
  readonly gatewayPackets: GatewayPacket[] = [];
  private readonly socketOf = new Map<GatewayConnection, WebSocket>();
  private readonly heartbeatIntervalMs: number;
  private readonly waiters = new Set<() => void>();
  private seq = 0;
  private intents = 0;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly ackTimeoutMs: number;
  private readonly expectRefusals: boolean;

  constructor(options: DoubleOptions = {}) {
    this.expectRefusals = options.expectRefusals ?? false;
    this.ackTimeoutMs = options.interactionAckTimeoutMs ?? 3000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41250;
    this.gatewayAdvice = { shards: options.gatewayShards ?? 1, maxConcurrency: options.maxConcurrency ?? 1 };
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (req.url?.startsWith('/gateway')) this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
      else socket.destroy();
    });
  }

  /** Adds a REST fault; returns a function that removes it. */
  intercept(fn: Interceptor): () => void {
    this.interceptors.push(fn);
    return () => {
      const i = this.interceptors.indexOf(fn);
      if (i >= 0) this.interceptors.splice(i, 1);
    };
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** What to pass as discord.js `rest.api` (discord.js appends /v10). */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Stops the double; fails when a request was refused and the test did not expect it (see `expectRefusals`). */
  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.refused.length > 0 && !this.expectRefusals) {
      throw new Error(
        `the bot sent ${this.refused.length} request(s) Discord would refuse:\n${this.refused.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.errors)}`).join('\n')}`,
      );
    }
  }

  // ---- observing ---------------------------------------------------------------------------

  /** Messages the bot posted or edited in a channel (interaction responses included), oldest first. */
  messages(channelId = this.channelId): StoredMessage[] {
    return [...this.messagesById.values()].filter((m) => m.channel_id === channelId);
  }

  message(id: string): StoredMessage | undefined {
    return this.messagesById.get(id);
  }

  /** The original response to an interaction (after reply or deferReply + editReply). */
  original(interactionId: string): StoredMessage | undefined {
    const id = this.originals.get(interactionId);
    return id ? this.messagesById.get(id) : undefined;
  }

  /** Everyone the bot's messages would have notified: message id → users, roles, @everyone. */
  pings(): Array<{ messageId: string; everyone: boolean; users: string[]; roles: string[] }> {
    return [...this.messagesById.values()]
      .filter((m) => m.author.id === this.botUser.id && wouldPing(m.content, m.allowed_mentions))
      .map((m) => ({ messageId: m.id, ...pingsOf(m.content, m.allowed_mentions) }));
  }

  /** The id of the DM channel between `who` and the bot (opened on first use, like Discord's). */
  dmChannel(who: APIUser = this.users.alice): string {
    let dm = this.dmChannels.get(who.id);
    if (!dm) this.dmChannels.set(who.id, (dm = { id: snowflake(), user: who }));
    return dm.id;
  }

  /** The DM channel object (type 1, no guild) behind a channel id, if it is one. */
  private dmChannelData(channelId: string): Json | undefined {
    const dm = [...this.dmChannels.values()].find((d) => d.id === channelId);
    return dm ? { id: dm.id, type: 1, last_message_id: null, recipients: [dm.user], flags: 0 } : undefined;
  }

  /** Makes a role in the guild helpers act in (before the bot connects, so GUILD_CREATE carries it); returns it. */
  addRole(name: string): { id: string; name: string } {
    const id = snowflake();
    this.roles.set(id, {
      id,
      name,
      permissions: '0',
      position: this.roles.size + 1,
      color: 0,
      hoist: false,
      managed: false,
      mentionable: false,
      flags: 0,
    });
    return { id, name };
  }

  /** The roles a member holds in the guild helpers act in. */
  memberRoles(who: APIUser): string[] {
    return [...(this.rolesHeld.get(`${this.scope?.id ?? this.guildId}/${who.id}`) ?? [])];
  }

  /** The user leaves the guilds: looking them up (or changing their roles) then answers 10007 Unknown Member. */
  leave(who: APIUser): void {
    this.departed.add(who.id);
  }

  /** The user closes their DMs to the bot: messages to their DM channel answer 403 50007. */
  closeDms(who: APIUser): void {
    this.closedDms.add(who.id);
  }

  /** A new member of the guild, for a test that needs a user of its own. */
  newUser(name = 'user'): APIUser {
    const u = user(snowflake(), name);
    this.newUsers.push(u);
    return u;
  }

  /** Resolves when `predicate` holds (checked after every request and event), or rejects after `timeoutMs`. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = predicate();
        if (v) {
          this.waiters.delete(check);
          clearTimeout(timer);
          clearInterval(poll);
          resolve(v);
        }
      };
      // Checked after every request and event, and every 10 ms for state the test keeps itself.
      const poll = setInterval(check, 10);
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  // ---- scenarios ---------------------------------------------------------------------------

  /** Adds a guild (before the bot connects); with `onShard: [id, count]` its id puts it on that shard. */
  addGuild(name = `Guild ${this.guilds.length + 1}`, onShard?: [number, number]): DoubleGuild {
    let id = BigInt(snowflake());
    if (onShard) while (shardOf(id.toString(), onShard[1]) !== onShard[0]) id += 1n << 22n;
    const guild = { id: id.toString(), name, channelId: snowflake() };
    this.guilds.push(guild);
    return guild;
  }

  /** Runs scenario helpers (runSlashCommand, say, clickButton, …) in another guild. */
  inGuild<T>(guildId: string, run: () => T): T {
    const previous = this.scope;
    this.scope = this.guilds.find((g) => g.id === guildId) ?? null;
    if (!this.scope) throw new Error(`no guild ${guildId} in the double`);
    try {
      return run();
    } finally {
      this.scope = previous;
    }
  }

  /** The shards (from their IDENTIFY) of the sessions a dispatch went out to, by a predicate on its packet. */
  shardsReceiving(t: string, match: (d: Json) => boolean): number[] {
    const conns = this.gatewayPackets
      .filter((p) => p.from === 'double' && p.t === t && match(p.d as Json))
      .map((p) => this.connections[p.connection]);
    return conns
      .map((c) => (c?.sessionId ? this.sessions.get(c.sessionId)?.shard[0] : undefined))
      .filter((x): x is number => x !== undefined);
  }

  private guildOfChannel(channelId: string): string {
    return this.guilds.find((g) => g.channelId === channelId)?.id ?? this.guildId;
  }

  /** A channel as GET /channels/{id} returns it: a DM, or a text channel of the guild it is really in; undefined when there is none. */
  private channelData(channelId: string): Json | undefined {
    const dm = this.dmChannelData(channelId);
    if (dm) return dm;
    const guild =
      this.guilds.find((g) => g.channelId === channelId) ??
      (channelId === this.otherChannelId ? this.guilds[0] : undefined);
    if (!guild) return undefined;
    const name = channelId === this.otherChannelId ? 'random' : 'general';
    return {
      id: channelId,
      type: 0,
      guild_id: guild.id,
      name,
      position: name === 'random' ? 1 : 0,
      permission_overwrites: [],
      nsfw: false,
      parent_id: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      topic: null,
      flags: 0,
    };
  }

  /**
   * Dispatches a slash command as `who`; returns the interaction record to watch. `member.permissions`
   * sets the member's permission bits; `member.dm` sends it from `who`'s DM with the bot instead.
   */
  runSlashCommand(
    name: string,
    options: Json[] = [],
    who: APIUser = this.users.alice,
    member: { permissions?: string; dm?: boolean } = {},
  ): InteractionRecord {
    const resolved: Record<string, Json> = {};
    const add = (kind: string, id: string, value: unknown) => (resolved[kind] = { ...resolved[kind], [id]: value });
    // Discord sends the objects behind user, channel and attachment options in `resolved`, at any depth of subcommands.
    const visit = (list: Json[]) => {
      for (const o of list) {
        if (Array.isArray(o.options)) visit(o.options as Json[]);
        if (o.type === ApplicationCommandOptionType.User) {
          const u = Object.values(this.users).find((x) => x.id === o.value) ?? user(String(o.value), 'someone');
          add('users', u.id, u);
          add('members', u.id, this.member(u, false, ALL_PERMISSIONS));
        } else if (o.type === ApplicationCommandOptionType.Channel) {
          const id = String(o.value);
          add('channels', id, {
            id,
            type: 0,
            name: id === this.channelId ? 'general' : 'random',
            permissions: '2248473465835073',
          });
        } else if (o.type === ApplicationCommandOptionType.Role) {
          const role = this.roles.get(String(o.value));
          if (role) add('roles', String(role.id), role);
        } else if (o.type === ApplicationCommandOptionType.Attachment) {
          const a = this.attachments.get(String(o.value));
          if (a) add('attachments', String(a.id), a);
        }
      }
    };
    visit(options);
    const data: Json = {
      id: this.commandId(name),
      name,
      type: 1,
      options,
      ...(member.dm ? {} : { guild_id: this.scope?.id ?? this.guildId }),
    };
    if (Object.keys(resolved).length) data.resolved = resolved;
    if (member.dm) return this.dispatchDmInteraction(InteractionType.ApplicationCommand, data, who);
    return this.dispatchInteraction(InteractionType.ApplicationCommand, data, who, undefined, member.permissions);
  }

  /** Registers an uploaded file served by `url` (a test's own HTTP server); returns the attachment id for an option. */
  attach(filename: string, url: string, size: number, contentType = 'text/plain'): string {
    const id = snowflake();
    this.attachments.set(id, { id, filename, size, url, proxy_url: url, content_type: contentType });
    return id;
  }

  /** Dispatches an autocomplete request with `focused` set on the named option (under the subcommand `path`, if any: see commandOptions). */
  runAutocomplete(
    name: string,
    focused: string,
    value: string,
    who: APIUser = this.users.alice,
    path = '',
    permissions?: string,
  ): InteractionRecord {
    const data = {
      id: this.commandId(name),
      name,
      type: 1,
      options: commandOptions(path, [
        { type: ApplicationCommandOptionType.String, name: focused, value, focused: true },
      ]),
    };
    return this.dispatchInteraction(InteractionType.ApplicationCommandAutocomplete, data, who, undefined, permissions);
  }

  /**
   * Runs a message context-menu command on `target` (a message a user said, or one of the bot's).
   * Discord sends the target whole in `resolved.messages`, its text included whatever the intents.
   */
  runMessageCommand(name: string, target: Json, who: APIUser = this.users.alice): InteractionRecord {
    const id = String(target.id);
    const data = {
      id: this.commandId(name),
      name,
      type: 3,
      target_id: id,
      resolved: { messages: { [id]: { ...target, content: this.fullText.get(id) ?? target.content } } },
    };
    return this.dispatchInteraction(InteractionType.ApplicationCommand, data, who);
  }

  /** Clicks a button on one of the bot's messages (from a DM when the message is in one). */
  clickButton(message: StoredMessage, customId: string, who: APIUser = this.users.alice): InteractionRecord {
    const data = { custom_id: customId, component_type: 2 };
    if (this.dmChannelData(message.channel_id))
      return this.dispatchDmInteraction(InteractionType.MessageComponent, data, who, message);
    return this.dispatchInteraction(InteractionType.MessageComponent, data, who, message);
  }

  /**
   * A user says something in a channel; `mentionsBot` adds a mention, `replyTo` makes it a reply
   * (which pings the replied-to author unless `ping: false`, the client's "@ ON/OFF" switch),
   * `dm` says it in the user's DM with the bot.
   */
  say(
    content: string,
    opts: {
      who?: APIUser;
      channelId?: string;
      mentionsBot?: boolean;
      replyTo?: StoredMessage;
      ping?: boolean;
      dm?: boolean;
    } = {},
  ): Json {
    const author = opts.who ?? this.users.alice;
    if (opts.dm) return this.sayInDm(content, author);
    const text = opts.mentionsBot ? `<@${this.botUser.id}> ${content}` : content;
    const mentions = this.mentionsIn(text);
    // A reply with the ping on lists the replied-to author in `mentions`; with it off, it does not.
    if (opts.replyTo && opts.ping !== false && !mentions.some((u) => u.id === opts.replyTo!.author.id))
      mentions.push(opts.replyTo.author);
    // Without the MessageContent intent Discord sends the text only when the bot is mentioned
    // (a pinging reply counts, a pingless one does not), in DMs, and in the bot's own messages.
    const visible = mentions.some((u) => u.id === this.botUser.id) || (this.intents & (1 << 15)) !== 0;
    const message: Json = {
      ...this.userMessage(
        opts.channelId ?? this.scope?.channelId ?? this.channelId,
        author,
        visible ? text : '',
        mentions,
        opts.replyTo ? 19 : 0,
      ),
      guild_id: this.scope?.id ?? this.guildId,
      member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
    };
    this.fullText.set(String(message.id), text);
    if (opts.replyTo) {
      message.message_reference = {
        type: 0,
        message_id: opts.replyTo.id,
        channel_id: opts.replyTo.channel_id,
        guild_id: this.scope?.id ?? this.guildId,
      };
      message.referenced_message = opts.replyTo;
    }
    if (this.intents & (1 << 9)) this.dispatch('MESSAGE_CREATE', message);
    return message;
  }

  /** The known users a text mentions (`<@id>`). */
  private mentionsIn(text: string): APIUser[] {
    const known = [this.botUser, ...Object.values(this.users)];
    return [...text.matchAll(/<@!?(\d+)>/g)]
      .map((m) => known.find((u) => u.id === m[1]))
      .filter((u): u is APIUser => u !== undefined);
  }

  /** The fields every MESSAGE_CREATE from a user carries, in a server or a DM. */
  private userMessage(channelId: string, author: APIUser, content: string, mentions: APIUser[], type: number): Json {
    return {
      id: snowflake(),
      channel_id: channelId,
      author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions,
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      type,
    };
  }

  /** A DM from `author` to the bot: no guild, no member; its text is always visible (Discord sends DM content without MessageContent). */
  private sayInDm(content: string, author: APIUser): Json {
    const message: Json = {
      ...this.userMessage(this.dmChannel(author), author, content, this.mentionsIn(content), 0),
      // Discord says what kind of channel a message is in; discord.js needs it to make an uncached DM channel.
      channel_type: 1,
    };
    // DMs reach only a bot that asked for them.
    if (this.intents & (1 << 12)) this.dispatch('MESSAGE_CREATE', message);
    return message;
  }

  /**
   * Sends any gateway event to every live session: at once when its connection is up, otherwise
   * kept in the session for the client's RESUME to replay.
   */
  dispatch(t: string, d: unknown): void {
    const s = ++this.seq;
    const packet = JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s, d });
    // A guild's events go only to the shard that has the guild, as on Discord.
    const guildId =
      d && typeof d === 'object' && 'guild_id' in d && typeof d.guild_id === 'string' ? d.guild_id : undefined;
    for (const session of this.sessions.values()) {
      if (!session.resumable) continue;
      if (guildId && shardOf(guildId, session.shard[1]) !== session.shard[0]) continue;
      // Events outside guilds (DMs) go to shard 0 only.
      if (!guildId && session.shard[0] !== 0) continue;
      const ws = session.connection?.delivering ? this.socketOf.get(session.connection) : undefined;
      // Sent packets enter the log in onOutgoing; owed ones go in here.
      if (ws && ws.readyState === ws.OPEN) ws.send(packet);
      else session.log.push({ s, t, packet });
    }
  }

  private commandId(name: string): string {
    const known = this.commands.find((c) => c.name === name);
    return (known?.id as string | undefined) ?? '100000000000000001';
  }

  /** A member; `permissions` (a bit field as a string) only where Discord sends it: on an interaction's members. */
  private member(u: APIUser, withUser = true, permissions?: string): Json {
    return {
      ...(withUser ? { user: u } : {}),
      roles: this.memberRoles(u),
      joined_at: new Date().toISOString(),
      deaf: false,
      mute: false,
      flags: 0,
      ...(permissions ? { permissions } : {}),
    };
  }

  private dispatchInteraction(
    type: InteractionType,
    data: Json,
    who: APIUser,
    message?: StoredMessage,
    permissions?: string,
  ): InteractionRecord {
    const rec: InteractionRecord = {
      id: snowflake(),
      token: `tok-${randomBytes(12).toString('hex')}`,
      type,
      dispatchedAt: performance.now(),
      callbacks: [],
      statuses: [],
    };
    if (message) rec.messageId = message.id;
    this.interactions.set(rec.id, rec);
    const guild = this.scope ?? this.guilds[0]!;
    const payload: Json = {
      id: rec.id,
      application_id: this.appId,
      type,
      token: rec.token,
      version: 1,
      guild_id: guild.id,
      channel_id: message?.channel_id ?? guild.channelId,
      channel: { id: message?.channel_id ?? guild.channelId, type: 0, guild_id: guild.id, name: 'general' },
      member: this.member(who, true, permissions ?? ALL_PERMISSIONS),
      attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
      app_permissions: '2248473465835073',
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      data,
    };
    if (message) payload.message = message;
    this.dispatch('INTERACTION_CREATE', payload);
    return rec;
  }

  /** An interaction from `who`'s DM with the bot: no guild_id, `user` instead of `member`, context 1 (BOT_DM). */
  private dispatchDmInteraction(
    type: InteractionType,
    data: Json,
    who: APIUser,
    message?: StoredMessage,
  ): InteractionRecord {
    const channelId = message?.channel_id ?? this.dmChannel(who);
    const rec: InteractionRecord = {
      id: snowflake(),
      token: `tok-${randomBytes(12).toString('hex')}`,
      type,
      dispatchedAt: performance.now(),
      callbacks: [],
      statuses: [],
      channelId,
    };
    this.interactions.set(rec.id, rec);
    this.dispatch('INTERACTION_CREATE', {
      id: rec.id,
      application_id: this.appId,
      type,
      token: rec.token,
      version: 1,
      channel_id: channelId,
      channel: this.dmChannelData(channelId),
      user: who,
      app_permissions: '2248473465835073',
      attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
      locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': '0' },
      context: 1,
      data,
      ...(message ? { message } : {}),
    });
    return rec;
  }

  // ---- gateway -----------------------------------------------------------------------------

  /** The s of the last dispatch the double made (what a client that saw everything would RESUME with). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Packets the client sent, optionally only those with opcode `op`. */
  clientPackets(op?: GatewayOpcodes): GatewayPacket[] {
    return this.gatewayPackets.filter((p) => p.from === 'client' && (op === undefined || p.op === op));
  }

  /** Closes every open gateway connection with `code` (default 4000, resumable). */
  closeGateway(code: number = GatewayCloseCodes.UnknownError, reason = 'closed by the double'): void {
    for (const conn of this.openConnections()) {
      const session = conn.sessionId ? this.sessions.get(conn.sessionId) : undefined;
      if (session && SESSION_ENDING_CLOSES.has(code)) session.resumable = false;
      this.detach(conn);
      conn.closeCode = code;
      conn.closedBy = 'double';
      this.socketOf.get(conn)!.close(code, reason);
    }
  }

  /** Sends op 7 Reconnect on every open connection: the client should close and RESUME. */
  sendReconnect(): void {
    for (const conn of this.openConnections())
      this.socketOf.get(conn)!.send(JSON.stringify({ op: GatewayOpcodes.Reconnect, d: null }));
  }

  /** Sends op 9 Invalid Session on every open connection; unless `resumable`, their sessions end (RESUME will fail). */
  invalidateSession(resumable = false): void {
    for (const conn of this.openConnections()) {
      const session = conn.sessionId ? this.sessions.get(conn.sessionId) : undefined;
      if (session && !resumable) {
        session.resumable = false;
        this.detach(conn);
      }
      this.socketOf.get(conn)!.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: resumable }));
    }
  }

  /**
   * Makes the open connections zombies: heartbeats go unanswered. With `dropEvents` they also stop
   * delivering dispatches (a dead link), which stay in the session for a RESUME. New connections
   * behave normally.
   */
  stopHeartbeatAcks(options: { dropEvents?: boolean } = {}): void {
    for (const conn of this.openConnections()) {
      conn.acking = false;
      if (options.dropEvents) conn.delivering = false;
    }
  }

  private openConnections(): GatewayConnection[] {
    return this.connections.filter((c) => c.closedAt === undefined && c.closedBy === undefined);
  }

  /** The connection no longer serves its session: dispatches wait in the session's log. */
  private detach(conn: GatewayConnection): void {
    const session = conn.sessionId ? this.sessions.get(conn.sessionId) : undefined;
    if (session?.connection === conn) session.connection = null;
  }

  private record(
    from: GatewayPacket['from'],
    conn: GatewayConnection,
    packet: { op: GatewayOpcodes; t?: string | null; s?: number | null; d?: unknown },
  ): void {
    const d =
      packet.d && typeof packet.d === 'object' && 'token' in packet.d ? { ...packet.d, token: '[redacted]' } : packet.d;
    this.gatewayPackets.push({
      from,
      connection: conn.id,
      op: packet.op,
      ...(packet.t !== undefined ? { t: packet.t } : {}),
      ...(packet.s !== undefined ? { s: packet.s } : {}),
      d,
      at: performance.now(),
    });
  }

  /**
   * Sees everything the double sends on a connection, including onIdentify's own READY and
   * GUILD_CREATE: READY opens the session, and each dispatch enters the session's log once (a
   * replayed one is already there).
   */
  private onOutgoing(conn: GatewayConnection, data: string): void {
    const packet = JSON.parse(data) as { op: GatewayOpcodes; t?: string; s?: number; d?: Json };
    this.record('double', conn, packet);
    if (packet.op !== GatewayOpcodes.Dispatch || typeof packet.s !== 'number') return;
    if (packet.t === 'READY' && typeof packet.d?.session_id === 'string') {
      const identify = [...this.clientPackets(GatewayOpcodes.Identify)].reverse().find((p) => p.connection === conn.id)
        ?.d as Json | undefined;
      const shard = (Array.isArray(identify?.shard) ? identify.shard : [0, 1]) as [number, number];
      // A new session for a shard replaces the old one: Discord stops sending to it.
      for (const old of this.sessions.values()) {
        if (old.shard[0] === shard[0] && old.shard[1] === shard[1]) {
          old.resumable = false;
          old.connection = null;
        }
      }
      this.sessions.set(packet.d.session_id, {
        id: packet.d.session_id,
        shard,
        log: [],
        connection: conn,
        resumable: true,
      });
      conn.sessionId = packet.d.session_id;
    }
    const session = conn.sessionId ? this.sessions.get(conn.sessionId) : undefined;
    const last = session?.log.at(-1);
    if (session && (!last || packet.s > last.s)) session.log.push({ s: packet.s, t: String(packet.t), packet: data });
  }

  private onResume(ws: WebSocket, conn: GatewayConnection, d: Json): void {
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    if (!session?.resumable) return void ws.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: false }));
    // Discord drops a connection still holding the session (a zombie the client gave up on).
    const previous = session.connection;
    if (previous && previous !== conn) {
      this.detach(previous);
      previous.closeCode = GatewayCloseCodes.SessionTimedOut;
      previous.closedBy = 'double';
      this.socketOf.get(previous)?.terminate();
    }
    session.connection = conn;
    conn.sessionId = session.id;
    const seq = Number(d.seq ?? 0);
    for (const entry of session.log) if (entry.s > seq) ws.send(entry.packet);
    ws.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t: 'RESUMED', s: ++this.seq, d: {} }));
  }

  private onSocket(ws: WebSocket): void {
    const conn: GatewayConnection = {
      id: this.connections.length,
      openedAt: performance.now(),
      acking: true,
      delivering: true,
    };
    this.connections.push(conn);
    this.socketOf.set(conn, ws);
    this.sockets.add(ws);
    // Wrapped so that every packet is recorded and logged in its session, whichever code sends it.
    const rawSend = ws.send.bind(ws) as (data: string) => void;
    ws.send = ((data: unknown) => {
      this.onOutgoing(conn, String(data));
      rawSend(String(data));
    }) as typeof ws.send;
    ws.on('close', (code) => {
      this.sockets.delete(ws);
      this.detach(conn);
      conn.closedAt = performance.now();
      if (!conn.closedBy) {
        conn.closeCode = code;
        conn.closedBy = 'client';
      }
      this.notify();
    });
    ws.send(JSON.stringify({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.heartbeatIntervalMs } }));
    ws.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: GatewayOpcodes; d: Json };
      this.record('client', conn, packet);
      if (packet.op === GatewayOpcodes.Heartbeat) {
        if (conn.acking) ws.send(JSON.stringify({ op: GatewayOpcodes.HeartbeatAck }));
      } else if (packet.op === GatewayOpcodes.Identify) this.onIdentify(ws, packet.d);
      else if (packet.op === GatewayOpcodes.Resume) this.onResume(ws, conn, packet.d);
      this.notify();
    });
  }

  private onIdentify(ws: WebSocket, d: Json): void {
    this.identifies.push({ ...d, token: '[redacted]' });
    this.intents = Number(d.intents ?? 0);
    const send = (t: string, data: unknown) =>
      ws.send(JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: ++this.seq, d: data }));
    const [shardId, shardCount] = (Array.isArray(d.shard) ? d.shard : [0, 1]) as [number, number];
    const owned = this.guilds.filter((g) => shardOf(g.id, shardCount) === shardId);
    send('READY', {
      v: 10,
      user: this.botUser,
      guilds: owned.map((g) => ({ id: g.id, unavailable: true })),
      session_id: randomBytes(8).toString('hex'),
      resume_gateway_url: `ws://127.0.0.1:${this.port}/gateway`,
      application: { id: this.appId, flags: 0 },
      shard: [shardId, shardCount],
    });
    for (const g of owned) {
      send('GUILD_CREATE', {
        id: g.id,
        name: g.name,
        owner_id: this.users.alice.id,
        unavailable: false,
        member_count: 4,
        roles: [
          {
            id: g.id,
            name: '@everyone',
            permissions: '2248473465835073',
            position: 0,
            color: 0,
            hoist: false,
            managed: false,
            mentionable: false,
            flags: 0,
          },
          ...(g.id === this.guildId ? [...this.roles.values()] : []),
        ],
        channels: [
          { id: g.channelId, type: 0, name: 'general', guild_id: g.id, position: 0, permission_overwrites: [] },
          ...(g.id === this.guildId
            ? [
                {
                  id: this.otherChannelId,
                  type: 0,
                  name: 'random',
                  guild_id: g.id,
                  position: 1,
                  permission_overwrites: [],
                },
              ]
            : []),
        ],
        // Every member only with the GuildMembers intent (1 << 1); otherwise Discord sends the bot's own.
        members: (this.intents & (1 << 1) ? [this.botUser, ...Object.values(this.users)] : [this.botUser]).map((u) =>
          this.member(u),
        ),
        threads: [],
        emojis: [],
        stickers: [],
        features: [],
      });
    }
    this.notify();
  }

  // ---- REST --------------------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.split('/').map(decodeURIComponent).join('/');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    let body: Json | null = null;
    if (raw.length > 0) {
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('multipart/form-data')) {
        const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
        body = JSON.parse(String(form.get('payload_json') ?? '{}')) as Json;
      } else body = JSON.parse(raw.toString('utf8')) as Json;
    }
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, body, at: performance.now() });
    const send = (status: number, data?: unknown) => {
      // A 204 has no body and no content type, or clients try to parse the nothing as JSON.
      res.writeHead(status, data === undefined ? {} : { 'content-type': 'application/json' });
      res.end(data === undefined ? undefined : JSON.stringify(data));
      this.notify();
    };
    // Discord's shape: errors nested by field path (discord.js flattens them into the error's message).
    const invalid = (problems: string[]) =>
      send(400, { code: 50035, message: 'Invalid Form Body', errors: formErrors(problems) });
    const route = path.replace(/^\/api\/v\d+/, '');
    let m: RegExpExecArray | null;
    for (const fault of [...this.interceptors]) {
      if (await fault({ method, route, body }, res)) return this.notify();
    }
    // Discord checks every body against its schemas before acting on it.
    const problems = requestSchema(method, route, body)
      ? [
          ...specProblems(method, route, body),
          ...this.limitProblems(method, route, body),
          ...componentRuleProblems(body),
        ]
      : [];
    if (problems.length > 0) {
      const errors = nestErrors(problems);
      this.refused.push({ method, path, errors });
      const callback = /^\/interactions\/(\d+)\//.exec(route);
      if (callback) this.interactions.get(callback[1]!)?.statuses.push(400);
      return send(400, { code: 50035, message: 'Invalid Form Body', errors });
    }

    if (method === 'GET' && route === '/gateway/bot') {
      return send(200, {
        url: `ws://127.0.0.1:${this.port}/gateway`,
        shards: this.gatewayAdvice.shards,
        session_start_limit: {
          total: 1000,
          remaining: 999,
          reset_after: 0,
          max_concurrency: this.gatewayAdvice.maxConcurrency,
        },
      });
    }
    if (method === 'GET' && route === '/users/@me') return send(200, this.botUser);
    if (method === 'GET' && route === '/oauth2/applications/@me')
      return send(200, { id: this.appId, name: 'Newsdesk' });

    if ((m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(route))) {
      if (method === 'PUT') {
        this.commands.splice(
          0,
          this.commands.length,
          ...((body as unknown as Json[]) ?? []).map((c) => ({
            ...c,
            id: snowflake(),
            application_id: m![1],
            guild_id: m![2],
          })),
        );
        return send(200, this.commands);
      }
      if (method === 'GET') return send(200, this.commands);
    }

    if (method === 'POST' && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route))) {
      const rec = this.interactions.get(m[1]!);
      if (!rec || rec.token !== m[2]) return send(404, { code: 10062, message: 'Unknown interaction' });
      const elapsed = performance.now() - rec.dispatchedAt;
      if (rec.callbacks.length > 0) {
        rec.statuses.push(400);
        return send(400, { code: 40060, message: 'Interaction has already been acknowledged.' });
      }
      if (elapsed > this.ackTimeoutMs) {
        rec.statuses.push(404);
        return send(404, { code: 10062, message: 'Unknown interaction' });
      }
      const data = (body?.data ?? {}) as Json;
      const problems =
        body?.type === 8
          ? choiceProblems(data.choices)
          : body?.type === 4 || body?.type === 7
            ? messageProblems(data)
            : [];
      if (problems.length) {
        rec.statuses.push(400);
        return invalid(problems);
      }
      rec.callbacks.push(body ?? {});
      rec.statuses.push(204);
      rec.firstResponseMs = elapsed;
      if (body?.type === 4 || body?.type === 5)
        this.storeOriginal(rec, body.type === 4 ? data : { content: '', flags: data.flags });
      if (body?.type === 7) {
        const target = rec.messageId ? this.messagesById.get(rec.messageId) : undefined;
        if (target) Object.assign(target, this.messageFields(data, target));
      }
      if (url.searchParams.get('with_response') === 'true') {
        const original = this.original(rec.id);
        return send(200, {
          interaction: { id: rec.id, type: rec.type },
          resource: { type: body?.type, ...(original ? { message: original } : {}) },
        });
      }
      return send(204);
    }

    if ((m = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/.exec(route))) {
      const rec = [...this.interactions.values()].find((r) => r.token === m![2]);
      if (!rec) return send(404, { code: 10015, message: 'Unknown Webhook' });
      if (performance.now() - rec.dispatchedAt > 15 * 60_000)
        return send(401, { code: 50027, message: 'Invalid Webhook Token' });
      const target = m[3] === '@original' ? this.original(rec.id) : m[3] ? this.messagesById.get(m[3]) : undefined;
      if (method === 'POST' && !m[3]) {
        const problems = messageProblems(body ?? {});
        if (problems.length) return invalid(problems);
        return send(
          200,
          this.storeMessage({
            ...this.messageFields(body ?? {}),
            channel_id: rec.channelId ?? this.channelId,
            interaction_id: rec.id,
          }),
        );
      }
      if (!target) return send(404, { code: 10008, message: 'Unknown Message' });
      if (method === 'GET') return send(200, target);
      if (method === 'DELETE') {
        this.messagesById.delete(target.id);
        return send(204);
      }
      if (method === 'PATCH') {
        const problems = messageProblems({ ...target, ...(body ?? {}) });
        if (problems.length) return invalid(problems);
        Object.assign(target, this.messageFields(body ?? {}, target));
        return send(200, target);
      }
    }

    if ((m = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(route))) {
      if (method === 'POST' && !m[2] && this.refusing.has(m[1]!))
        return send(403, { code: 50013, message: 'Missing Permissions' });
      const dmWith = [...this.dmChannels.values()].find((d) => d.id === m![1])?.user;
      if (method === 'POST' && !m[2] && dmWith && this.closedDms.has(dmWith.id))
        return send(403, { code: 50007, message: 'Cannot send messages to this user' });
      if (!this.channelData(m[1]!)) return send(404, { code: 10003, message: 'Unknown Channel' });
      if (method === 'GET' && !m[2]) {
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), 100);
        return send(
          200,
          this.messages(m[1]!)
            .reverse()
            .slice(0, limit)
            .map((x) => ({
              ...x,
              timestamp: new Date().toISOString(),
              edited_timestamp: null,
              mentions: [],
              mention_roles: [],
              attachments: [],
              tts: false,
              mention_everyone: false,
              pinned: false,
              type: 0,
            })),
        );
      }
      if (method === 'POST' && !m[2]) {
        const problems = messageProblems(body ?? {});
        if (problems.length) return invalid(problems);
        // Like Discord: with enforce_nonce, a nonce seen in this channel in the last few minutes
        // returns the message it made instead of posting again.
        const nonce =
          typeof body?.nonce === 'string' || typeof body?.nonce === 'number' ? String(body.nonce) : undefined;
        if (nonce && body?.enforce_nonce === true) {
          const earlier = this.messages(m[1]!).find((x) => x.nonce === nonce);
          if (earlier) return send(200, earlier);
        }
        const msg = this.storeMessage({ ...this.messageFields(body ?? {}), channel_id: m[1]! });
        if (nonce) msg.nonce = nonce;
        const ref = body?.message_reference as Json | undefined;
        if (ref) {
          msg.message_reference = ref;
          msg.type = 19;
        }
        const echo = {
          ...msg,
          mentions: [],
          mention_roles: [],
          attachments: [],
          timestamp: new Date().toISOString(),
          tts: false,
          mention_everyone: false,
          pinned: false,
          type: ref ? 19 : 0,
        };
        if (!this.dmChannelData(m[1]!))
          this.dispatch('MESSAGE_CREATE', { ...echo, guild_id: this.guildOfChannel(m[1]!) });
        else if (this.intents & (1 << 12)) this.dispatch('MESSAGE_CREATE', { ...echo, channel_type: 1 });
        return send(200, msg);
      }
      const target = m[2] ? this.messagesById.get(m[2]) : undefined;
      if (!target) return send(404, { code: 10008, message: 'Unknown Message' });
      if (method === 'GET') return send(200, target);
      if (method === 'PATCH') {
        const problems = messageProblems({ ...target, ...(body ?? {}) });
        if (problems.length) return invalid(problems);
        Object.assign(target, this.messageFields(body ?? {}, target));
        return send(200, target);
      }
      if (method === 'DELETE') {
        this.messagesById.delete(target.id);
        return send(204);
      }
    }
    if (method === 'GET' && (m = /^\/channels\/(\d+)$/.exec(route))) {
      const channel = this.channelData(m[1]!);
      return channel ? send(200, channel) : send(404, { code: 10003, message: 'Unknown Channel' });
    }
    if (method === 'POST' && route === '/users/@me/channels') {
      const who =
        [...Object.values(this.users), ...[...this.dmChannels.values()].map((d) => d.user)].find(
          (u) => u.id === body?.recipient_id,
        ) ?? user(String(body?.recipient_id), 'someone');
      return send(200, this.dmChannelData(this.dmChannel(who)));
    }
    if (
      (method === 'PUT' || method === 'DELETE') &&
      (m = /^\/guilds\/(\d+)\/members\/(\d+)\/roles\/(\d+)$/.exec(route))
    ) {
      if (this.departed.has(m[2]!)) return send(404, { code: 10007, message: 'Unknown Member' });
      if (!this.roles.has(m[3]!)) return send(404, { code: 10011, message: 'Unknown Role' });
      const key = `${m[1]}/${m[2]}`;
      const held = this.rolesHeld.get(key) ?? new Set<string>();
      this.rolesHeld.set(key, held);
      if (method === 'PUT') held.add(m[3]!);
      else held.delete(m[3]!);
      return send(204);
    }
    if (method === 'GET' && (m = /^\/guilds\/(\d+)\/members\/(\d+)$/.exec(route))) {
      const who = [...Object.values(this.users), ...this.newUsers].find((u) => u.id === m![2]);
      if (!who || this.departed.has(who.id)) return send(404, { code: 10007, message: 'Unknown Member' });
      return send(200, this.member(who));
    }
    if (method === 'GET' && (m = /^\/guilds\/(\d+)$/.exec(route)))
      return send(200, { id: m[1], name: 'Test guild', roles: [], emojis: [], features: [] });

    this.unknownRoutes.push(`${method} ${path}`);
    return send(404, { code: 0, message: '404: Not Found' });
  }

  /** Discord's limits the schemas do not state (an edit's are checked with the message it edits, in its route). */
  private limitProblems(method: string, route: string, body: Json | null): ReturnType<typeof formProblems> {
    if (method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(route)) {
      const data = (body?.data ?? {}) as Json;
      if (body?.type === 8) return formProblems(choiceProblems(data.choices), ['data']);
      return body?.type === 4 || body?.type === 7 ? formProblems(messageProblems(data), ['data']) : [];
    }
    if (method === 'POST' && (/^\/webhooks\/\d+\/[^/]+$/.test(route) || /^\/channels\/\d+\/messages$/.test(route)))
      return formProblems(messageProblems(body ?? {}));
    return [];
  }

  private messageFields(body: Json, base?: StoredMessage): Partial<StoredMessage> {
    const out: Partial<StoredMessage> = {};
    if ('content' in body || !base) out.content = typeof body.content === 'string' ? body.content : '';
    if ('embeds' in body || !base) out.embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
    if ('components' in body || !base)
      out.components = Array.isArray(body.components) ? (body.components as Json[]) : [];
    if ('flags' in body || !base) out.flags = Number(body.flags ?? base?.flags ?? 0);
    if ('allowed_mentions' in body) out.allowed_mentions = body.allowed_mentions as Json;
    else if (!base) delete out.allowed_mentions;
    return out;
  }

  private storeMessage(fields: Partial<StoredMessage> & { channel_id: string }): StoredMessage {
    // The fields Discord always sends with a message.
    const always = {
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      type: 0,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      pinned: false,
    };
    const msg = {
      id: snowflake(),
      author: this.botUser,
      content: '',
      embeds: [],
      components: [],
      flags: 0,
      ...always,
      ...fields,
    } as StoredMessage;
    this.messagesById.set(msg.id, msg);
    return msg;
  }

  private storeOriginal(rec: InteractionRecord, data: Json): void {
    const msg = this.storeMessage({
      ...this.messageFields(data),
      channel_id: rec.channelId ?? this.channelId,
      interaction_id: rec.id,
    });
    this.originals.set(rec.id, msg.id);
  }
}

/** Starts a double on a random port of 127.0.0.1. */
export async function startDiscordDouble(options: DoubleOptions = {}): Promise<DiscordDouble> {
  return new DiscordDouble(options).listen();
}
