// Parses Redis `INFO` text (server, replication, keyspace) into typed values and maps it to NodeInfo.
//
// This is the edge where Redis's `slave` vocabulary becomes `replica`, once. The parser is pure:
// bad or partial text is an error value, never a throw. It was checked against the real output of
// redis-server 7.0.15 (fixtures in test/fixtures/info/, captured by capture.sh there).
import { formatNodeId } from '../../workers/protocol/index.js';
import type { NodeInfo } from './types.js';

/** Full `INFO` of a busy node is a few kilobytes; anything far larger is not INFO. */
export const MAX_INFO_CHARS = 1_048_576;
const MAX_INFO_LINES = 20_000;

/** Redis's default `replica-priority`; a master does not print its priority at all. */
export const DEFAULT_REPLICA_PRIORITY = 100;

/**
 * `linkDownMs` of a replica whose link has not been up since it started or was last pointed at
 * its master with REPLICAOF (Redis prints `master_link_down_since_seconds:-1`). Its data does not
 * come from this master, so it counts as down for ever and is never chosen for promotion.
 */
export const LINK_NEVER_UP_MS = Number.MAX_SAFE_INTEGER;

export type InfoResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

export interface InfoServer {
  readonly redisVersion: string;
  readonly runId: string;
  readonly tcpPort: number;
  readonly uptimeSeconds: number;
}

/** One `slaveN:` line of a master: a replica as the master sees it. */
export interface ConnectedReplica {
  readonly host: string;
  readonly port: number;
  /** As Redis prints it: `wait_bgsave`, `send_bulk` or `online` (kept raw; other versions may add states). */
  readonly state: string;
  /** The offset the replica last acknowledged (REPLCONF ACK, about once a second). */
  readonly offsetBytes: number;
  readonly lagSeconds: number;
}

export interface InfoReplication {
  /** Redis's `slave` is `replica` here. */
  readonly role: 'master' | 'replica';
  /** For a replica: its master as configured by REPLICAOF; null for a master. */
  readonly masterHost: string | null;
  readonly masterPort: number | null;
  /** `master_link_status:up`; always false for a master, which has no master link. */
  readonly linkUp: boolean;
  /** Seconds the link has been down; null when it is up, for a master, or when it was never up. */
  readonly linkDownSinceSeconds: number | null;
  /** A replica whose link is down and was never up since it started or was last given REPLICAOF. */
  readonly linkNeverUp: boolean;
  /** Seconds since the last interaction with the master; null when unknown (link down, master). */
  readonly lastIoSecondsAgo: number | null;
  readonly syncInProgress: boolean;
  /**
   * A master: `master_repl_offset`. A replica: `slave_repl_offset`, the master's stream it has
   * processed (what Sentinel ranks replicas by), or `master_repl_offset` if a version lacks it.
   * Note: a replica that has never synced reports `slave_repl_offset:1`, not 0.
   */
  readonly offsetBytes: number;
  /** `replica_priority` or `slave_priority`; DEFAULT_REPLICA_PRIORITY when absent (as for masters). */
  readonly replicaPriority: number;
  /** `slave_read_only`; false for a master (it does not print it). */
  readonly readOnly: boolean;
  readonly connectedReplicas: readonly ConnectedReplica[];
  readonly masterReplid: string;
}

export interface DbKeyspace {
  readonly db: number;
  readonly keys: number;
  readonly expires: number;
  readonly avgTtlMs: number;
}

export interface InfoKeyspace {
  readonly keysTotal: number;
  /** Only databases that hold keys (Redis omits empty ones), ordered by db number. */
  readonly perDb: readonly DbKeyspace[];
}

/** Each section is null when the text did not contain it (e.g. `INFO replication` alone). */
export interface ParsedInfo {
  readonly server: InfoServer | null;
  readonly replication: InfoReplication | null;
  readonly keyspace: InfoKeyspace | null;
}

export interface CompleteInfo {
  readonly server: InfoServer;
  readonly replication: InfoReplication;
  readonly keyspace: InfoKeyspace;
}

type Fields = ReadonlyMap<string, string>;
type Read<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

/** Parses INFO text; fails if no known section is present or a present one is malformed. */
export function parseInfo(text: string): InfoResult<ParsedInfo> {
  const split = splitSections(text);
  if (!split.ok) return split;
  const sections = split.value;
  const serverFields = sections.get('server');
  const replicationFields = sections.get('replication');
  const keyspaceFields = sections.get('keyspace');
  if (!serverFields && !replicationFields && !keyspaceFields) {
    return fail('INFO text has none of the sections server, replication, keyspace');
  }
  const server = serverFields ? parseServer(serverFields) : ok(null);
  if (!server.ok) return fail(`INFO server: ${server.error}`);
  const replication = replicationFields ? parseReplication(replicationFields) : ok(null);
  if (!replication.ok) return fail(`INFO replication: ${replication.error}`);
  const keyspace = keyspaceFields ? parseKeyspace(keyspaceFields) : ok(null);
  if (!keyspace.ok) return fail(`INFO keyspace: ${keyspace.error}`);
  return ok({ server: server.value, replication: replication.value, keyspace: keyspace.value });
}

