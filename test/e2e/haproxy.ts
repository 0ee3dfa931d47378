// A real HAProxy (Debian's /usr/sbin/haproxy) in front of the stack's nodes, checking each agent's GET /primary; run in its own process group.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

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

/** A loopback port free right now (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
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
  const logFile = join(dir, 'haproxy.log');
  const checked = await run(HAPROXY_BIN, ['-c', '-f', cfg], logFile);
  if (checked.code !== 0) throw new Error(`haproxy -c refused ${cfg}: ${readFileSync(logFile, 'utf8')}`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(HAPROXY_BIN, ['-db', '-f', cfg], { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('haproxy could not be started');
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // Already gone.
    }
  };
  const stop = async () => {
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 1000);
    await exited;
    clearTimeout(timer);
    signal('SIGKILL');
  };
  process.once('exit', () => signal('SIGKILL'));
  // Listening once a TCP connection to the frontend succeeds.
  const deadline = performance.now() + 5000;
  for (;;) {
    if (await connects(port)) break;
    if (performance.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`haproxy did not listen on ${port}: ${readFileSync(logFile, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, logFile, stop, log: () => readFileSync(logFile, 'utf8') };
}

function run(command: string, args: string[], logFile: string): Promise<{ code: number | null }> {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve({ code }));
      child.once('error', () => resolve({ code: -1 }));
    });
  } finally {
    closeSync(fd);
  }
}

async function connects(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
