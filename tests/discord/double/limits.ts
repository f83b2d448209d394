/**
 * Discord's documented limits, as the double enforces them. Kept apart from the bot's own
 * constants (src/discord/limits.ts) on purpose: the double checks the bot independently.
 */
export const LIMITS = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedsTotal: 6000,
  actionRows: 5,
  rowComponents: 5,
  customId: 100,
  buttonLabel: 80,
  choices: 25,
  choiceName: 100,
  choiceValue: 100,
} as const;

type Json = Record<string, unknown>;

/** Checks a message body against Discord's limits; returns the problems (empty when valid). */
export function messageProblems(body: Json): string[] {
  const problems: string[] = [];
  const content = typeof body.content === 'string' ? body.content : '';
  if (content.length > LIMITS.content) problems.push(`content: ${content.length} > ${LIMITS.content}`);
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
  if (embeds.length > LIMITS.embeds) problems.push(`embeds: ${embeds.length} > ${LIMITS.embeds}`);
  let total = 0;
  embeds.forEach((e, i) => {
    const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);
    const check = (name: string, v: unknown, max: number) => {
      if (len(v) > max) problems.push(`embeds[${i}].${name}: ${len(v)} > ${max}`);
      total += len(v);
    };
    check('title', e.title, LIMITS.embedTitle);
    check('description', e.description, LIMITS.embedDescription);
    check('footer.text', (e.footer as Json | undefined)?.text, LIMITS.footer);
    check('author.name', (e.author as Json | undefined)?.name, LIMITS.author);
    const fields = Array.isArray(e.fields) ? (e.fields as Json[]) : [];
    if (fields.length > LIMITS.embedFields)
      problems.push(`embeds[${i}].fields: ${fields.length} > ${LIMITS.embedFields}`);
    fields.forEach((f, j) => {
      check(`fields[${j}].name`, f.name, LIMITS.fieldName);
      check(`fields[${j}].value`, f.value, LIMITS.fieldValue);
    });
  });
  if (total > LIMITS.embedsTotal) problems.push(`embeds total: ${total} > ${LIMITS.embedsTotal}`);
  const rows = Array.isArray(body.components) ? (body.components as Json[]) : [];
  if (rows.length > LIMITS.actionRows) problems.push(`components: ${rows.length} > ${LIMITS.actionRows}`);
  rows.forEach((row, i) => {
    const comps = Array.isArray(row.components) ? (row.components as Json[]) : [];
    if (comps.length > LIMITS.rowComponents)
      problems.push(`components[${i}]: ${comps.length} > ${LIMITS.rowComponents}`);
    comps.forEach((c, j) => {
      if (typeof c.custom_id === 'string' && c.custom_id.length > LIMITS.customId)
        problems.push(`components[${i}][${j}].custom_id: ${c.custom_id.length} > ${LIMITS.customId}`);
      if (typeof c.label === 'string' && c.label.length > LIMITS.buttonLabel)
        problems.push(`components[${i}][${j}].label: ${c.label.length} > ${LIMITS.buttonLabel}`);
    });
  });
  return problems;
}

/** Checks autocomplete choices against Discord's limits. */
export function choiceProblems(choices: unknown): string[] {
  if (!Array.isArray(choices)) return ['choices: not an array'];
  const problems: string[] = [];
  if (choices.length > LIMITS.choices) problems.push(`choices: ${choices.length} > ${LIMITS.choices}`);
  (choices as Json[]).forEach((c, i) => {
    const name = String(c.name ?? '');
    if (name.length < 1 || name.length > LIMITS.choiceName) problems.push(`choices[${i}].name: length ${name.length}`);
    if (typeof c.value === 'string' && c.value.length > LIMITS.choiceValue)
      problems.push(`choices[${i}].value: length ${c.value.length}`);
  });
  return problems;
}

/** Whom Discord would notify for a message, given its content and allowed_mentions (absent: parse everything). */
export function pingsOf(
  content: string,
  allowedMentions: Json | undefined,
): { everyone: boolean; users: string[]; roles: string[] } {
  const parse =
    allowedMentions === undefined
      ? ['everyone', 'users', 'roles']
      : Array.isArray(allowedMentions.parse)
        ? (allowedMentions.parse as string[])
        : [];
  const users = Array.isArray(allowedMentions?.users) ? (allowedMentions.users as string[]) : [];
  const roles = Array.isArray(allowedMentions?.roles) ? (allowedMentions.roles as string[]) : [];
  return {
    everyone: parse.includes('everyone') && /@(everyone|here)/.test(content),
    users: [...content.matchAll(/<@!?(\d+)>/g)]
      .map((m) => m[1]!)
      .filter((id) => parse.includes('users') || users.includes(id)),
    roles: [...content.matchAll(/<@&(\d+)>/g)]
      .map((m) => m[1]!)
      .filter((id) => parse.includes('roles') || roles.includes(id)),
  };
}

/** Whether Discord would ping anyone for this message. */
export function wouldPing(content: string, allowedMentions: Json | undefined): boolean {
  const p = pingsOf(content, allowedMentions);
  return p.everyone || p.users.length > 0 || p.roles.length > 0;
}

/** One problem in the form Discord's 50035 body nests: the field's path, a code and a message. */
export interface FormProblem {
  path: readonly PropertyKey[];
  code: string;
  message: string;
}

type FormErrors = { _errors?: Array<{ code: string; message: string }>; [key: string]: unknown };

/**
 * Problems ("embeds[0].title: 257 > 256") as paths on the wire under `prefix` (`['data']` for an
 * interaction callback). Action rows nest their components under `components`, and a total over a
 * limit belongs to the list itself.
 */
export function formProblems(problems: readonly string[], prefix: readonly PropertyKey[] = []): FormProblem[] {
  return problems.map((p) => {
    const at = p.indexOf(': ');
    const total = / total$/.test(p.slice(0, at));
    const path = p.slice(0, at).replace(/ total$/, '');
    const detail = p.slice(at + 2);
    const keys = path.split(/\.|\[(\d+)\]/).filter((k): k is string => k !== undefined && k !== '');
    // components[i][j] is components.i.components.j on the wire.
    const wire = keys.flatMap((k, i) =>
      keys[0] === 'components' && i === 2 && /^\d+$/.test(k) ? ['components', k] : [k],
    );
    const over = /^(?:length )?(\d+)(?: > (\d+))?$/.exec(detail);
    if (total)
      return {
        path: [...prefix, ...wire],
        code: 'MAX_EMBED_SIZE_EXCEEDED',
        message: `Embed size exceeds maximum size of ${over?.[2] ?? ''}`,
      };
    return {
      path: [...prefix, ...wire],
      code: 'BASE_TYPE_MAX_LENGTH',
      message: over?.[2] ? `Must be ${over[2]} or fewer in length.` : detail,
    };
  });
}

/** Problems as the `errors` of Discord's 50035 body: an object nested by field path, each field's `_errors` a list of `{ code, message }`. */
export function nestErrors(problems: readonly FormProblem[]): FormErrors {
  const root: FormErrors = {};
  const seen = new Set<string>();
  for (const p of problems) {
    // The schema and the limits can both object to one field: Discord reports it once.
    const key = `${p.path.join('.')}|${p.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let node = root;
    for (const k of p.path) node = (node[String(k)] ??= {}) as FormErrors;
    (node._errors ??= []).push({ code: p.code, message: p.message });
  }
  return root;
}

/** `formProblems` nested as Discord's 50035 `errors`. */
export function formErrors(problems: readonly string[], prefix: readonly PropertyKey[] = []): FormErrors {
  return nestErrors(formProblems(problems, prefix));
}
