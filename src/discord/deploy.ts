import 'dotenv/config';
import { REST } from 'discord.js';
import { ApplicationCommandType, Routes, type RESTGetAPIOAuth2CurrentApplicationResult } from 'discord-api-types/v10';
import { parseFlags, runCommand } from '../commandLine.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { COMMANDS } from './bot.js';

/** Registers the slash commands: to DISCORD_GUILD_ID when set (instant), else globally. */
export async function deployCommands(config: Config, log: (line: string) => void = console.log): Promise<void> {
  if (!config.DISCORD_TOKEN) throw new ConfigError(['DISCORD_TOKEN: required to register commands']);
  const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(config.DISCORD_TOKEN);
  const appId =
    config.DISCORD_APPLICATION_ID ??
    ((await rest.get(Routes.oauth2CurrentApplication())) as RESTGetAPIOAuth2CurrentApplicationResult).id;
  const route = config.DISCORD_GUILD_ID
    ? Routes.applicationGuildCommands(appId, config.DISCORD_GUILD_ID)
    : Routes.applicationCommands(appId);
  await rest.put(route, { body: COMMANDS });
  log(
    `Registered ${COMMANDS.map((c) => (c.type === ApplicationCommandType.Message ? `“${c.name}” (message menu)` : `/${c.name}`)).join(', ')} ${config.DISCORD_GUILD_ID ? `in guild ${config.DISCORD_GUILD_ID}` : 'globally (may take up to an hour to appear)'}.`,
  );
}

export const DEPLOY_USAGE = `Usage:
  npm run deploy:commands
  Registers the slash commands with Discord: in DISCORD_GUILD_ID when set (at once), else globally
  (up to an hour). Needs DISCORD_TOKEN; DISCORD_APPLICATION_ID is asked of Discord when unset.
Options:
  -h, --help       this help`;

if (import.meta.url === `file://${process.argv[1]}`) {
  // loadConfig inside the command, so a bad token or id is one line naming the variable, not a stack trace.
  runCommand('deploy:commands', async () => {
    const { values } = parseFlags({
      args: process.argv.slice(2),
      options: { help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      process.stdout.write(`${DEPLOY_USAGE}\n`);
      return 0;
    }
    await deployCommands(loadConfig());
    return 0;
  });
}
