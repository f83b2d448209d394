/**
 * Discord's published request schemas (discord/discord-api-spec, as zod schemas from the
 * `discord-api-spec` package), per route the bot uses, so the double refuses what Discord refuses.
 * Discord ignores keys it does not know, so the schemas are not strict.
 */
import {
  ApplicationCommandAutocompleteCallbackRequestSchema,
  ApplicationCommandUpdateRequestSchema,
  CreateMessageInteractionCallbackRequestSchema,
  CreatePrivateChannelRequestSchema,
  IncomingWebhookRequestPartialSchema,
  IncomingWebhookUpdateRequestPartialSchema,
  MessageCreateRequestSchema,
  MessageEditRequestPartialSchema,
  ModalInteractionCallbackRequestSchema,
  PongInteractionCallbackRequestSchema,
  UpdateMessageInteractionCallbackRequestSchema,
} from 'discord-api-spec/zod';
import * as z from 'zod/mini';
import type { FormProblem } from './limits.js';

type Json = Record<string, unknown>;
type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;

/** Discord caps an application's commands (100 slash commands, plus 15 user and 15 message commands). */
const CommandListSchema = z.array(ApplicationCommandUpdateRequestSchema).check(z.maxLength(130));

/** The callback body's schema for its `type`, as the spec's union for the route lists them. */
const CALLBACKS: Record<number, Schema> = {
  1: PongInteractionCallbackRequestSchema,
  4: CreateMessageInteractionCallbackRequestSchema,
  5: CreateMessageInteractionCallbackRequestSchema,
  6: UpdateMessageInteractionCallbackRequestSchema,
  7: UpdateMessageInteractionCallbackRequestSchema,
  8: ApplicationCommandAutocompleteCallbackRequestSchema,
  9: ModalInteractionCallbackRequestSchema,
};

/** The spec's request schema for a route (a path under /api/v10, segments decoded), or undefined when it takes no body we check. */
export function requestSchema(method: string, route: string, body: unknown): Schema | undefined {
  if (method === 'POST' && /^\/channels\/\d+\/messages$/.test(route)) return MessageCreateRequestSchema;
  if (method === 'PATCH' && /^\/channels\/\d+\/messages\/\d+$/.test(route)) return MessageEditRequestPartialSchema;
  if (method === 'POST' && /^\/interactions\/\d+\/[^/]+\/callback$/.test(route)) {
    const type = body && typeof body === 'object' ? (body as Json).type : undefined;
    return (
      CALLBACKS[typeof type === 'number' ? type : -1] ??
      z.object({ type: z.literal(Object.keys(CALLBACKS).map(Number)) })
    );
  }
  if (method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(route)) return IncomingWebhookRequestPartialSchema;
  if (method === 'PATCH' && /^\/webhooks\/\d+\/[^/]+\/messages\/[^/]+$/.test(route))
    return IncomingWebhookUpdateRequestPartialSchema;
  if (method === 'PUT' && /^\/applications\/\d+(?:\/guilds\/\d+)?\/commands$/.test(route)) return CommandListSchema;
  if (method === 'POST' && route === '/users/@me/channels') return CreatePrivateChannelRequestSchema;
  // Adding or removing a member's role takes no body (the spec gives the route none): nothing, or an
  // empty object (what a REST client sends for "no body"), and never anything else.
  if ((method === 'PUT' || method === 'DELETE') && /^\/guilds\/\d+\/members\/\d+\/roles\/\d+$/.test(route))
    return z.nullable(z.strictObject({}));
  return undefined;
}

/** The value at `path` in `root`, if there is one. */
function at(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/**
 * The issues that stand for Discord. The spec types 64-bit integers (permissions) as `integer`,
 * while Discord documents and accepts them as decimal strings (JSON numbers lose precision past
 * 2^53): such a string is no problem.
 */
function realIssues(issues: readonly Issue[], body: unknown, prefix: readonly PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_type' && issue.expected === 'number' && /^\d{1,20}$/.test(String(at(body, path))))
      continue;
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The branch Discord would have taken: the one whose `type` (or shape) matched, i.e. the fewest problems.
      const branches = issue.errors.map((b) => realIssues(b, body, path));
      if (branches.some((b) => b.length === 0)) continue;
      const best = branches.reduce((a, b) => (b.length < a.length ? b : a));
      out.push(...best);
      continue;
    }
    out.push({ ...issue, path } as Issue);
  }
  return out;
}

/** Discord's code and message for one schema problem (the codes Discord's 50035 bodies use). */
function describe(issue: Issue, value: unknown): { code: string; message: string } {
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && value === undefined)
    return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
  switch (issue.code) {
    case 'invalid_type':
      return { code: 'BASE_TYPE_BAD_TYPE', message: `Must be of type ${issue.expected}.` };
    case 'too_big':
      return issue.origin === 'number'
        ? { code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${String(issue.maximum)}.` }
        : { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${String(issue.maximum)} or fewer in length.` };
    case 'too_small':
      return issue.origin === 'number'
        ? { code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${String(issue.minimum)}.` }
        : { code: 'BASE_TYPE_MIN_LENGTH', message: `Must be ${String(issue.minimum)} or more in length.` };
    case 'invalid_format':
      return issue.format === 'url'
        ? { code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' }
        : { code: 'STRING_TYPE_REGEX', message: `String value did not match validation regex.` };
    case 'invalid_value':
      return { code: 'BASE_TYPE_CHOICES', message: `Value must be one of {${issue.values.map(String).join(', ')}}.` };
    default:
      return { code: 'BASE_TYPE_INVALID', message: issue.message };
  }
}

/** One problem Discord would report: the field's path, its code and message. */
export type SpecProblem = FormProblem;

/** The spec's objections to a request body (empty when it is valid, or the route takes no body we check). */
export function specProblems(method: string, route: string, body: unknown): SpecProblem[] {
  const schema = requestSchema(method, route, body);
  if (!schema) return [];
  const result = z.safeParse(schema, body ?? {});
  if (result.success) return [];
  return realIssues(result.error.issues, body).map((i) => ({ path: i.path, ...describe(i, at(body, i.path)) }));
}

/**
 * Rules Discord enforces beyond the schemas: custom ids unique within a message. Returns problems
 * in the `nestErrors` form (empty when there are none).
 */
export function componentRuleProblems(body: Json | null): SpecProblem[] {
  const data = (
    body && typeof body.type === 'number' && body.data && typeof body.data === 'object' ? body.data : body
  ) as Json | null;
  const rows = Array.isArray(data?.components) ? (data.components as Json[]) : [];
  const seen = new Set<string>();
  const out: SpecProblem[] = [];
  const prefix = data === body ? [] : ['data'];
  rows.forEach((row, i) => {
    const comps = Array.isArray(row.components) ? (row.components as Json[]) : [];
    comps.forEach((c, j) => {
      if (typeof c.custom_id !== 'string') return;
      if (seen.has(c.custom_id))
        out.push({
          path: [...prefix, 'components', i, 'components', j, 'custom_id'],
          code: 'COMPONENT_CUSTOM_ID_DUPLICATED',
          message: 'Component custom id cannot be duplicated',
        });
      seen.add(c.custom_id);
    });
  });
  return out;
}