/** Narrows parsed INFO to one that has all three sections toNodeInfo needs. */
export function requireComplete(parsed: ParsedInfo): InfoResult<CompleteInfo> {
  const { server, replication, keyspace } = parsed;
  if (server && replication && keyspace) return ok({ server, replication, keyspace });
  const missing = [!server && 'server', !replication && 'replication', !keyspace && 'keyspace'].filter(
    Boolean,
  );
  return fail(`INFO text lacks section(s): ${missing.join(', ')}`);
}

/** What the agent core needs from one INFO reply. `fenced` comes from the agent, not from INFO. */
export function toNodeInfo(info: CompleteInfo, { fenced }: { readonly fenced: boolean }): NodeInfo {
  const r = info.replication;
  const masterNode =
    r.role === 'replica' && r.masterHost !== null && r.masterPort !== null
      ? formatNodeId(r.masterHost, r.masterPort)
      : null;
  let linkDownMs = 0;
  if (masterNode !== null && !r.linkUp) {
    linkDownMs = r.linkDownSinceSeconds === null ? LINK_NEVER_UP_MS : r.linkDownSinceSeconds * 1000;
  }
  return {
    role: r.role,
    masterNode,
    linkUp: masterNode !== null && r.linkUp,
    linkDownMs,
    offsetBytes: r.offsetBytes,
    runId: info.server.runId,
    priority: r.replicaPriority,
    keys: info.keyspace.keysTotal,
    fenced,
  };
}

/** Parse, require all three sections, and map: the one call the agent shell makes per INFO reply. */
export function parseNodeInfo(text: string, agent: { readonly fenced: boolean }): InfoResult<NodeInfo> {
  const parsed = parseInfo(text);
  if (!parsed.ok) return parsed;
  const complete = requireComplete(parsed.value);
  if (!complete.ok) return complete;
  return ok(toNodeInfo(complete.value, agent));
}

