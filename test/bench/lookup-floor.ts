// `npx tsx test/bench/lookup-floor.ts`: what bounds Sentinel lookups on a Node server here (issue 13 item 6): redis-sentinel, an agent, and the least any Node server can do, side by side.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { type RunningAgent, startAgent } from '../../agent/runtime/agent.js';
import { type GroupProcess, spawnGroup } from '../../infra/local/process-group.js';
import { portOpen, waitFor } from '../../infra/local/wait.js';
import { initialConfig } from '../../workers/protocol/index.js';
import { FakeVoters } from '../agent/runtime/fake-voters.js';
import { removeDir, tempStateDir, testConfig } from '../agent/runtime/harness.js';
import { type RedisServer, startRedis } from '../support/redis-server.js';
import { redisBenchmark } from './lookup-bench.js';
import type { LookupTarget } from './results.js';
import { spawnSentinel } from './sentinel-conf.js';

const USAGE = `usage: npx tsx test/bench/lookup-floor.ts [--rounds 3] [--requests 100000] [--targets a,b] [--pipelines 1,16]

SENTINEL get-master-addr-by-name with redis-benchmark (50 clients, -P 1 and -P 16), rounds
interleaved, against: redis-sentinel; an edge-sentinel agent (its Sentinel port, in this
process, with fake voters); and resp-floor-server.mjs, a Node server that answers every request
with the fixed reply without parsing it (the ceiling of any Node.js server on this machine).
Prints the median rate of each and the ratios. Ports: redis 7885, redis-sentinel 26885, floor
26886, agent 26887.`;

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const GROUP = 'mymaster';
const PORTS = { redis: 7885, sentinel: 26885, floor: 26886, agent: 26887 } as const;
const CLIENTS = 50;
const PIPELINES = [1, 16];

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string', default: '3' },
      requests: { type: 'string', default: '100000' },
      targets: { type: 'string', default: 'redis-sentinel,agent,Node floor' },
      pipelines: { type: 'string', default: PIPELINES.join(',') },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const rounds = Number(values.rounds);
  const requests = Number(values.requests);
  const runDir = join('/tmp', `lookup-floor-${Date.now()}`);
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  let redis: RedisServer | null = null;
  const processes: GroupProcess[] = [];
  let voters: FakeVoters | null = null;
  let agent: RunningAgent | null = null;
  const stateDir = tempStateDir();
  try {
    redis = await startRedis({ port: PORTS.redis });
    const master = `127.0.0.1:${PORTS.redis}`;
    processes.push(
      spawnSentinel('redis-server', runDir, {
        port: PORTS.sentinel,
        groups: [GROUP],
        master,
        quorum: 1,
        downAfterMs: 5000,
        failoverTimeoutMs: 60_000,
      }),
      spawnGroup({
        name: 'resp-floor',
        command: process.execPath,
        args: [
          join(root, 'test/bench/resp-floor-server.mjs'),
          String(PORTS.floor),
          '127.0.0.1',
          String(PORTS.redis),
        ],
        logFile: join(runDir, 'logs', 'resp-floor.log'),
      }),
    );
    voters = await FakeVoters.start(GROUP);
    voters.push(initialConfig(master));
    const base = await testConfig({ voters, localPort: PORTS.redis, stateDir });
    agent = await startAgent(
      {
        ...base,
        sentinel: { host: '127.0.0.1', port: PORTS.agent, enabled: true, adminWithoutPassword: false },
        metrics: { host: '127.0.0.1', port: 0, enabled: false },
        groups: base.groups.map((g) => ({ ...g, fencing: false })),
      },
      { logger: pino({ level: 'silent' }), defaultMetrics: false },
    );
    for (const port of [PORTS.sentinel, PORTS.floor, PORTS.agent]) {
      await waitFor(`port ${port}`, 20_000, async () => ((await portOpen(port)) ? true : undefined));
    }
    const chosen = values.targets.split(',');
    const targets = (
      [
        ['redis-sentinel', 'sentinel', PORTS.sentinel],
        ['agent', 'agent', PORTS.agent],
        ['Node floor', 'agent', PORTS.floor],
      ] as [string, LookupTarget, number][]
    ).filter(([name]) => chosen.includes(name));
    const pipelines = values.pipelines.split(',').map(Number);
    const rates = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      for (const pipeline of pipelines) {
        for (const [name, target, port] of targets) {
          // The agent runs in this process: its CPU time per request is a figure other load barely moves.
          const cpuBefore = process.cpuUsage();
          const result = await redisBenchmark(
            target,
            port,
            GROUP,
            requests,
            CLIENTS,
            join(runDir, 'logs'),
            pipeline,
          );
          if (!result.ok || result.requestsPerSecond === null)
            throw new Error(`${name} -P ${pipeline}: ${result.error}`);
          const key = `${name} -P ${pipeline}`;
          rates.set(key, [...(rates.get(key) ?? []), result.requestsPerSecond]);
          const cpu = process.cpuUsage(cpuBefore);
          const perRequest =
            name === 'agent'
              ? `, ${(((cpu.user + cpu.system) / requests) * 1000).toFixed(0)} ns CPU per request`
              : '';
          console.log(`round ${round} ${key}: ${Math.round(result.requestsPerSecond)}/s${perRequest}`);
        }
      }
    }
    console.log(`\nmedians of ${rounds} rounds, ${CLIENTS} clients, ${requests} requests each`);
    console.log(
      '| pipeline | redis-sentinel | agent | Node floor | agent / sentinel | floor / sentinel | agent / floor |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const pipeline of pipelines) {
      const [s, a, f] = ['redis-sentinel', 'agent', 'Node floor'].map((n) =>
        median(rates.get(`${n} -P ${pipeline}`) ?? []),
      );
      const r = (x: number, y: number) => (x / y).toFixed(2);
      console.log(
        `| -P ${pipeline} | ${Math.round(s ?? 0)}/s | ${Math.round(a ?? 0)}/s | ${Math.round(f ?? 0)}/s | ${r(a ?? 0, s ?? 1)} | ${r(f ?? 0, s ?? 1)} | ${r(a ?? 0, f ?? 1)} |`,
      );
    }
    return 0;
  } finally {
    await agent?.stop();
    await voters?.close();
    for (const p of processes) await p.stop();
    await redis?.stop();
    removeDir(stateDir);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
