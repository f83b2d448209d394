import 'dotenv/config';
import { REST } from 'discord.js';
import { Routes, type RESTGetAPIOAuth2CurrentApplicationResult } from 'discord-api-types/v10';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { COMMANDS } from './bot.js';

/** Registers the slash commands: to DISCORD_GUILD_ID when set (instant), else globally. */
export async function deployCommands(config: Config, log: (line: string) => void = console.log): Promise<void> {
  if (!config.DISCORD_TOKEN) throw new ConfigError(['DISCORD_TOKEN: required to register commands']);
  const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(config.DISCORD_TOKEN);
  const appId = config.DISCORD_APPLICATION_ID ?? ((await rest.get(Routes.oauth2CurrentApplication())) as RESTGetAPIOAuth2CurrentApplicationResult).id;
  const route = config.DISCORD_GUILD_ID ? Routes.applicationGuildCommands(appId, config.DISCORD_GUILD_ID) : Routes.applicationCommands(appId);
  await rest.put(route, { body: COMMANDS });
  log(`Registered ${COMMANDS.map((c) => `/${c.name}`).join(', ')} ${config.DISCORD_GUILD_ID ? `in guild ${config.DISCORD_GUILD_ID}` : 'globally (may take up to an hour to appear)'}.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  deployCommands(loadConfig()).catch((err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`}\n`);
    process.exit(1);
  });
}
