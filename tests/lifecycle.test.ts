import { DiscordAPIError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/lifecycle.js';

describe('createLogger', () => {
  it('keeps tokens out of log lines, including the interaction token in a failed call’s URL', () => {
    const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnNlY3JldA';
    let out = '';
    const logger = createLogger('info', { shard: 0 }, { write: (line: string) => void (out += line) });
    const url = `https://discord.com/api/v10/interactions/123456789012345678/${token}/callback`;
    const err = new DiscordAPIError({ code: 10062, message: 'Unknown interaction' }, 10062, 404, 'POST', url, {
      body: { type: 5, token },
    });
    logger.error({ err, token, headers: { authorization: `Bot ${token}` } }, 'interaction handler failed');
    const line = JSON.parse(out) as {
      err: { message: string; url: string; requestBody: string };
      token: string;
      shard: number;
    };
    expect(line.err.message).toBe('Unknown interaction');
    expect(line.err.url).toBe('[Redacted]');
    expect(line.err.requestBody).toBe('[Redacted]');
    expect(line.token).toBe('[Redacted]');
    expect(line.shard).toBe(0);
    expect(out).not.toContain(token);
  });
});
