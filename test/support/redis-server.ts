// Real redis-server processes for tests: loopback only, own process group, stopped by group.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisArgs } from '../../infra/local/redis-node.js';

export interface RedisServer {
  readonly port: number;
  readonly address: string;
  readonly pid: number;
  /** SIGKILL the whole process group (a crash); the data directory is kept for a restart. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period; removes the data directory. */
  stop(): Promise<void>;
}

export interface RedisOptions {
  readonly port: number;
  /** `host port` of the master to replicate at start, if any. */
  readonly replicaOf?: string;
  readonly extraArgs?: readonly string[];
}

const started = new Set<ChildProcess>();

/** The same flags as the local stack (infra/local/redis-node.ts): no persistence, no diskless delay, loopback only. */
export async function startRedis(options: RedisOptions): Promise<RedisServer> {
  if (options.port === 6379) throw new Error('port 6379 belongs to the machine: use another one');
  const dir = mkdtempSync(join(tmpdir(), `redis-${options.port}-`));
  const base = { redisServer: 'redis-server', port: options.port, runDir: dir };
  const replicaOf = options.replicaOf?.replace(' ', ':');
  const args = [
    ...redisArgs(replicaOf === undefined ? base : { ...base, replicaOf }, dir),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn('redis-server', args, { detached: true, stdio: 'ignore' });
  started.add(child);
  const pid = child.pid;
  if (pid === undefined)
    throw new Error('redis-server did not start: is it installed? apt-get install redis-server');
  await waitForPort(options.port, 5000);
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: options.port,
    address: `127.0.0.1:${options.port}`,
    pid,
    async kill() {
      signalGroup('SIGKILL');
      await exited;
      started.delete(child);
    },
    async stop() {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      started.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Last resort for a test file's afterAll: kill every server this process started. */
export function killAllRedis(): void {
  for (const child of started) {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  started.clear();
}
