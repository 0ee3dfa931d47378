// `edge-sentinel-agent --config agent.yaml`, as shipped: the supervisor process, which forks the agent and owns the fences.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monotonicClock } from '../runtime/clock.js';
import { FENCE_BATCHES_VARIABLE, SUPERVISED_VARIABLE } from '../runtime/fence-channel.js';
import { FenceClient } from '../runtime/fence-client.js';
import { FenceOwner } from '../runtime/fence-owner.js';
import { createLogger } from '../runtime/logger.js';
import { realTimers } from '../runtime/timers.js';
import { Supervisor } from './supervisor.js';

/**
 * Runs until the agent has stopped and its fences are settled, then exits the process. `agent` is
 * the agent bundle, forked with an IPC channel and this process's own node flags (the shipped V8
 * flags from the bin's shebang or the systemd unit); its stdout and stderr are ours.
 */
export function superviseMain(argv: readonly string[], env: NodeJS.ProcessEnv, agent: URL): void {
  const logger = createLogger(env.EDGE_SENTINEL_LOG_LEVEL === 'debug' ? 'debug' : 'info', 'supervisor').child(
    {
      component: 'supervisor',
    },
  );
  const owner = new FenceOwner({
    clock: monotonicClock,
    timers: realTimers,
    logger,
    connect: (target) => new FenceClient(target, 'edge-sentinel-supervisor', logger),
  });
  const supervisor = new Supervisor({
    clock: monotonicClock,
    timers: realTimers,
    logger,
    owner,
    spawnAgent: (events) => {
      const child = fork(fileURLToPath(agent), [...argv], {
        execArgv: process.execArgv,
        env: { ...env, [SUPERVISED_VARIABLE]: '1', [FENCE_BATCHES_VARIABLE]: '1' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'json',
      });
      child.on('message', (message) => events.onMessage(message));
      child.on('exit', (code, signal) => events.onExit(code, signal));
      child.on('error', (error) => logger.error({ err: error.message }, 'agent process error'));
      return {
        pid: child.pid,
        send: (message) => {
          if (child.connected) child.send(message);
        },
        kill: (signal) => child.kill(signal),
      };
    },
    exit: (code) => process.exit(code),
  });
  process.on('SIGTERM', () => supervisor.stop());
  process.on('SIGINT', () => supervisor.stop());
  // Without a handler SIGHUP would end the supervisor (Node's default), and with it the fences' owner.
  process.on('SIGHUP', () => supervisor.reload());
  supervisor.start();
}
