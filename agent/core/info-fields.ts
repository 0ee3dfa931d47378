// INFO text to fields: `# Section` blocks of `field:value` lines, and the typed readers of one field.

/** Full `INFO` of a busy node is a few kilobytes; anything far larger is not INFO. */
export const MAX_INFO_CHARS = 1_048_576;
export const MAX_INFO_LINES = 20_000;

export type Fields = ReadonlyMap<string, string>;
export type Read<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

export const ok = <T>(value: T): Read<T> => ({ ok: true, value });
export const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

/** Splits text into `# Section` blocks of `field:value` lines, keyed by lower-case section name. */
export function splitSections(text: string): Read<Map<string, Map<string, string>>> {
  if (typeof text !== 'string' || text.trim() === '') return fail('INFO text is empty');
  if (text.length > MAX_INFO_CHARS) return fail(`INFO text too large: limit is ${MAX_INFO_CHARS} characters`);
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_INFO_LINES) return fail(`INFO text has more than ${MAX_INFO_LINES} lines`);
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      // Redis's section headers are one word ("# Replication"); any other `#` line is a comment.
      const header = /^#\s*([A-Za-z][A-Za-z0-9_]*)$/.exec(line);
      if (header?.[1] !== undefined) {
        const name = header[1].toLowerCase();
        current = sections.get(name) ?? new Map<string, string>();
        sections.set(name, current);
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0)
      return fail(`line ${index + 1} is not "field:value": ${JSON.stringify(line.slice(0, 80))}`);
    // Fields before any header belong to no section we read; Redis always prints headers.
    current?.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return ok(sections);
}

export function parseProps(value: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) props.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return props;
}

export function toInt(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d{1,16}$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

export function requireString(fields: Fields, name: string): Read<string> {
  const value = fields.get(name);
  if (value === undefined || value === '') return fail(`missing field ${name}`);
  return ok(value);
}

export function requireInt(
  fields: Fields,
  name: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): Read<number> {
  const text = fields.get(name);
  if (text === undefined) return fail(`missing field ${name}`);
  const value = toInt(text);
  if (value === null || value < min || value > max) {
    return fail(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return ok(value);
}

/** An optional integer field, read under its new name first and then its legacy (`slave_`) one. */
export function optionalInt(
  fields: Fields,
  name: string,
  fallback: number,
  legacyName?: string,
): Read<number> {
  const key = fields.has(name)
    ? name
    : legacyName !== undefined && fields.has(legacyName)
      ? legacyName
      : null;
  if (key === null) return ok(fallback);
  const text = fields.get(key) ?? '';
  const value = toInt(text);
  return value === null
    ? fail(`${key} must be an integer, got ${JSON.stringify(text.slice(0, 40))}`)
    : ok(value);
}
