import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/discord/bot.js';
import { startDiscordDouble, type DiscordDouble } from './double/server.js';

// The double refuses what Discord refuses: each kind of body the bot sends, broken one way, gets
// Discord's 400 Invalid Form Body with the field named; the same body made valid goes through.
describe('the double validates request bodies against Discord’s published schemas', () => {
  let discord: DiscordDouble;
  beforeAll(async () => {
    discord = await startDiscordDouble({ expectRefusals: true });
  });
  afterAll(() => discord.close());

  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${discord.apiBase}/v10${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as Record<string, unknown>) };
  };
  const refusal = (errors: unknown) => ({ status: 400, body: { code: 50035, message: 'Invalid Form Body', errors } });

  it('message create: an embed url that is not a URL', async () => {
    const path = `/channels/${discord.channelId}/messages`;
    expect(await call('POST', path, { content: 'hi', embeds: [{ title: 't', url: 'not a url' }] })).toEqual(
      refusal({
        embeds: { '0': { url: { _errors: [{ code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' }] } } },
      }),
    );
    expect(
      (await call('POST', path, { content: 'hi', embeds: [{ title: 't', url: 'https://example.com/a' }] })).status,
    ).toBe(200);
  });

  it('interaction callback: a button without a style, and a type the route does not take', async () => {
    const rec = discord.runSlashCommand('ask');
    const path = `/interactions/${rec.id}/${rec.token}/callback`;
    const button = { type: 2, custom_id: 'x', label: 'More' };
    const bad = await call('POST', path, {
      type: 4,
      data: { content: 'a', components: [{ type: 1, components: [button] }] },
    });
    expect(bad).toEqual(
      refusal({
        data: {
          components: {
            '0': {
              components: {
                '0': { style: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] } },
              },
            },
          },
        },
      }),
    );
    expect((await call('POST', path, { type: 3 })).body).toMatchObject({
      code: 50035,
      errors: { type: { _errors: [{ code: 'BASE_TYPE_CHOICES' }] } },
    });
    // Refused bodies do not acknowledge the interaction: a valid one still can.
    expect(rec.statuses).toEqual([400, 400]);
    expect(
      (
        await call('POST', path, {
          type: 4,
          data: { content: 'a', components: [{ type: 1, components: [{ ...button, style: 1 }] }] },
        })
      ).status,
    ).toBe(204);
  });

  it('interaction callback: duplicate custom ids in one message', async () => {
    const rec = discord.runSlashCommand('ask');
    const b = { type: 2, style: 2, custom_id: 'same', label: 'x' };
    expect(
      await call('POST', `/interactions/${rec.id}/${rec.token}/callback`, {
        type: 4,
        data: { components: [{ type: 1, components: [b, b] }] },
      }),
    ).toEqual(
      refusal({
        data: {
          components: {
            '0': {
              components: {
                '1': {
                  custom_id: {
                    _errors: [
                      { code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' },
                    ],
                  },
                },
              },
            },
          },
        },
      }),
    );
  });

  it('webhook edit and follow-up: content over 2000 characters, allowed_mentions.parse with an unknown kind', async () => {
    const rec = discord.runSlashCommand('ask');
    expect((await call('POST', `/interactions/${rec.id}/${rec.token}/callback`, { type: 5 })).status).toBe(204);
    const edit = await call('PATCH', `/webhooks/${discord.appId}/${rec.token}/messages/@original`, {
      content: 'x'.repeat(2001),
    });
    expect(edit).toEqual(
      refusal({
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      }),
    );
    const followUp = await call('POST', `/webhooks/${discord.appId}/${rec.token}`, {
      content: 'ok',
      allowed_mentions: { parse: ['nobody'] },
    });
    expect(followUp.body).toMatchObject({
      code: 50035,
      errors: { allowed_mentions: { parse: { '0': { _errors: [{ code: 'BASE_TYPE_CHOICES' }] } } } },
    });
    expect(
      (
        await call('POST', `/webhooks/${discord.appId}/${rec.token}`, {
          content: 'ok',
          allowed_mentions: { parse: [] },
        })
      ).status,
    ).toBe(200);
  });

  it('command registration: a 33-character name, a max_length over 6000; the bot’s own commands pass', async () => {
    const path = `/applications/${discord.appId}/commands`;
    expect(await call('PUT', path, [{ name: 'n'.repeat(33), description: 'd' }])).toEqual(
      refusal({
        '0': { name: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 32 or fewer in length.' }] } },
      }),
    );
    expect(
      await call('PUT', path, [
        { name: 'ask', description: 'd', options: [{ type: 3, name: 'q', description: 'q', max_length: 7000 }] },
      ]),
    ).toMatchObject({ status: 400, body: { errors: { '0': { options: { '0': { max_length: {} } } } } } });
    const ok = await call('PUT', path, JSON.parse(JSON.stringify(COMMANDS)));
    expect(ok.status).toBe(200);
  });

  it('fails the test on close when a request was refused that the test did not expect', async () => {
    const strict = await startDiscordDouble();
    await fetch(`${strict.apiBase}/v10/channels/${strict.channelId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ embeds: [{ url: 'nope' }] }),
    });
    await expect(strict.close()).rejects.toThrow(
      `the bot sent 1 request(s) Discord would refuse:\nPOST /api/v10/channels/${strict.channelId}/messages`,
    );
  });
});