/** Splits text into `# Section` blocks of `field:value` lines, keyed by lower-case section name. */
function splitSections(text: string): Read<Map<string, Map<string, string>>> {
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

function parseServer(fields: Fields): Read<InfoServer> {
  const redisVersion = requireString(fields, 'redis_version');
  if (!redisVersion.ok) return redisVersion;
  const runId = requireString(fields, 'run_id');
  if (!runId.ok) return runId;
  if (runId.value.length > 64) return fail('run_id is longer than 64 characters');
  const tcpPort = requireInt(fields, 'tcp_port', 0, 65535);
  if (!tcpPort.ok) return tcpPort;
  const uptimeSeconds = requireInt(fields, 'uptime_in_seconds', 0);
  if (!uptimeSeconds.ok) return uptimeSeconds;
  return ok({
    redisVersion: redisVersion.value,
    runId: runId.value,
    tcpPort: tcpPort.value,
    uptimeSeconds: uptimeSeconds.value,
  });
}

function parseReplication(fields: Fields): Read<InfoReplication> {
  const roleText = fields.get('role');
  if (roleText === undefined) return fail('missing field role');
  const role =
    roleText === 'master' ? 'master' : roleText === 'slave' || roleText === 'replica' ? 'replica' : null;
  if (role === null)
    return fail(`role must be master or slave, got ${JSON.stringify(roleText.slice(0, 40))}`);
  const replicas = parseConnectedReplicas(fields);
  if (!replicas.ok) return replicas;
  const masterOffset = optionalInt(fields, 'master_repl_offset', 0);
  if (!masterOffset.ok) return masterOffset;
  const common = { connectedReplicas: replicas.value, masterReplid: fields.get('master_replid') ?? '' };
  if (role === 'replica') {
    const link = parseMasterLink(fields, masterOffset.value);
    return link.ok ? ok({ ...common, role, ...link.value }) : link;
  }
  return ok({
    ...common,
    role,
    masterHost: null,
    masterPort: null,
    linkUp: false,
    linkDownSinceSeconds: null,
    linkNeverUp: false,
    lastIoSecondsAgo: null,
    syncInProgress: false,
    offsetBytes: Math.max(0, masterOffset.value),
    replicaPriority: DEFAULT_REPLICA_PRIORITY,
    readOnly: false,
  });
}

type MasterLink = Omit<InfoReplication, 'role' | 'connectedReplicas' | 'masterReplid'>;

/** The fields only a replica prints: its master, the link, its offset, priority and read-only flag. */
function parseMasterLink(fields: Fields, masterOffsetBytes: number): Read<MasterLink> {
  const masterHost = requireString(fields, 'master_host');
  if (!masterHost.ok) return masterHost;
  const masterPort = requireInt(fields, 'master_port', 1, 65535);
  if (!masterPort.ok) return masterPort;
  const linkStatus = requireString(fields, 'master_link_status');
  if (!linkStatus.ok) return linkStatus;
  if (linkStatus.value !== 'up' && linkStatus.value !== 'down') {
    return fail(
      `master_link_status must be up or down, got ${JSON.stringify(linkStatus.value.slice(0, 40))}`,
    );
  }
  const linkUp = linkStatus.value === 'up';
  // -1 (or, on versions that omit it, absence while down) means the link was never up.
  const downSince = optionalInt(fields, 'master_link_down_since_seconds', -1);
  if (!downSince.ok) return downSince;
  const lastIo = optionalInt(fields, 'master_last_io_seconds_ago', -1);
  if (!lastIo.ok) return lastIo;
  const syncing = optionalInt(fields, 'master_sync_in_progress', 0);
  if (!syncing.ok) return syncing;
  const offset = optionalInt(fields, 'slave_repl_offset', masterOffsetBytes);
  if (!offset.ok) return offset;
  const priority = optionalInt(fields, 'replica_priority', DEFAULT_REPLICA_PRIORITY, 'slave_priority');
  if (!priority.ok) return priority;
  if (priority.value < 0) return fail(`replica priority must be >= 0, got ${priority.value}`);
  const readOnly = optionalInt(fields, 'replica_read_only', 1, 'slave_read_only');
  if (!readOnly.ok) return readOnly;
  const neverUp = !linkUp && downSince.value < 0;
  return ok({
    masterHost: masterHost.value,
    masterPort: masterPort.value,
    linkUp,
    linkDownSinceSeconds: linkUp || neverUp ? null : downSince.value,
    linkNeverUp: neverUp,
    lastIoSecondsAgo: lastIo.value < 0 ? null : lastIo.value,
    syncInProgress: syncing.value === 1,
    offsetBytes: Math.max(0, offset.value),
    replicaPriority: priority.value,
    readOnly: readOnly.value === 1,
  });
}

/** `slave0:ip=127.0.0.1,port=7102,state=online,offset=399,lag=0`, in index order. */
function parseConnectedReplicas(fields: Fields): Read<ConnectedReplica[]> {
  const replicas: Array<{ index: number; replica: ConnectedReplica }> = [];
  for (const [name, value] of fields) {
    const match = /^(?:slave|replica)(\d+)$/.exec(name);
    if (!match) continue;
    const props = parseProps(value);
    const host = props.get('ip');
    const port = toInt(props.get('port'));
    const offsetBytes = toInt(props.get('offset'));
    const lagSeconds = toInt(props.get('lag') ?? '0');
    const state = props.get('state');
    if (
      !host ||
      port === null ||
      port < 1 ||
      port > 65535 ||
      offsetBytes === null ||
      lagSeconds === null ||
      !state
    ) {
      return fail(
        `${name} is not "ip=...,port=...,state=...,offset=...,lag=...": ${JSON.stringify(value.slice(0, 120))}`,
      );
    }
    replicas.push({
      index: Number(match[1]),
      replica: {
        host,
        port,
        state,
        offsetBytes: Math.max(0, offsetBytes),
        lagSeconds: Math.max(0, lagSeconds),
      },
    });
  }
  return ok(replicas.sort((a, b) => a.index - b.index).map((entry) => entry.replica));
}

/** `db0:keys=6,expires=1,avg_ttl=3598979`; unknown properties (e.g. 7.4's subexpiry) are ignored. */
function parseKeyspace(fields: Fields): Read<InfoKeyspace> {
  const perDb: DbKeyspace[] = [];
  for (const [name, value] of fields) {
    const match = /^db(\d+)$/.exec(name);
    if (!match) continue;
    const props = parseProps(value);
    const keys = toInt(props.get('keys'));
    const expires = toInt(props.get('expires') ?? '0');
    const avgTtlMs = toInt(props.get('avg_ttl') ?? '0');
    if (keys === null || keys < 0 || expires === null || avgTtlMs === null) {
      return fail(
        `${name} is not "keys=...,expires=...,avg_ttl=...": ${JSON.stringify(value.slice(0, 120))}`,
      );
    }
    perDb.push({
      db: Number(match[1]),
      keys,
      expires: Math.max(0, expires),
      avgTtlMs: Math.max(0, avgTtlMs),
    });
  }
  perDb.sort((a, b) => a.db - b.db);
  return ok({ keysTotal: perDb.reduce((sum, db) => sum + db.keys, 0), perDb });
}

function parseProps(value: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const pair of value.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) props.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return props;
}

function toInt(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d{1,16}$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

function requireString(fields: Fields, name: string): Read<string> {
  const value = fields.get(name);
  if (value === undefined || value === '') return fail(`missing field ${name}`);
  return ok(value);
}

function requireInt(fields: Fields, name: string, min: number, max = Number.MAX_SAFE_INTEGER): Read<number> {
  const text = fields.get(name);
  if (text === undefined) return fail(`missing field ${name}`);
  const value = toInt(text);
  if (value === null || value < min || value > max) {
    return fail(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return ok(value);
}

/** An optional integer field, read under its new name first and then its legacy (`slave_`) one. */
function optionalInt(fields: Fields, name: string, fallback: number, legacyName?: string): Read<number> {
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
