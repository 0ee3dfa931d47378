// One local redis-server (no persistence, no diskless-sync delay, loopback only), in its own process group, logging to the run dir.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FENCE_MIN_REPLICAS } from '../../agent/runtime/fence.js';
import { type GroupProcess, spawnGroup } from './process-group.js';
import { portOpen, waitFor } from './wait.js';

export interface RedisNodeSpec {
  readonly redisServer: string;
  readonly port: number;
  /** Replicate this "host:port" from the start; omitted for the master and for an empty restart. */
  readonly replicaOf?: string;
  /** The port the node announces to its master as a replica, when it is not `port` (a proxy in front). */
  readonly announcePort?: number;
  /**
   * Start with writes refused (`min-replicas-to-write` at the fence value) until its agent holds a
   * lease and unfences it: a restarted node never takes a write its agent has not allowed.
   */
  readonly startFenced?: boolean;
  /** `requirepass` and `masterauth`: clients and replication need it. */
  readonly password?: string;
  /**
   * Keep the data directory (a restart with the data a SAVE wrote there) instead of starting
   * empty; `extraArgs` go last (say `--key-load-delay`, to keep it LOADING for a while).
   */
  readonly keepData?: boolean;
  readonly extraArgs?: readonly string[];
  readonly runDir: string;
}

/** Persistence off, diskless sync without delay (else the first sync takes 5 s), loopback only. */
export function redisArgs(spec: RedisNodeSpec, dataDir: string): string[] {
  const args = [
    '--port',
    String(spec.port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--repl-diskless-sync-delay',
    '0',
    '--daemonize',
    'no',
    '--dir',
    dataDir,
  ];
  if (spec.announcePort !== undefined && spec.announcePort !== spec.port) {
    args.push('--replica-announce-port', String(spec.announcePort));
  }
  if (spec.replicaOf !== undefined) {
    const [host = '', port = ''] = spec.replicaOf.split(':');
    args.push('--replicaof', host, port);
  }
  if (spec.startFenced === true) args.push('--min-replicas-to-write', String(FENCE_MIN_REPLICAS));
  if (spec.password !== undefined) args.push('--requirepass', spec.password, '--masterauth', spec.password);
  args.push(...(spec.extraArgs ?? []));
  return args;
}

/** Starts the node (with an empty data directory unless `keepData`) and resolves once it accepts connections. */
export async function startRedisNode(spec: RedisNodeSpec): Promise<GroupProcess> {
  if (spec.port === 6379) throw new Error("port 6379 belongs to the machine's own Redis: use another one");
  if (await portOpen(spec.port))
    throw new Error(
      `port ${spec.port} is already in use: is another stack running? ('npm run demo -- --stop' stops one left behind)`,
    );
  const dataDir = join(spec.runDir, `redis-${spec.port}`);
  if (spec.keepData !== true) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const proc = spawnGroup({
    name: `redis-${spec.port}`,
    command: spec.redisServer,
    args: redisArgs(spec, dataDir),
    runDir: spec.runDir,
    logFile: join(spec.runDir, 'logs', `redis-${spec.port}.log`),
    stopGraceMs: 3000,
  });
  await waitFor(`redis-server on port ${spec.port} (log ${proc.logFile})`, 10_000, async () => {
    if (!proc.running()) throw new Error(`redis-server exited: ${await proc.exited}`);
    return (await portOpen(spec.port)) ? true : undefined;
  });
  return proc;
}
