// INFO text of a simulated node, in redis 7.0's format: the agent parses it with the same parser as a real reply.
import { parseNodeId } from '../../workers/protocol/index.js';

export interface InfoFacts {
  readonly runId: string;
  readonly uptimeSeconds: number;
  readonly role: 'master' | 'replica';
  /** A replica's master ("host:port"); null for a master. */
  readonly masterOf: string | null;
  readonly linkUp: boolean;
  /** Seconds since the link went down; null when it was never up since the last REPLICAOF (-1). */
  readonly linkDownSinceSeconds: number | null;
  readonly offsetBytes: number;
  readonly priority: number;
  readonly keys: number;
}

/** The sections and fields `parseNodeInfo` reads; a master prints no priority, like redis. */
export function renderInfo(f: InfoFacts): string {
  const lines = [
    '# Server',
    'redis_version:7.0.15',
    `run_id:${f.runId}`,
    'tcp_port:6379',
    `uptime_in_seconds:${f.uptimeSeconds}`,
    '',
    '# Replication',
  ];
  if (f.role === 'master' || f.masterOf === null) {
    lines.push('role:master', 'connected_slaves:0', `master_repl_offset:${f.offsetBytes}`);
  } else {
    const { host, port } = parseNodeId(f.masterOf);
    lines.push(
      'role:slave',
      `master_host:${host}`,
      `master_port:${port}`,
      `master_link_status:${f.linkUp ? 'up' : 'down'}`,
      `master_last_io_seconds_ago:${f.linkUp ? 0 : -1}`,
      'master_sync_in_progress:0',
      `slave_repl_offset:${f.offsetBytes}`,
      `slave_priority:${f.priority}`,
      'slave_read_only:1',
      'connected_slaves:0',
      `master_repl_offset:${f.offsetBytes}`,
    );
    if (!f.linkUp) lines.push(`master_link_down_since_seconds:${f.linkDownSinceSeconds ?? -1}`);
  }
  lines.push('', '# Keyspace');
  if (f.keys > 0) lines.push(`db0:keys=${f.keys},expires=0,avg_ttl=0`);
  return `${lines.join('\r\n')}\r\n`;
}
