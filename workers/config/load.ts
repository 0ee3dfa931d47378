// Parsing [vars.GROUPS] once per isolate into a table of validated groups, or one clear error.
import type { GroupSettings } from '../core/types.js';
import { type GroupDefinition, GroupsSchema, toGroupSettings } from './groups.js';
import { describeIssues } from './issues.js';

export interface GroupEntry {
  readonly name: string;
  /** The group's definition from wrangler.toml (not a committed `Config`). */
  readonly config: GroupDefinition;
  readonly settings: GroupSettings;
}

export type GroupTable = ReadonlyMap<string, GroupEntry>;

export type LoadedGroups =
  | { readonly ok: true; readonly groups: GroupTable }
  | { readonly ok: false; readonly error: string; readonly issues: readonly string[] };

function failure(issues: readonly string[]): LoadedGroups {
  return { ok: false, error: issues.join('; '), issues };
}

/**
 * Validates the raw GROUPS value (an object from wrangler.toml, or a JSON string from
 * `.dev.vars` or the dashboard). Every problem names its field, e.g.
 * `GROUPS.mymaster.quorum: Too small: expected number to be >=1`.
 */
export function parseGroups(raw: unknown): LoadedGroups {
  let value = raw;
  if (raw === undefined || raw === null) {
    return failure(['GROUPS: not set (declare groups under [vars.GROUPS.<name>] in wrangler.toml)']);
  }
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return failure(['GROUPS: is a string but not valid JSON']);
    }
  }
  const parsed = GroupsSchema.safeParse(value);
  if (!parsed.success) return failure(describeIssues('GROUPS', parsed.error));
  const groups = new Map<string, GroupEntry>();
  for (const [name, config] of Object.entries(parsed.data).sort(([a], [b]) => a.localeCompare(b))) {
    groups.set(name, { name, config, settings: toGroupSettings(name, config) });
  }
  return { ok: true, groups };
}

/** Per isolate, each distinct GROUPS value (object identity or string) is validated only once. */
const byObject = new WeakMap<object, LoadedGroups>();
const byString = new Map<string, LoadedGroups>();

export function loadGroups(env: { readonly GROUPS: unknown }): LoadedGroups {
  const raw = env.GROUPS;
  if (typeof raw === 'object' && raw !== null) {
    const cached = byObject.get(raw);
    if (cached !== undefined) return cached;
    const loaded = parseGroups(raw);
    byObject.set(raw, loaded);
    return loaded;
  }
  if (typeof raw === 'string') {
    const cached = byString.get(raw);
    if (cached !== undefined) return cached;
    const loaded = parseGroups(raw);
    // One deployment has one GROUPS value; bound the cache anyway.
    if (byString.size >= 4) byString.clear();
    byString.set(raw, loaded);
    return loaded;
  }
  return parseGroups(raw);
}
