// Environment overrides of the agent file: which variable sets which field (documented in agent/README.md).

type Path = readonly (string | number)[];

interface Override {
  readonly variable: string;
  readonly path: Path;
  readonly kind: 'string' | 'number' | 'boolean';
  /** A field that must be removed when this one is set (token replaces tokenFile). */
  readonly replaces?: string;
}

/** Whole-agent fields. Per-group tokens use EDGE_SENTINEL_GROUP_<NAME>_TOKEN (see `groupVariable`). */
export const ENV_OVERRIDES: readonly Override[] = [
  { variable: 'EDGE_SENTINEL_AGENT_ID', path: ['agentId'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_COORDINATOR_URL', path: ['coordinator', 'url'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_TOKEN', path: ['coordinator', 'token'], kind: 'string', replaces: 'tokenFile' },
  {
    variable: 'EDGE_SENTINEL_TOKEN_FILE',
    path: ['coordinator', 'tokenFile'],
    kind: 'string',
    replaces: 'token',
  },
  {
    variable: 'EDGE_SENTINEL_ADMIN_TOKEN',
    path: ['coordinator', 'adminToken'],
    kind: 'string',
    replaces: 'adminTokenFile',
  },
  { variable: 'EDGE_SENTINEL_VOTERS', path: ['voters'], kind: 'number' },
  { variable: 'EDGE_SENTINEL_STATE_DIR', path: ['stateDir'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_LOG_LEVEL', path: ['logLevel'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_SENTINEL_HOST', path: ['sentinel', 'host'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_SENTINEL_PORT', path: ['sentinel', 'port'], kind: 'number' },
  { variable: 'EDGE_SENTINEL_SENTINEL_PASSWORD', path: ['sentinel', 'password'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_SENTINEL_ANNOUNCE', path: ['sentinel', 'announce'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_METRICS_HOST', path: ['metrics', 'host'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_METRICS_PORT', path: ['metrics', 'port'], kind: 'number' },
  { variable: 'EDGE_SENTINEL_FAILSAFE_HOST', path: ['failsafe', 'host'], kind: 'string' },
  { variable: 'EDGE_SENTINEL_FAILSAFE_PORT', path: ['failsafe', 'port'], kind: 'number' },
  {
    variable: 'EDGE_SENTINEL_FAILSAFE_SECRET',
    path: ['failsafe', 'secret'],
    kind: 'string',
    replaces: 'secretFile',
  },
];

/** Sets every group's `local.password` (ACL password of the local node), replacing passwordFile. */
export const REDIS_PASSWORD_VARIABLE = 'EDGE_SENTINEL_REDIS_PASSWORD';

/** `mymaster` -> EDGE_SENTINEL_GROUP_MYMASTER_TOKEN; any character other than A-Z0-9 becomes `_`. */
export function groupVariable(group: string): string {
  return `EDGE_SENTINEL_GROUP_${group.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TOKEN`;
}

export interface Applied {
  /** Joined path ("coordinator.url") -> the variable that set it, to name it in errors. */
  readonly sources: ReadonlyMap<string, string>;
}

type Env = Readonly<Record<string, string | undefined>>;

function coerce(text: string, kind: Override['kind']): unknown {
  // A value that does not look right stays a string, so zod names the variable in its error.
  if (kind === 'number') return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  if (kind === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

function objectAt(root: Record<string, unknown>, path: Path): Record<string, unknown> {
  let node: Record<string, unknown> = root;
  for (const key of path) {
    const next = node[String(key)];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[String(key)] = created;
      node = created;
    }
  }
  return node;
}

/** Mutates `raw` (the parsed YAML, a plain object) with the overrides present in `env`. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: Env): Applied {
  const sources = new Map<string, string>();
  for (const override of ENV_OVERRIDES) {
    const text = env[override.variable];
    if (text === undefined || text === '') continue;
    const parent = objectAt(raw, override.path.slice(0, -1));
    const key = String(override.path[override.path.length - 1]);
    parent[key] = coerce(text, override.kind);
    if (override.replaces !== undefined) delete parent[override.replaces];
    sources.set(override.path.join('.'), override.variable);
  }
  const groups = raw.groups;
  if (!Array.isArray(groups)) return { sources };
  const password = env[REDIS_PASSWORD_VARIABLE];
  groups.forEach((group: unknown, i) => {
    if (typeof group !== 'object' || group === null) return;
    const g = group as Record<string, unknown>;
    if (typeof g.name === 'string') {
      const variable = groupVariable(g.name);
      const token = env[variable];
      if (token !== undefined && token !== '') {
        g.token = token;
        delete g.tokenFile;
        sources.set(`groups.${i}.token`, variable);
      }
    }
    if (password !== undefined && password !== '') {
      const local = objectAt(g, ['local']);
      local.password = password;
      delete local.passwordFile;
      sources.set(`groups.${i}.local.password`, REDIS_PASSWORD_VARIABLE);
    }
  });
  return { sources };
}
