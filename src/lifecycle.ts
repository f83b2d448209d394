import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * What never reaches a log line: tokens (also as the config's DISCORD_TOKEN, should the config be
 * logged), authorization headers, and the request URL and body of a failed Discord call (an
 * interaction callback's URL carries that interaction's token).
 */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'DISCORD_TOKEN',
  '*.DISCORD_TOKEN',
  'headers.authorization',
  '*.headers.authorization',
  'err.url',
  'err.requestBody',
];

/** The process's logger: JSON lines on stdout (or `destination`), secrets redacted. */
export function createLogger(
  level: string,
  bindings?: Record<string, unknown>,
  destination?: DestinationStream,
): Logger {
  const logger = destination
    ? pino({ level, redact: REDACT_PATHS }, destination)
    : pino({ level, redact: REDACT_PATHS });
  return bindings ? logger.child(bindings) : logger;
}

/**
 * Stops cleanly on SIGTERM or SIGINT (and, for a child process, when its parent goes away):
 * runs `stop` once, logs, and exits 0, or 1 if stopping failed.
 */
export function exitOnSignals(
  logger: Logger,
  stop: () => Promise<void>,
  options: { onDisconnect?: boolean } = {},
): void {
  let stopping = false;
  const exit = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => exit('SIGTERM'));
  process.once('SIGINT', () => exit('SIGINT'));
  // A shard whose manager is gone (crashed or killed) would never be stopped or respawned.
  if (options.onDisconnect) process.once('disconnect', () => exit('manager gone'));
}
