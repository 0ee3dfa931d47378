// Parses Redis `INFO` text (server, replication, keyspace) into typed values and maps it to NodeInfo.
//
// This is the edge where Redis's `slave` vocabulary becomes `replica`, once (info-replication.ts,
// beside the field readers of info-fields.ts). The parser is pure:
// bad or partial text is an error value, never a throw. It was checked against the real output of
// redis-server 7.0.15 (fixtures in test/fixtures/info/, captured by capture.sh there).
import { formatNodeId } from '../../workers/protocol/index.js';
import {
  type Fields,
  fail,
  ok,
  parseProps,
  type Read,
  requireInt,
  requireString,
  splitSections,
  toInt,
} from './info-fields.js';
import { type InfoReplication, parseReplication } from './info-replication.js';
import type { NodeInfo } from './types.js';

export { MAX_INFO_CHARS } from './info-fields.js';
export { type ConnectedReplica, DEFAULT_REPLICA_PRIORITY, type InfoReplication } from './info-replication.js';

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
    // Only the Sentinel surface reads it, and only a `false` changes anything: left out when true.
    ...(r.replicaAnnounced ? {} : { replicaAnnounced: false }),
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
