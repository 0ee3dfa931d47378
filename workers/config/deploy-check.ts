// Checks of a whole Worker configuration (wrangler.toml as parsed) before deploy: groups, DO binding, migration.
import { parseGroups } from './load.js';

export const VOTER_BINDING = 'VOTER';
export const VOTER_CLASS = 'Voter';

export interface CheckReport {
  readonly problems: readonly string[];
  readonly groups: readonly string[];
}

/** Every problem names the field it is about, so the operator can find it in wrangler.toml. */
export function checkWorkerConfig(raw: unknown): CheckReport {
  const config = asRecord(raw);
  const problems: string[] = [];
  if (typeof config.name !== 'string' || config.name === '') problems.push('name: missing');
  if (typeof config.main !== 'string' || config.main === '')
    problems.push('main: missing (expected "workers/index.ts")');
  if (typeof config.compatibility_date !== 'string') problems.push('compatibility_date: missing');
  problems.push(...checkBinding(config.durable_objects));
  problems.push(...checkMigrations(config.migrations));
  const groups = parseGroups(asRecord(config.vars).GROUPS);
  if (!groups.ok) problems.push(...groups.issues.map((line) => `vars.${line}`));
  return { problems, groups: groups.ok ? [...groups.groups.keys()] : [] };
}

function checkBinding(durableObjects: unknown): string[] {
  const bindings = asRecord(durableObjects).bindings;
  const list = Array.isArray(bindings) ? bindings.map(asRecord) : [];
  const voter = list.find((b) => b.name === VOTER_BINDING);
  if (voter === undefined) {
    return [`durable_objects.bindings: no binding named "${VOTER_BINDING}" (class_name = "${VOTER_CLASS}")`];
  }
  const problems: string[] = [];
  if (voter.class_name !== VOTER_CLASS) {
    problems.push(
      `durable_objects.bindings.${VOTER_BINDING}.class_name: expected "${VOTER_CLASS}", got ${JSON.stringify(voter.class_name)}`,
    );
  }
  if (voter.script_name !== undefined) {
    problems.push(
      `durable_objects.bindings.${VOTER_BINDING}.script_name: the Voter class lives in this Worker; remove it`,
    );
  }
  return problems;
}

/** The Voter class must be created by a migration as a SQLite-backed class and never deleted. */
function checkMigrations(migrations: unknown): string[] {
  const list = Array.isArray(migrations) ? migrations.map(asRecord) : [];
  const includes = (m: Record<string, unknown>, key: string) =>
    Array.isArray(m[key]) && (m[key] as unknown[]).includes(VOTER_CLASS);
  const problems: string[] = [];
  const tags = list.map((m) => m.tag);
  if (new Set(tags).size !== tags.length) problems.push('migrations: tags must be unique');
  list.forEach((m, i) => {
    if (typeof m.tag !== 'string' || m.tag === '') problems.push(`migrations[${i}].tag: missing`);
    if (includes(m, 'new_classes')) {
      problems.push(
        `migrations[${i}].new_classes: "${VOTER_CLASS}" needs SQLite storage; use new_sqlite_classes`,
      );
    }
    if (includes(m, 'deleted_classes')) {
      problems.push(
        `migrations[${i}].deleted_classes: deleting "${VOTER_CLASS}" destroys every group's votes and configs`,
      );
    }
  });
  if (!list.some((m) => includes(m, 'new_sqlite_classes'))) {
    problems.push(`migrations: no migration has new_sqlite_classes = ["${VOTER_CLASS}"]`);
  }
  return problems;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
