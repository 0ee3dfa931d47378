// INFO replication: the role (Redis's `slave` becomes `replica` here), the master link, the replicas a master sees.
import {
  type Fields,
  fail,
  ok,
  optionalInt,
  parseProps,
  type Read,
  requireInt,
  requireString,
  toInt,
} from './info-fields.js';

/** Redis's default `replica-priority`; a master does not print its priority at all. */
export const DEFAULT_REPLICA_PRIORITY = 100;

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
  /**
   * `replica_announced` (Redis 6.2+, config `replica-announced`): false when the replica asks
   * Sentinel not to list it; true for a master and for versions that do not print it.
   */
  readonly replicaAnnounced: boolean;
  readonly connectedReplicas: readonly ConnectedReplica[];
  readonly masterReplid: string;
}

export function parseReplication(fields: Fields): Read<InfoReplication> {
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
    replicaAnnounced: true,
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
  const announced = optionalInt(fields, 'replica_announced', 1);
  if (!announced.ok) return announced;
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
    replicaAnnounced: announced.value !== 0,
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
