// A real HAProxy (Debian's /usr/sbin/haproxy) in front of the stack's nodes, checking each agent's GET /primary; run in its own process group.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnGroup } from '../../infra/local/process-group.js';
import { freePort, portOpen, waitFor } from '../../infra/local/wait.js';

export const HAPROXY_BIN = '/usr/sbin/haproxy';

export interface HaproxyBackendNode {
  readonly name: string;
  /** The redis-server's port (traffic) and its agent's metrics port (health checks). */
  readonly port: number;
  readonly checkPort: number;
}

/** The configuration documented in agent/README.md, with the test's ports. */
export function haproxyConfig(frontendPort: number, nodes: readonly HaproxyBackendNode[]): string {
  return [
    'global',
    '  maxconn 1024',
    'defaults',
    '  mode tcp',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout check 1s',
    'frontend redis_write',
    `  bind 127.0.0.1:${frontendPort}`,
    '  default_backend redis_primary',
    'backend redis_primary',
    '  option httpchk GET /primary',
    '  http-check expect status 200',
    '  default-server inter 200 fall 1 rise 1 on-marked-down shutdown-sessions',
    ...nodes.map((n) => `  server ${n.name} 127.0.0.1:${n.port} check port ${n.checkPort}`),
    '',
  ].join('\n');
}

export interface RunningHaproxy {
  readonly port: number;
  readonly logFile: string;
  /** SIGTERM the process group, SIGKILL it after a second. */
  stop(): Promise<void>;
  log(): string;
}

/** Writes haproxy.cfg into `dir`, checks it (-c), runs haproxy in the foreground (-db) in its own process group. */
export async function startHaproxy(
  dir: string,
  nodes: readonly HaproxyBackendNode[],
): Promise<RunningHaproxy> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(port, nodes));
  const checked = spawnSync(HAPROXY_BIN, ['-c', '-f', cfg], { encoding: 'utf8' });
  if (checked.status !== 0) throw new Error(`haproxy -c refused ${cfg}: ${checked.stdout}${checked.stderr}`);
  const logFile = join(dir, 'haproxy.log');
  const group = spawnGroup({
    name: 'haproxy',
    command: HAPROXY_BIN,
    args: ['-db', '-f', cfg],
    logFile,
    stopGraceMs: 1000,
  });
  const log = () => readFileSync(logFile, 'utf8');
  try {
    // Listening once a TCP connection to the frontend succeeds.
    await waitFor(`haproxy listening on ${port}`, 5000, async () => {
      if (!group.running()) throw new Error(`haproxy exited: ${log()}`);
      return (await portOpen(port)) ? true : undefined;
    });
  } catch (error) {
    await group.stop();
    throw error;
  }
  return { port, logFile, stop: () => group.stop(), log };
}
