// globalSetup of the `workers` project (Node): a webhook receiver, and a real redis-server behind an
// Upstash REST adapter, whose URLs the runtime tests get through bindings (vitest.config.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startUpstashAdapter } from './upstash-adapter.js';
import { startWebhookReceiver } from './webhook-receiver.js';

export const UPSTASH_TEST_TOKEN = 'upstash-test-token-0123456789';

declare module 'vitest' {
  export interface ProvidedContext {
    webhookReceiverUrl: string;
    upstashUrl: string;
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A redis-server on the first free port of 7201-7210, in its own process group. */
async function startRedis(): Promise<{ port: number; child: ChildProcess }> {
  for (let port = 7201; port <= 7210; port++) {
    if (await portAnswers(port)) continue;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { detached: true, stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      if (await portAnswers(port)) return { port, child };
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  }
  throw new Error('no free port for redis-server in 7201-7210 (is redis-server installed?)');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const receiver = await startWebhookReceiver();
  const redis = await startRedis();
  const adapter = await startUpstashAdapter(redis.port, UPSTASH_TEST_TOKEN);
  project.provide('webhookReceiverUrl', receiver.url);
  project.provide('upstashUrl', adapter.url);
  return async () => {
    await adapter.close();
    await receiver.close();
    if (redis.child.pid !== undefined) process.kill(-redis.child.pid, 'SIGTERM');
  };
}
